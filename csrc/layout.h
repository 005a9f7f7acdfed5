/* layout.h - describing memory field by field.
 *
 * A describer (one per family of objects, in layout_*.c) tells a builder
 * which fields lie where in an object or in a block of memory an object
 * points to: name, offset, size, C type, how to decode the value, what it
 * means, and for pointers, how to describe the memory they point to.
 * Offsets and sizes come from offsetof() and sizeof() on the interpreter's
 * own structs (HX_MEMBER), never from typed numbers.
 *
 * The engine (layout.c) then takes one guarded snapshot of the whole extent
 * and decodes values from it lazily, so every value of a Layout agrees with
 * the raw bytes it shows.
 */
#ifndef HEXRAY_LAYOUT_H
#define HEXRAY_LAYOUT_H

#include "hexray.h"

/* How a field's bytes are decoded into Field.value. */
typedef enum {
    HX_V_NONE,          /* no value: padding, or bytes with no public name */
    HX_V_INT,           /* signed integer */
    HX_V_UINT,          /* unsigned integer */
    HX_V_HEX,           /* unsigned integer best read in hex (bit sets) */
    HX_V_REFCNT,        /* ob_refcnt: immortality is version-specific */
    HX_V_HASH,          /* a cached hash: -1 means not computed yet */
    HX_V_FLOAT,         /* float or double, by size */
    HX_V_OBJECT,        /* PyObject *: the object, checked like object_at */
    HX_V_ADDRESS,       /* a pointer to memory that is not an object */
    HX_V_FUNCTION,      /* a pointer to C code */
    HX_V_CSTRING,       /* const char *: the text it points to */
    HX_V_TEXT,          /* characters in place; arg0 = bytes per char */
    HX_V_BYTES,         /* bytes in place */
    HX_V_BITS,          /* a bit field: `width` bits from bit `bit` */
    HX_V_TYPE_FLAGS,    /* tp_flags, with the set flags named */
} hx_value_kind;

typedef struct hx_builder hx_builder;

/* Where a member of a struct lies: its offset and size (size 0: this
   version has no such member).  What internal*.c tell the describers. */
typedef struct {
    Py_ssize_t offset;
    Py_ssize_t size;
} hx_span;

/* The hx_span of a member, as an initializer. */
#define HX_SPAN(type, member)                                           \
    {offsetof(type, member), sizeof(((type *)0)->member)}

/* Describes a block of memory into a builder whose `address` and `follow`
   parameters are set.  0, or -1 with an exception set. */
typedef int (*hx_describe_fn)(hx_builder *b);

/* What a pointer field leads to, when it can be followed. */
typedef struct {
    hx_describe_fn describe;    /* NULL: nothing to follow */
    const char *title;          /* what the block is, e.g. "item array" */
    Py_ssize_t count;           /* parameters for describe */
    Py_ssize_t aux;
    int on_request;             /* dump(follow=...) skips it (ob_type) */
    Py_ssize_t aux2;            /* a third parameter, if two are too few */
} hx_follow;

/* hx_follow.describe for pointers to objects: follow gives their layout. */
extern const hx_describe_fn hx_follow_object;

typedef struct {
    Py_ssize_t offset;          /* from the object's (or block's) start */
    Py_ssize_t size;            /* bytes */
    const char *name;           /* C name; a format for `index` if >= 0 */
    Py_ssize_t index;
    const char *ctype;          /* the C type, as the header spells it */
    const char *meaning;        /* one line; a format for arg0, arg1 */
    Py_ssize_t arg0, arg1;
    hx_value_kind value;
    unsigned char bit, width;   /* HX_V_BITS */
    hx_follow follow;
} hx_field;

/* Text a describer makes at run time (a name read from memory, a meaning
   that quotes one), kept as long as the layout that shows it. */
typedef struct hx_text_chunk hx_text_chunk;

struct hx_builder {
    uintptr_t address;          /* where offset 0 is; 0 for a type's schema */
    PyTypeObject *type;         /* the object's type; NULL for a block */
    PyObject *object;           /* the object; NULL for a block or schema */
    int schema;                 /* describing a type, without an instance */
    const char *kind;           /* "object", or the block's title */
    Py_ssize_t start, end;      /* the extent, relative to address */
    hx_field *fields;
    Py_ssize_t count, capacity;
    hx_follow params;           /* a block's parameters, from its pointer */
    uintptr_t owner;            /* the object a block belongs to */
    PyTypeObject *owner_type;   /* its type when its layout was made */
    hx_text_chunk *texts;       /* what hx_keep() made, owned */
};

/* Add a field; returns it for optional settings (index, args, follow), or
   NULL with MemoryError set.  The extent grows to cover it. */
hx_field *hx_add(hx_builder *b, Py_ssize_t offset, Py_ssize_t size,
                 const char *name, const char *ctype, hx_value_kind value,
                 const char *meaning);

/* A member of a C struct, by offsetof/sizeof. */
#define HX_MEMBER(b, type, member, ctype, value, meaning)               \
    hx_add((b), offsetof(type, member), sizeof(((type *)0)->member),    \
           #member, (ctype), (value), (meaning))

/* The same, shown under another name (e.g. a nested member's own name). */
#define HX_MEMBER_AS(b, type, member, name, ctype, value, meaning)      \
    hx_add((b), offsetof(type, member), sizeof(((type *)0)->member),    \
           (name), (ctype), (value), (meaning))

/* hx_add() for item `index` of an array: the name is a format with the
   index, and so is the meaning, whose first argument (arg0) it is too. */
hx_field *hx_add_indexed(hx_builder *b, Py_ssize_t offset, Py_ssize_t size,
                         const char *name, Py_ssize_t index,
                         const char *ctype, hx_value_kind value,
                         const char *meaning);

/* A row of a table of struct members: where the member is, what it is
   and what it means. */
typedef struct {
    Py_ssize_t offset, size;
    const char *name;
    const char *ctype;
    hx_value_kind value;
    const char *meaning;
} hx_member;

/* The hx_member of a member of a struct, as an initializer. */
#define HX_ROW(type, member, ctype, value, meaning)                     \
    {offsetof(type, member), sizeof(((type *)0)->member), #member,      \
     (ctype), (value), (meaning)}

/* The field of one row, or NULL with an exception set. */
hx_field *hx_add_member(hx_builder *b, const hx_member *row);

/* The fields of `count` rows.  0, or -1 with an exception set. */
int hx_add_members(hx_builder *b, const hx_member *table, size_t count);

/* Make f a pointer that can be followed, to a block `describe` describes
   under `title`; count and aux are its parameters. */
void hx_set_follow(hx_field *f, hx_describe_fn describe, const char *title,
                   Py_ssize_t count, Py_ssize_t aux);

/* Names and meanings are formats of their own small language: "%zd"
   stands for the field's index (names) or for arg0, then arg1 (meanings),
   and "%%" for a percent sign; every other character is itself.  This
   writes one, filled in, to dst (at most cap - 1 bytes, NUL-terminated)
   and returns its length. */
size_t hx_format(char *dst, size_t cap, const char *format, Py_ssize_t a0,
                 Py_ssize_t a1);

/* printf-format some text and keep it with the builder (and then with
   its Layout), for names read from memory and meanings that quote them.
   The text is used as a name or meaning format as it is: what it quotes
   must hold no '%' (identifiers and opcode names do not).  NULL with
   MemoryError set on failure. */
const char *hx_keep(hx_builder *b, const char *format, ...);

/* Guarded read of `size` bytes at `offset` from the builder's address.
   0, or -1 with MemoryFault set. */
int hx_fetch(hx_builder *b, Py_ssize_t offset, void *dst, size_t size);

/* `size` bytes (1, 2, 4 or 8) at p as an integer, in native order. */
uint64_t hx_unsigned_of(const unsigned char *p, Py_ssize_t size);
int64_t hx_signed_of(const unsigned char *p, Py_ssize_t size);

/* Guarded read of `size` bytes at an absolute address, for memory that is
   not the builder's.  0, or -1 with MemoryFault set. */
int hx_read_at(uintptr_t address, void *dst, size_t size);

/* Guarded read of the first `size` bytes of the object a block belongs
   to: describers of blocks never read it directly, as it may be bytes
   that imitate an object.  0, or -1 with MemoryFault set. */
int hx_fetch_owner(hx_builder *b, void *dst, size_t size);

/* Whether the block belongs to an object of `base` or a subclass (by the
   type the owner had when its layout was made); else -1 with TypeError
   set, saying the block is described only for such an owner. */
int hx_check_owner(hx_builder *b, PyTypeObject *base);

/* Raise TypeError: the block is described only for an owner that is
   `what`.  -1. */
int hx_wrong_owner(hx_builder *b, const char *what);

/* Raise HexrayError: the block b describes is no longer its owner's. -1. */
int hx_no_longer_used(hx_builder *b);

/* Grow the extent to cover [start, end). */
void hx_cover(hx_builder *b, Py_ssize_t start, Py_ssize_t end);

/* Mark [start, end) as bytes with no public name, in steps of at most a
   word, so that a dump annotates each word it shows. */
int hx_add_unnamed(hx_builder *b, Py_ssize_t start, Py_ssize_t end,
                   const char *meaning);

/* The field called name (without an index), or NULL. */
hx_field *hx_field_named(hx_builder *b, const char *name);

/* An attribute or member name, kept with the layout that shows it (its
   owner may go before the layout does), or NULL: with an exception set on
   failure, without one if the name is no identifier (those are shown by
   index).  Identifiers hold no '%', so the name reads as itself. */
const char *hx_kept_name(hx_builder *b, PyObject *name);

/* The field whose bytes hold offset, or NULL. */
hx_field *hx_field_over(hx_builder *b, Py_ssize_t offset);

/* hx_add_unnamed() for the bytes of [start, end) no field holds yet. */
int hx_fill_gaps(hx_builder *b, Py_ssize_t start, Py_ssize_t end,
                 const char *meaning);

/* The header every object starts with (and, for var-sized objects, its
   ob_size), preceded by what the allocator put before it: the GC header,
   and the managed dict and weakref words of 3.11+. */
int hx_describe_header(hx_builder *b, int with_ob_size);

/* Fields past a builtin base's struct, up to tp_basicsize: __slots__
   members, the __dict__ and __weakref__ slots, and unnamed bytes. */
int hx_describe_extras(hx_builder *b, Py_ssize_t base_size);

/* The words 3.11+ put before the GC header of instances whose type
   manages their __dict__ (and from 3.12, their weak references); called by
   hx_describe_header when the type's pre-header has them. */
int hx_describe_managed(hx_builder *b);

/* The describers of each family of objects (layout_*.c).  Each describes
   an instance at b->address of type b->type, or with b->schema set, the
   fixed fields of the type alone. */

/* layout_numbers.c */
int hx_describe_int(hx_builder *b);
int hx_describe_float(hx_builder *b);
int hx_describe_complex(hx_builder *b);
int hx_describe_generic(hx_builder *b);

/* layout_text.c */
int hx_describe_str(hx_builder *b);
int hx_describe_bytes(hx_builder *b);
int hx_describe_bytearray(hx_builder *b);

/* layout_containers.c */
int hx_describe_tuple(hx_builder *b);
int hx_describe_list(hx_builder *b);
int hx_describe_dict(hx_builder *b);
int hx_describe_set(hx_builder *b);

/* layout_misc.c */
int hx_is_array_type(PyTypeObject *type);  /* array.array or a subclass */
int hx_describe_array(hx_builder *b);
int hx_describe_range(hx_builder *b);
int hx_describe_slice(hx_builder *b);
int hx_describe_module(hx_builder *b);
int hx_describe_singleton(hx_builder *b);  /* None, Ellipsis, ... */

/* internal_module.c: where each member of the module object lies (by
   offsetof/sizeof on private.h's struct on 3.9, on the internal header's
   from 3.10). */
typedef struct {
    hx_span md_dict, md_def, md_state, md_weaklist, md_name;
    Py_ssize_t size;    /* sizeof the struct: the base of a subclass */
} hx_module_layout;

const hx_module_layout *hx_get_module_layout(void);

/* layout_types.c */
int hx_describe_type(hx_builder *b);       /* type objects */
int hx_describe_instance(hx_builder *b);   /* anything else */
/* Parts of hx_describe_extras: the PyMemberDef members of the types in
   the MRO past base_size; the __dict__ pointer a var-sized instance keeps
   after its items (negative tp_dictoffset, 3.9-3.11: returns 1 if the
   instance has one, 0 if not, -1 on error); and the attribute values a
   3.13 instance keeps inside itself (Py_TPFLAGS_INLINE_VALUES). */
int hx_describe_members(hx_builder *b, Py_ssize_t base_size);
int hx_describe_var_dict(hx_builder *b);
int hx_describe_inline_values(hx_builder *b);

/* internal_types.c: the shared keys of a class (ht_cached_keys), which
   name its instances' attribute values (3.11+). */
Py_ssize_t hx_shared_key_count(PyTypeObject *type);
PyObject *hx_shared_key(PyTypeObject *type, Py_ssize_t index);

/* layout_code.c */
int hx_describe_function(hx_builder *b);
int hx_describe_code(hx_builder *b);
int hx_describe_frame(hx_builder *b);

#if PY_VERSION_HEX >= 0x030B0000
/* internal_code.c: what only CPython's internal headers say about 3.11+
   bytecode and frames. */

typedef struct {
    /* PyFrameObject (struct _frame) */
    hx_span f_back, f_frame, f_trace, f_lineno, f_trace_lines,
            f_trace_opcodes, f_fast_as_locals, f_extra_locals,
            f_locals_cache, f_frame_data;
    /* _PyInterpreterFrame */
    hx_span f_func, f_funcobj, f_code, f_executable, previous, f_globals,
            f_builtins, f_locals, frame_obj, prev_instr, instr_ptr,
            stacktop, is_entry, return_offset, owner, localsplus;
    /* enum _frameowner (-1: not in this version) */
    int owned_by_thread, owned_by_generator, owned_by_frame_object,
        owned_by_cstack;
    /* the bits of co_localspluskinds (fast_hidden: 0 before 3.12) */
    int fast_local, fast_cell, fast_free, fast_hidden;
} hx_frame_facts;

const hx_frame_facts *hx_get_frame_facts(void);
int hx_opcode_deopt(int opcode);        /* the opcode the compiler wrote */
int hx_opcode_caches(int opcode);       /* inline CACHE units after it */
const char *hx_opcode_name(int opcode); /* NULL: ask dis */
Py_ssize_t hx_executor_opcode_offset(void);     /* 3.13, else -1 */
#endif

/* At most this many items of a block are described, one field each; one
   more field summarises the rest. */
#define HX_MAX_DESCRIBED_ITEMS 4096

/* How many of `count` units (items, digits, slots...) are described one
   field each: none for a negative count (counts come from memory). */
Py_ssize_t hx_shown(Py_ssize_t count);

/* A field of `size` bytes at `offset` that stands for `rest` units not
   described; `meaning` has a %zd for how many.  None if rest <= 0. */
int hx_add_rest(hx_builder *b, Py_ssize_t offset, Py_ssize_t size,
                Py_ssize_t rest, const char *meaning);

/* A run of `count` units in use, in room for `room` (an item array, a
   table of entries...), whose first hx_shown(count) units the caller has
   described. */
typedef struct {
    Py_ssize_t offset;          /* where unit 0 is */
    Py_ssize_t unit;            /* bytes in a unit */
    Py_ssize_t count;           /* units in use */
    Py_ssize_t room;            /* units there is room for */
    const char *rest;           /* units in use not described, with %zd */
    const char *spare;          /* what an unused unit is; NULL: not shown */
    const char *spare_rest;     /* unused units not described, with %zd */
} hx_run;

/* What follows the units described: a field for the units in use not
   described; or else the unused room, as unnamed words until
   HX_MAX_DESCRIBED_ITEMS units in all are shown, then a field for the rest
   of it. */
int hx_end_run(hx_builder *b, const hx_run *run);

/* layout_values.c: the value slots of a dict's split table from offset
   `at`: those of its keys' `entries`, then room for keys the shared keys
   do not have yet, `capacity` slots in all. */
int hx_describe_value_slots(hx_builder *b, Py_ssize_t at, Py_ssize_t entries,
                            Py_ssize_t capacity);

/* internal_dict.c: what CPython's internal headers say about dicts and
   sets, for layout_containers.c. */
#if PY_VERSION_HEX >= 0x030B0000
typedef struct {
    /* PyDictKeysObject; dk_indices start at sizeof() */
    Py_ssize_t keys_size;
    hx_span dk_refcnt, dk_log2_size, dk_log2_index_bytes, dk_kind,
                   dk_version, dk_usable, dk_nentries;
    Py_ssize_t dk_indices;
    /* PyDictKeyEntry (DICT_KEYS_GENERAL) and PyDictUnicodeEntry */
    Py_ssize_t entry_size;
    hx_span me_hash, me_key, me_value;
    Py_ssize_t unicode_entry_size;
    hx_span unicode_me_key, unicode_me_value;
    /* DictKeysKind */
    int kind_general, kind_unicode, kind_split;
    /* PyDictValues: offset of values[0]; 3.13's header */
    Py_ssize_t values, shared_keys_max;
#if PY_VERSION_HEX >= 0x030D0000
    hx_span capacity, size, embedded, valid;
#endif
    /* ma_version_tag: the step between versions (3.12+: above the low bits
       of the watchers, and in 3.13 of a count of watched changes) */
    Py_ssize_t version_increment, watcher_bits, mutation_bits;
} hx_dict_facts;

extern const hx_dict_facts hx_dict_internals;

/* layout_values.c: the values of a split table at offset `at` of the
   builder, for whoever owns them. */
typedef struct {
    PyTypeObject *type;     /* an instance's class, whose shared keys name
                               the values; NULL: a dict's values */
    Py_ssize_t entries, usable;     /* a dict's keys: entries, room left */
} hx_values_owner;
int hx_describe_values(hx_builder *b, Py_ssize_t at,
                       const hx_values_owner *o);
#endif

/* _PySet_Dummy: the key of a deleted set entry (borrowed). */
PyObject *hx_set_dummy(void);

/* layout.c */
int hx_layout_init(PyObject *module);
extern PyMethodDef hx_layout_methods[];

#endif /* HEXRAY_LAYOUT_H */
