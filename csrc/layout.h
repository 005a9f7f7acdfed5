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

/* Guarded read of `size` bytes at `offset` from the builder's address.
   0, or -1 with MemoryFault set. */
int hx_fetch(hx_builder *b, Py_ssize_t offset, void *dst, size_t size);

/* Grow the extent to cover [start, end). */
void hx_cover(hx_builder *b, Py_ssize_t start, Py_ssize_t end);

/* Mark [start, end) as bytes with no public name, in steps of at most a
   word, so that a dump annotates each word it shows. */
int hx_add_unnamed(hx_builder *b, Py_ssize_t start, Py_ssize_t end,
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

/* layout_types.c */
int hx_describe_type(hx_builder *b);       /* type objects */
int hx_describe_instance(hx_builder *b);   /* anything else */

/* layout_code.c */
int hx_describe_function(hx_builder *b);
int hx_describe_code(hx_builder *b);
int hx_describe_frame(hx_builder *b);

/* At most this many items of a block are described, one field each; one
   more field summarises the rest. */
#define HX_MAX_DESCRIBED_ITEMS 4096

/* layout.c */
int hx_layout_init(PyObject *module);
extern PyMethodDef hx_layout_methods[];

#endif /* HEXRAY_LAYOUT_H */
