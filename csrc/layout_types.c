/* layout_types.c - layouts of type objects, and instances of every other
 * type: their __dict__ (read without making it), __slots__ and weak
 * references.
 *
 * Instances of a class keep their attributes in one of three places:
 *
 *   3.9, 3.10   a dict at tp_dictoffset (after the items of a var-sized
 *               instance when the offset is negative)
 *   3.11, 3.12  a values array the words before the object point to, whose
 *               names are the class's shared keys (ht_cached_keys), until
 *               something asks for __dict__; then a dict, in the same words
 *   3.13        the values inside the object, after tp_basicsize, for
 *               classes with Py_TPFLAGS_INLINE_VALUES; a dict before the
 *               object once __dict__ is made (sharing those values)
 *
 * The values are read as they are: nothing here makes the __dict__ (no
 * PyObject_GenericGetDict, no _PyObject_GetDictPtr), which would change
 * the memory being shown.
 */
#include "layout.h"

#include <string.h>
#include "structmember.h"   /* T_* member types; an alias header on 3.12+ */

#define WORD ((Py_ssize_t)sizeof(void *))
#define ROUND_UP(n, to) (((n) + (to) - 1) / (to) * (to))
/* Py_ARRAY_LENGTH, but a constant expression on every version. */
#define LENGTH(array) (sizeof(array) / sizeof((array)[0]))

/* Member definitions of a heap type shown at most, one field each. */
#define MAX_DEFS (HX_MAX_DESCRIBED_ITEMS / 8)


/* ----------------------------------------------------------------------
   Helpers */

/* A field described by a table row, and what its pointer leads to. */
typedef struct {
    hx_member m;
    int block;                  /* see SUITE_BLOCK and DEFS_BLOCK below */
} field_def;

#define DEF(type, member, ctype, value, meaning, block)                 \
    {HX_ROW(type, member, ctype, value, meaning), (block)}


/* ----------------------------------------------------------------------
   Method suites: the tables tp_as_number and the others point to.  Heap
   types keep their own copy of each, inside PyHeapTypeObject. */

typedef struct {
    Py_ssize_t offset;          /* within the table */
    const char *name;           /* "nb_add" */
    const char *in_heap_type;   /* "as_number.nb_add" */
    const char *ctype;
    hx_value_kind value;
} slot_def;

#define SLOT(table, prefix, ctype, member)                              \
    {offsetof(table, member), #member, prefix "." #member, (ctype),      \
     HX_V_FUNCTION}
#define UNUSED_SLOT(table, prefix, member)                              \
    {offsetof(table, member), #member, prefix "." #member, "void *",     \
     HX_V_ADDRESS}

#define AM(ctype, m) SLOT(PyAsyncMethods, "as_async", ctype, m)
static const slot_def async_slots[] = {
    AM("unaryfunc", am_await),
    AM("unaryfunc", am_aiter),
    AM("unaryfunc", am_anext),
#if PY_VERSION_HEX >= 0x030A0000
    AM("sendfunc", am_send),
#endif
};
#undef AM

#define NB(ctype, m) SLOT(PyNumberMethods, "as_number", ctype, m)
static const slot_def number_slots[] = {
    NB("binaryfunc", nb_add),
    NB("binaryfunc", nb_subtract),
    NB("binaryfunc", nb_multiply),
    NB("binaryfunc", nb_remainder),
    NB("binaryfunc", nb_divmod),
    NB("ternaryfunc", nb_power),
    NB("unaryfunc", nb_negative),
    NB("unaryfunc", nb_positive),
    NB("unaryfunc", nb_absolute),
    NB("inquiry", nb_bool),
    NB("unaryfunc", nb_invert),
    NB("binaryfunc", nb_lshift),
    NB("binaryfunc", nb_rshift),
    NB("binaryfunc", nb_and),
    NB("binaryfunc", nb_xor),
    NB("binaryfunc", nb_or),
    NB("unaryfunc", nb_int),
    UNUSED_SLOT(PyNumberMethods, "as_number", nb_reserved),
    NB("unaryfunc", nb_float),
    NB("binaryfunc", nb_inplace_add),
    NB("binaryfunc", nb_inplace_subtract),
    NB("binaryfunc", nb_inplace_multiply),
    NB("binaryfunc", nb_inplace_remainder),
    NB("ternaryfunc", nb_inplace_power),
    NB("binaryfunc", nb_inplace_lshift),
    NB("binaryfunc", nb_inplace_rshift),
    NB("binaryfunc", nb_inplace_and),
    NB("binaryfunc", nb_inplace_xor),
    NB("binaryfunc", nb_inplace_or),
    NB("binaryfunc", nb_floor_divide),
    NB("binaryfunc", nb_true_divide),
    NB("binaryfunc", nb_inplace_floor_divide),
    NB("binaryfunc", nb_inplace_true_divide),
    NB("unaryfunc", nb_index),
    NB("binaryfunc", nb_matrix_multiply),
    NB("binaryfunc", nb_inplace_matrix_multiply),
};
#undef NB

#define MP(ctype, m) SLOT(PyMappingMethods, "as_mapping", ctype, m)
static const slot_def mapping_slots[] = {
    MP("lenfunc", mp_length),
    MP("binaryfunc", mp_subscript),
    MP("objobjargproc", mp_ass_subscript),
};
#undef MP

#define SQ(ctype, m) SLOT(PySequenceMethods, "as_sequence", ctype, m)
static const slot_def sequence_slots[] = {
    SQ("lenfunc", sq_length),
    SQ("binaryfunc", sq_concat),
    SQ("ssizeargfunc", sq_repeat),
    SQ("ssizeargfunc", sq_item),
    UNUSED_SLOT(PySequenceMethods, "as_sequence", was_sq_slice),
    SQ("ssizeobjargproc", sq_ass_item),
    UNUSED_SLOT(PySequenceMethods, "as_sequence", was_sq_ass_slice),
    SQ("objobjproc", sq_contains),
    SQ("binaryfunc", sq_inplace_concat),
    SQ("ssizeargfunc", sq_inplace_repeat),
};
#undef SQ

#define BF(ctype, m) SLOT(PyBufferProcs, "as_buffer", ctype, m)
static const slot_def buffer_slots[] = {
    BF("getbufferproc", bf_getbuffer),
    BF("releasebufferproc", bf_releasebuffer),
};
#undef BF

typedef struct {
    const char *title;          /* of the block a pointer to it leads to */
    const char *meaning;        /* of each slot */
    const slot_def *slots;
    size_t count;
    Py_ssize_t size;            /* sizeof the table */
    Py_ssize_t in_heap_type;    /* its offset in PyHeapTypeObject */
} suite_def;

#define SUITE(title, meaning, slots, table, member)                     \
    {(title), (meaning), (slots), LENGTH(slots), sizeof(table), \
     offsetof(PyHeapTypeObject, member)}

static const suite_def suites[] = {
    SUITE("async methods", "await and async iteration (NULL: not "
          "supported)", async_slots, PyAsyncMethods, as_async),
    SUITE("number methods", "an operator of the number protocol (NULL: "
          "not supported)", number_slots, PyNumberMethods, as_number),
    SUITE("mapping methods", "an operation of the mapping protocol (NULL: "
          "not supported)", mapping_slots, PyMappingMethods, as_mapping),
    SUITE("sequence methods", "an operation of the sequence protocol "
          "(NULL: not supported)", sequence_slots, PySequenceMethods,
          as_sequence),
    SUITE("buffer procs", "the buffer protocol (NULL: not supported)",
          buffer_slots, PyBufferProcs, as_buffer),
};

enum {ASYNC_SUITE, NUMBER_SUITE, MAPPING_SUITE, SEQUENCE_SUITE,
      BUFFER_SUITE};

static int
describe_suite(hx_builder *b, const suite_def *suite, Py_ssize_t at,
               int in_heap_type)
{
    size_t i;

    for (i = 0; i < suite->count; i++) {
        const slot_def *slot = &suite->slots[i];
        if (hx_add(b, at + slot->offset, sizeof(void *),
                   in_heap_type ? slot->in_heap_type : slot->name,
                   slot->ctype, slot->value,
                   slot->value == HX_V_ADDRESS ? "unused, always NULL"
                                               : suite->meaning) == NULL) {
            return -1;
        }
    }
    return hx_fill_gaps(b, at, at + suite->size, "padding");
}

/* Block: the table a tp_as_* pointer leads to (params.count: which). */
static int
describe_suite_block(hx_builder *b)
{
    Py_ssize_t which = b->params.count;

    if (which < 0 || which >= (Py_ssize_t)LENGTH(suites)) {
        PyErr_SetString(PyExc_SystemError, "no such method suite");
        return -1;
    }
    return describe_suite(b, &suites[which], 0, 0);
}


/* ----------------------------------------------------------------------
   Arrays of PyMethodDef, PyMemberDef and PyGetSetDef, ended by an entry
   whose name is NULL */

static const hx_member method_parts[] = {
    HX_ROW(PyMethodDef, ml_name, "const char *", HX_V_CSTRING,
           "the method's name"),
    HX_ROW(PyMethodDef, ml_meth, "PyCFunction", HX_V_FUNCTION,
           "the C function that implements it"),
    HX_ROW(PyMethodDef, ml_flags, "int", HX_V_HEX,
           "METH_* flags: how it takes its arguments"),
    HX_ROW(PyMethodDef, ml_doc, "const char *", HX_V_CSTRING,
           "its docstring"),
};

static const hx_member member_parts[] = {
    HX_ROW(PyMemberDef, name, "const char *", HX_V_CSTRING,
           "the attribute's name"),
    HX_ROW(PyMemberDef, type, "int", HX_V_INT,
           "the C type of the value (T_OBJECT_EX is 16)"),
    HX_ROW(PyMemberDef, offset, "Py_ssize_t", HX_V_INT,
           "where instances keep the value"),
    HX_ROW(PyMemberDef, flags, "int", HX_V_HEX,
           "1: read-only; 2: audited reads"),
    HX_ROW(PyMemberDef, doc, "const char *", HX_V_CSTRING,
           "its docstring"),
};

static const hx_member getset_parts[] = {
    HX_ROW(PyGetSetDef, name, "const char *", HX_V_CSTRING,
           "the attribute's name"),
    HX_ROW(PyGetSetDef, get, "getter", HX_V_FUNCTION,
           "the C function that computes it"),
    HX_ROW(PyGetSetDef, set, "setter", HX_V_FUNCTION,
           "the C function that sets or deletes it (NULL: read-only)"),
    HX_ROW(PyGetSetDef, doc, "const char *", HX_V_CSTRING, "its docstring"),
    HX_ROW(PyGetSetDef, closure, "void *", HX_V_ADDRESS,
           "data passed to get and set"),
};

typedef struct {
    const char *title;
    const char *names[5];       /* each part's name, a format for the index */
    const hx_member *parts;     /* parts[0] is the name pointer */
    size_t count;
    Py_ssize_t size;
} def_array;

static const def_array def_arrays[] = {
    {"method definitions",
     {"methods[%zd].ml_name", "methods[%zd].ml_meth", "methods[%zd].ml_flags",
      "methods[%zd].ml_doc"},
     method_parts, LENGTH(method_parts), sizeof(PyMethodDef)},
    {"member definitions",
     {"members[%zd].name", "members[%zd].type", "members[%zd].offset",
      "members[%zd].flags", "members[%zd].doc"},
     member_parts, LENGTH(member_parts), sizeof(PyMemberDef)},
    {"getset definitions",
     {"getset[%zd].name", "getset[%zd].get", "getset[%zd].set",
      "getset[%zd].doc", "getset[%zd].closure"},
     getset_parts, LENGTH(getset_parts), sizeof(PyGetSetDef)},
};

enum {METHOD_DEFS, MEMBER_DEFS, GETSET_DEFS};

/* What a field_def's block says its pointer leads to. */
#define SUITE_BLOCK(which) (1 + (which))
#define DEFS_BLOCK(which) (16 + (which))

static int
describe_def(hx_builder *b, const def_array *array, Py_ssize_t at,
             Py_ssize_t i)
{
    size_t k;

    for (k = 0; k < array->count; k++) {
        const hx_member *part = &array->parts[k];
        hx_field *f = hx_add(b, at + part->offset, part->size,
                             array->names[k], part->ctype, part->value,
                             part->meaning);
        if (f == NULL) {
            return -1;
        }
        f->index = i;
    }
    return hx_fill_gaps(b, at, at + array->size, "padding");
}

/* The entry that ends the array: its name is NULL. */
static int
describe_def_end(hx_builder *b, const def_array *array, Py_ssize_t at,
                 Py_ssize_t i)
{
    const hx_member *name = &array->parts[0];
    hx_field *f = hx_add(b, at + name->offset, name->size, array->names[0],
                         name->ctype, name->value,
                         "NULL: the entry that ends the array");

    if (f == NULL) {
        return -1;
    }
    f->index = i;
    return hx_add_unnamed(b, at + name->offset + name->size,
                          at + array->size, "the rest of the end entry");
}

/* `count` entries from `at` and the end entry; count < 0: as many as
   there are before the end entry. */
static int
describe_defs(hx_builder *b, const def_array *array, Py_ssize_t at,
              Py_ssize_t count)
{
    Py_ssize_t i;
    void *name = NULL;

    for (i = 0; count < 0 || i < count; i++) {
        Py_ssize_t entry = at + i * array->size;

        if (i == MAX_DEFS) {
            return hx_add_unnamed(b, entry, entry + array->size,
                                  "more entries, not described");
        }
        if (count < 0
            && hx_fetch(b, entry + array->parts[0].offset, &name,
                        sizeof(name)) < 0) {
            return -1;
        }
        if (count < 0 && name == NULL) {
            break;
        }
        if (describe_def(b, array, entry, i) < 0) {
            return -1;
        }
    }
    return describe_def_end(b, array, at + i * array->size, i);
}

/* Block: the array tp_methods, tp_members or tp_getset leads to
   (params.count: which). */
static int
describe_defs_block(hx_builder *b)
{
    Py_ssize_t which = b->params.count;

    if (which < 0 || which >= (Py_ssize_t)LENGTH(def_arrays)) {
        PyErr_SetString(PyExc_SystemError, "no such definition array");
        return -1;
    }
    return describe_defs(b, &def_arrays[which], 0, -1);
}

static void
set_block(hx_field *f, int block)
{
    if (block >= DEFS_BLOCK(0)) {
        hx_set_follow(f, describe_defs_block,
                      def_arrays[block - DEFS_BLOCK(0)].title,
                      block - DEFS_BLOCK(0), 0);
    }
    else if (block >= SUITE_BLOCK(0)) {
        hx_set_follow(f, describe_suite_block,
                      suites[block - SUITE_BLOCK(0)].title,
                      block - SUITE_BLOCK(0), 0);
    }
}

static int
describe_table(hx_builder *b, const field_def *table, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        hx_field *f = hx_add_member(b, &table[i].m);

        if (f == NULL) {
            return -1;
        }
        set_block(f, table[i].block);
    }
    return 0;
}


/* ----------------------------------------------------------------------
   Type objects */

#if PY_VERSION_HEX >= 0x030C0000
#  define DICTOFFSET_MEANING                                            \
    "where instances keep their __dict__ pointer: an offset, 0 for none; "\
    "-1 with MANAGED_DICT: in the words before the object; other "       \
    "negative values count from the end of a var-sized instance"
#  define WEAKLISTOFFSET_MEANING                                        \
    "where instances keep their list of weak references: an offset, 0 "  \
    "for none; negative with MANAGED_WEAKREF: before the object"
#elif PY_VERSION_HEX >= 0x030B0000
#  define DICTOFFSET_MEANING                                            \
    "where instances keep their __dict__ pointer: an offset, 0 for none; "\
    "with MANAGED_DICT it is in the words before the object; otherwise "  \
    "negative values count from the end of a var-sized instance"
#  define WEAKLISTOFFSET_MEANING                                        \
    "where instances keep their list of weak references: an offset, 0 "  \
    "for none"
#else
#  define DICTOFFSET_MEANING                                            \
    "where instances keep their __dict__ pointer: an offset, 0 for none; "\
    "negative values count from the end of a var-sized instance"
#  define WEAKLISTOFFSET_MEANING                                        \
    "where instances keep their list of weak references: an offset, 0 "  \
    "for none"
#endif

#define TP(member, ctype, value, meaning) \
    DEF(PyTypeObject, member, ctype, value, meaning, 0)
#define TP_FN(member, ctype, meaning) \
    DEF(PyTypeObject, member, ctype, HX_V_FUNCTION, meaning, 0)

static const field_def type_fields[] = {
    TP(tp_name, "const char *", HX_V_CSTRING,
       "the type's name (\"module.name\" for most C types)"),
    TP(tp_basicsize, "Py_ssize_t", HX_V_INT,
       "bytes of an instance, without its items and what precedes it"),
    TP(tp_itemsize, "Py_ssize_t", HX_V_INT,
       "bytes per item of a var-sized instance (0: fixed size)"),
    TP_FN(tp_dealloc, "destructor", "destroys an instance"),
    TP(tp_vectorcall_offset, "Py_ssize_t", HX_V_INT,
       "where instances keep their vectorcall function (0: none)"),
    TP_FN(tp_getattr, "getattrfunc",
          "attribute lookup by C string (legacy; NULL: unused)"),
    TP_FN(tp_setattr, "setattrfunc",
          "attribute assignment by C string (legacy; NULL: unused)"),
    DEF(PyTypeObject, tp_as_async, "PyAsyncMethods *", HX_V_ADDRESS,
        "the await and async iteration methods (am_*)",
        SUITE_BLOCK(ASYNC_SUITE)),
    TP_FN(tp_repr, "reprfunc", "repr()"),
    DEF(PyTypeObject, tp_as_number, "PyNumberMethods *", HX_V_ADDRESS,
        "the number methods (nb_*)", SUITE_BLOCK(NUMBER_SUITE)),
    DEF(PyTypeObject, tp_as_sequence, "PySequenceMethods *", HX_V_ADDRESS,
        "the sequence methods (sq_*)", SUITE_BLOCK(SEQUENCE_SUITE)),
    DEF(PyTypeObject, tp_as_mapping, "PyMappingMethods *", HX_V_ADDRESS,
        "the mapping methods (mp_*)", SUITE_BLOCK(MAPPING_SUITE)),
    TP_FN(tp_hash, "hashfunc", "hash()"),
    TP_FN(tp_call, "ternaryfunc", "calling an instance"),
    TP_FN(tp_str, "reprfunc", "str()"),
    TP_FN(tp_getattro, "getattrofunc", "attribute lookup"),
    TP_FN(tp_setattro, "setattrofunc", "attribute assignment and deletion"),
    DEF(PyTypeObject, tp_as_buffer, "PyBufferProcs *", HX_V_ADDRESS,
        "the buffer protocol (bf_*)", SUITE_BLOCK(BUFFER_SUITE)),
    TP(tp_flags, "unsigned long", HX_V_TYPE_FLAGS, "Py_TPFLAGS_* bits"),
    TP(tp_doc, "const char *", HX_V_CSTRING, "the docstring"),
    TP_FN(tp_traverse, "traverseproc",
          "visits an instance's references, for the garbage collector"),
    TP_FN(tp_clear, "inquiry",
          "drops an instance's references, to break reference cycles"),
    TP_FN(tp_richcompare, "richcmpfunc", "== < and the other comparisons"),
    TP(tp_weaklistoffset, "Py_ssize_t", HX_V_INT, WEAKLISTOFFSET_MEANING),
    TP_FN(tp_iter, "getiterfunc", "iter()"),
    TP_FN(tp_iternext, "iternextfunc", "next()"),
    DEF(PyTypeObject, tp_methods, "PyMethodDef *", HX_V_ADDRESS,
        "the methods written in C", DEFS_BLOCK(METHOD_DEFS)),
    DEF(PyTypeObject, tp_members, "PyMemberDef *", HX_V_ADDRESS,
        "the attributes instances keep at fixed offsets (__slots__ too)",
        DEFS_BLOCK(MEMBER_DEFS)),
    DEF(PyTypeObject, tp_getset, "PyGetSetDef *", HX_V_ADDRESS,
        "the attributes computed in C", DEFS_BLOCK(GETSET_DEFS)),
    TP(tp_base, "PyTypeObject *", HX_V_OBJECT, "the base type (__base__)"),
    TP(tp_dict, "PyObject *", HX_V_OBJECT,
       "the type's namespace: its attributes and methods"),
    TP_FN(tp_descr_get, "descrgetfunc", "__get__ of a descriptor type"),
    TP_FN(tp_descr_set, "descrsetfunc",
          "__set__ and __delete__ of a descriptor type"),
    TP(tp_dictoffset, "Py_ssize_t", HX_V_INT, DICTOFFSET_MEANING),
    TP_FN(tp_init, "initproc", "__init__"),
    TP_FN(tp_alloc, "allocfunc", "allocates an instance"),
    TP_FN(tp_new, "newfunc", "__new__"),
    TP_FN(tp_free, "freefunc", "releases an instance's memory"),
    TP_FN(tp_is_gc, "inquiry",
          "whether an instance is garbage-collected, where that varies"),
    TP(tp_bases, "PyObject *", HX_V_OBJECT, "the direct bases, a tuple"),
    TP(tp_mro, "PyObject *", HX_V_OBJECT,
       "the method resolution order, a tuple (__mro__)"),
    TP(tp_cache, "PyObject *", HX_V_OBJECT, "unused"),
#if PY_VERSION_HEX >= 0x030C0000
    TP(tp_subclasses, "void *", HX_V_OBJECT,
       "weak references to the direct subclasses: a dict {id: ref} "
       "(NULL: none yet)"),
#else
    TP(tp_subclasses, "PyObject *", HX_V_OBJECT,
       "weak references to the direct subclasses: a dict {id: ref} "
       "(NULL: none yet)"),
#endif
    TP(tp_weaklist, "PyObject *", HX_V_OBJECT,
       "the weak references to the type"),
    TP_FN(tp_del, "destructor", "finalizer (legacy; tp_finalize replaced it)"),
    TP(tp_version_tag, "unsigned int", HX_V_UINT,
       "version of the type's attributes, for the method cache (0: none)"),
    TP_FN(tp_finalize, "destructor", "__del__"),
    TP_FN(tp_vectorcall, "vectorcallfunc",
          "calls the type itself fast (to make an instance)"),
#if PY_VERSION_HEX >= 0x030C0000
    TP(tp_watched, "unsigned char", HX_V_HEX,
       "which type watchers watch the type, a bit each"),
#endif
#if PY_VERSION_HEX >= 0x030D0000
    TP(tp_versions_used, "uint16_t", HX_V_UINT,
       "how many version tags the type has used"),
#endif
};

#define HT(member, ctype, value, meaning) \
    DEF(PyHeapTypeObject, member, ctype, value, meaning, 0)

static const field_def heap_type_fields[] = {
    HT(ht_name, "PyObject *", HX_V_OBJECT, "__name__"),
    HT(ht_slots, "PyObject *", HX_V_OBJECT,
       "the __slots__ names, a tuple (NULL: no __slots__)"),
    HT(ht_qualname, "PyObject *", HX_V_OBJECT, "__qualname__"),
    HT(ht_cached_keys, "PyDictKeysObject *", HX_V_ADDRESS,
       "the keys instances share for their attribute names (NULL: none)"),
    HT(ht_module, "PyObject *", HX_V_OBJECT,
       "the module of a type made by PyType_FromModuleAndSpec (else NULL)"),
#if PY_VERSION_HEX >= 0x030B0000
    HT(_ht_tpname, "char *", HX_V_CSTRING,
       "the storage of tp_name for a type made from a PyType_Spec "
       "(else NULL)"),
    DEF(PyHeapTypeObject, _spec_cache.getitem, "PyObject *", HX_V_OBJECT,
        "the __getitem__ the specializing interpreter calls directly "
        "(NULL: none)", 0),
#endif
#if PY_VERSION_HEX >= 0x030C0000
    DEF(PyHeapTypeObject, _spec_cache.getitem_version, "uint32_t",
        HX_V_UINT, "the version of that function, checked before the call",
        0),
#endif
#if PY_VERSION_HEX >= 0x030D0000
    DEF(PyHeapTypeObject, _spec_cache.init, "PyObject *", HX_V_OBJECT,
        "the __init__ the specializing interpreter calls directly "
        "(NULL: none)", 0),
#endif
};

/* 3.12+: a static builtin type keeps its dict, subclasses and weak
   references in the interpreter, and an index in tp_subclasses. */
static int
describe_static_builtin(hx_builder *b, unsigned long flags)
{
#ifdef _Py_TPFLAGS_STATIC_BUILTIN
    hx_field *subclasses = hx_field_named(b, "tp_subclasses");
    hx_field *dict = hx_field_named(b, "tp_dict");
    hx_field *weaklist = hx_field_named(b, "tp_weaklist");

    if (b->schema || !(flags & _Py_TPFLAGS_STATIC_BUILTIN)) {
        return 0;
    }
    if (subclasses == NULL || dict == NULL || weaklist == NULL) {
        PyErr_SetString(PyExc_SystemError, "type fields are missing");
        return -1;
    }
    /* Not a pointer: never followed, never read as an object. */
    subclasses->value = HX_V_UINT;
    subclasses->follow.describe = NULL;
    subclasses->meaning = "not a pointer: for a static builtin type, "
                          "index + 1 of its state in the interpreter, "
                          "which keeps its dict and subclasses";
    dict->meaning = "NULL for a static builtin type: each interpreter "
                    "keeps its dict (see tp_subclasses)";
    weaklist->meaning = "unused by a static builtin type: each interpreter "
                        "keeps its weak references";
#else
    (void)b;
    (void)flags;
#endif
    return 0;
}

static int
describe_heap_type(hx_builder *b)
{
    size_t i;

    for (i = 0; i < LENGTH(suites); i++) {
        if (describe_suite(b, &suites[i], suites[i].in_heap_type, 1) < 0) {
            return -1;
        }
    }
    if (describe_table(b, heap_type_fields,
                       LENGTH(heap_type_fields)) < 0
        || hx_fill_gaps(b, sizeof(PyTypeObject), sizeof(PyHeapTypeObject),
                        "padding") < 0) {
        return -1;
    }
    /* What a metatype adds past PyHeapTypeObject. */
    return hx_describe_extras(b, sizeof(PyHeapTypeObject));
}

/* A heap type's PyMemberDefs (its __slots__) follow it, at the metatype's
   tp_basicsize; ob_size counts them. */
static int
describe_own_members(hx_builder *b, Py_ssize_t count)
{
    PyTypeObject *meta = b->type;

    if (b->schema || meta->tp_itemsize != (Py_ssize_t)sizeof(PyMemberDef)
        || count < 0) {
        return 0;
    }
    return describe_defs(b, &def_arrays[MEMBER_DEFS], meta->tp_basicsize,
                         count);
}

int
hx_describe_type(hx_builder *b)
{
    /* A schema shows what a metatype makes: heap types. */
    unsigned long flags = Py_TPFLAGS_HEAPTYPE;
    Py_ssize_t members = 0;

    if (!b->schema
        && (hx_fetch(b, offsetof(PyTypeObject, tp_flags), &flags,
                     sizeof(flags)) < 0
            || hx_fetch(b, offsetof(PyVarObject, ob_size), &members,
                        sizeof(members)) < 0)) {
        return -1;
    }
    if (hx_describe_header(b, 0) < 0
        || HX_MEMBER(b, PyVarObject, ob_size, "Py_ssize_t", HX_V_INT,
                     "number of member definitions (__slots__) after a "
                     "heap type") == NULL
        || describe_table(b, type_fields, LENGTH(type_fields)) < 0
        || describe_static_builtin(b, flags) < 0
        || hx_fill_gaps(b, 0, sizeof(PyTypeObject), "padding") < 0) {
        return -1;
    }
    if (!(flags & Py_TPFLAGS_HEAPTYPE)) {
        return 0;
    }
    if (describe_heap_type(b) < 0) {
        return -1;
    }
    return describe_own_members(b, members);
}


/* ----------------------------------------------------------------------
   Members: the attributes a type keeps at fixed offsets in its instances
   (PyMemberDef), __slots__ among them */

typedef struct {
    int type;
    Py_ssize_t size;
    const char *ctype;
    hx_value_kind value;
} member_kind;

static const member_kind member_kinds[] = {
    {T_SHORT, sizeof(short), "short", HX_V_INT},
    {T_INT, sizeof(int), "int", HX_V_INT},
    {T_LONG, sizeof(long), "long", HX_V_INT},
    {T_FLOAT, sizeof(float), "float", HX_V_FLOAT},
    {T_DOUBLE, sizeof(double), "double", HX_V_FLOAT},
    {T_STRING, sizeof(char *), "const char *", HX_V_CSTRING},
    {T_OBJECT, sizeof(PyObject *), "PyObject *", HX_V_OBJECT},
    {T_CHAR, sizeof(char), "char", HX_V_UINT},
    {T_BYTE, sizeof(signed char), "signed char", HX_V_INT},
    {T_UBYTE, sizeof(unsigned char), "unsigned char", HX_V_UINT},
    {T_USHORT, sizeof(unsigned short), "unsigned short", HX_V_UINT},
    {T_UINT, sizeof(unsigned int), "unsigned int", HX_V_UINT},
    {T_ULONG, sizeof(unsigned long), "unsigned long", HX_V_UINT},
    {T_BOOL, sizeof(char), "char", HX_V_UINT},
    {T_OBJECT_EX, sizeof(PyObject *), "PyObject *", HX_V_OBJECT},
    {T_LONGLONG, sizeof(long long), "long long", HX_V_INT},
    {T_ULONGLONG, sizeof(unsigned long long), "unsigned long long",
     HX_V_UINT},
    {T_PYSSIZET, sizeof(Py_ssize_t), "Py_ssize_t", HX_V_INT},
};

static const member_kind *
kind_of_member(int type)
{
    size_t i;

    for (i = 0; i < LENGTH(member_kinds); i++) {
        if (member_kinds[i].type == type) {
            return &member_kinds[i];
        }
    }
    return NULL;   /* T_NONE and T_STRING_INPLACE hold no value we know */
}

/* Whether name is one of a heap type's __slots__. */
static int
is_slot(PyTypeObject *type, const char *name)
{
    PyObject *slots;
    Py_ssize_t i;

    if (!PyType_HasFeature(type, Py_TPFLAGS_HEAPTYPE)) {
        return 0;
    }
    slots = ((PyHeapTypeObject *)type)->ht_slots;
    for (i = 0; slots != NULL && PyTuple_Check(slots)
                && i < PyTuple_GET_SIZE(slots); i++) {
        PyObject *slot = PyTuple_GET_ITEM(slots, i);
        if (PyUnicode_Check(slot)
            && PyUnicode_CompareWithASCIIString(slot, name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Members whose offset says where something else is, not a value. */
static int
is_offset_member(const PyMemberDef *m)
{
#ifdef Py_RELATIVE_OFFSET
    if (m->flags & Py_RELATIVE_OFFSET) {
        return 1;
    }
#endif
    return strcmp(m->name, "__dictoffset__") == 0
           || strcmp(m->name, "__weaklistoffset__") == 0
           || strcmp(m->name, "__vectorcalloffset__") == 0;
}

/* A name that lasts, or NULL: with an exception set on failure, without
   one for a name that is no identifier.  A heap type's member names are
   the UTF-8 of its __slots__ strings, gone with the type. */
static const char *
lasting_member_name(hx_builder *b, PyTypeObject *owner, const char *name)
{
    PyObject *text;
    const char *kept;

    if (!PyType_HasFeature(owner, Py_TPFLAGS_HEAPTYPE)) {
        return name;        /* static, like the type */
    }
    text = PyUnicode_FromString(name);
    if (text == NULL) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
            PyErr_Clear();  /* not UTF-8: no name to show */
        }
        return NULL;
    }
    kept = hx_kept_name(b, text);
    Py_DECREF(text);
    return kept;
}

static int
describe_member(hx_builder *b, PyTypeObject *owner, const PyMemberDef *m,
                Py_ssize_t base_size)
{
    const member_kind *kind = kind_of_member(m->type);
    const char *name;

    if (kind == NULL || is_offset_member(m) || m->offset < base_size
        || m->offset + kind->size > b->type->tp_basicsize
        || hx_field_over(b, m->offset) != NULL) {
        return 0;
    }
    name = lasting_member_name(b, owner, m->name);
    if (name == NULL) {
        /* A member without a usable name is left to the unnamed bytes. */
        return PyErr_Occurred() ? -1 : 0;
    }
    return hx_add(b, m->offset, kind->size, name, kind->ctype, kind->value,
                  is_slot(owner, m->name)
                  ? "a __slots__ member (NULL: not set)"
                  : "an attribute the type keeps here (PyMemberDef)")
           == NULL ? -1 : 0;
}

int
hx_describe_members(hx_builder *b, Py_ssize_t base_size)
{
    PyObject *mro = b->type->tp_mro;
    Py_ssize_t i, n;

    for (i = 0; mro != NULL && i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        const PyMemberDef *m;

        for (m = t->tp_members, n = 0; m != NULL && m->name != NULL
                                       && n < MAX_DEFS; m++, n++) {
            if (describe_member(b, t, m, base_size) < 0) {
                return -1;
            }
        }
    }
    return 0;
}


/* ----------------------------------------------------------------------
   The __dict__ of a var-sized instance, 3.9-3.11: past its items */

/* Whether instances of the type keep their __dict__ after their items. */
static int
dict_after_items(PyTypeObject *type)
{
#ifdef Py_TPFLAGS_MANAGED_DICT
    if (PyType_HasFeature(type, Py_TPFLAGS_MANAGED_DICT)) {
        return 0;   /* before the object, whatever tp_dictoffset says */
    }
#endif
    return type->tp_dictoffset < 0 && type->tp_itemsize > 0;
}

/* 1 if the instance keeps its __dict__ after its items (described then,
   unless this is a schema: where it is depends on the instance), 0 if
   not, -1 on error. */
int
hx_describe_var_dict(hx_builder *b)
{
    PyTypeObject *type = b->type;
    Py_ssize_t size = 0, at, end = b->end;
    hx_field *f;

    if (!dict_after_items(type)) {
        return 0;
    }
    if (b->schema) {
        return 1;
    }
    if (hx_fetch(b, offsetof(PyVarObject, ob_size), &size,
                 sizeof(size)) < 0) {
        return -1;
    }
    /* As _PyObject_GetDictPtr finds it: |ob_size| items (an int's ob_size
       is negative for a negative number). */
    if (size < -PY_SSIZE_T_MAX) {
        return 1;   /* no such instance fits in memory */
    }
    size = size < 0 ? -size : size;
    if (size > (PY_SSIZE_T_MAX / 2 - type->tp_basicsize)
               / type->tp_itemsize) {
        return 1;
    }
    at = ROUND_UP(type->tp_basicsize + size * type->tp_itemsize, WORD)
         + type->tp_dictoffset;
    if (at < (Py_ssize_t)sizeof(PyObject)) {
        return 1;
    }
    f = hx_field_over(b, at);
    if (f != NULL && f->offset == at && f->value == HX_V_OBJECT) {
        return 1;   /* already described */
    }
    /* It may overlap the room for a digit 3.11 leaves in an int equal to
       zero: both are shown, as both claim those bytes. */
    if (hx_add(b, at, sizeof(PyObject *), "__dict__", "PyObject *",
               HX_V_OBJECT, "the instance's attribute dict, after the "
               "items (NULL until needed)") == NULL) {
        return -1;
    }
    if (end < at && at - end < WORD
        && hx_add_unnamed(b, end, at, "padding before the __dict__") < 0) {
        return -1;
    }
    return 1;
}


/* ----------------------------------------------------------------------
   Attribute values, 3.11+ (described in layout_values.c) */

#if PY_VERSION_HEX >= 0x030D0000
/* 3.13: the values inside an instance of a class with
   Py_TPFLAGS_INLINE_VALUES. */
int
hx_describe_inline_values(hx_builder *b)
{
    const hx_values_owner owner = {.type = b->type};

    if (!PyType_HasFeature(b->type, Py_TPFLAGS_INLINE_VALUES)) {
        return 0;
    }
    return hx_describe_values(b, hx_inline_values_offset(), &owner);
}
#else
int
hx_describe_inline_values(hx_builder *Py_UNUSED(b))
{
    return 0;   /* values inside the object are new in 3.13 */
}
#endif

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
/* Block, 3.11 and 3.12: the values array the words before an instance
   point to (params.aux: what to add to the pointer to untag it), named by
   the class the owner had when its layout was made (the owner itself is
   never read directly). */
static int
describe_values_block(hx_builder *b)
{
    const hx_values_owner owner = {.type = b->owner ? b->owner_type : NULL};

    if (owner.type == NULL) {
        return hx_wrong_owner(b, "instance");
    }
    b->address += (uintptr_t)b->params.aux;
    return hx_describe_values(b, 0, &owner);
}
#endif


/* ----------------------------------------------------------------------
   The words before an instance whose class manages its __dict__ (3.11+)
   and its weak references (3.12+) */

#if PY_VERSION_HEX >= 0x030C0000
/* 3.12+: both words are there if the class manages either. */
static int
describe_weakref_word(hx_builder *b)
{
    Py_ssize_t at = hx_managed_weakref_offset();

    if (!PyType_HasFeature(b->type, Py_TPFLAGS_MANAGED_WEAKREF)) {
        return hx_add_unnamed(b, at, at + WORD, "unused: the class keeps "
                              "no weak references here");
    }
    return hx_add(b, at, WORD, "weakreflist", "PyObject *", HX_V_OBJECT,
                  "the first weak reference to the object (NULL: none)")
           == NULL ? -1 : 0;
}
#endif

#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
/* 3.12: the __dict__, or the values tagged with the low bit. */
static int
describe_dict_or_values(hx_builder *b)
{
    Py_ssize_t at = hx_managed_dict_offset();
    uintptr_t word = 0;
    hx_field *f;

    if (b->schema) {
        return hx_add(b, at, WORD, "dict_or_values", "PyDictOrValues",
                      HX_V_ADDRESS, "the __dict__, or with the low bit set, "
                      "the attribute values (at this word + 1)") == NULL
               ? -1 : 0;
    }
    if (hx_fetch(b, at, &word, sizeof(word)) < 0) {
        return -1;
    }
    if (!(word & 1)) {
        return hx_add(b, at, WORD, "dict_or_values", "PyDictOrValues",
                      HX_V_OBJECT, "the __dict__, made (NULL: no "
                      "attributes yet)") == NULL ? -1 : 0;
    }
    f = hx_add(b, at, WORD, "dict_or_values", "PyDictOrValues",
               HX_V_ADDRESS, "low bit set: the attribute values are at "
               "this word + 1; no __dict__ is made yet");
    if (f == NULL) {
        return -1;
    }
    hx_set_follow(f, describe_values_block, "attribute values", 0, 1);
    return 0;
}
#endif

#if PY_VERSION_HEX >= 0x030C0000
/* 3.12+: the dict word, if the class manages its __dict__. */
static int
describe_dict_word(hx_builder *b)
{
    Py_ssize_t at = hx_managed_dict_offset();

    if (!PyType_HasFeature(b->type, Py_TPFLAGS_MANAGED_DICT)) {
        return hx_add_unnamed(b, at, at + WORD, "unused: the class keeps "
                              "its __dict__ elsewhere, if it has one");
    }
#  if PY_VERSION_HEX >= 0x030D0000
    return hx_add(b, at, WORD, "dict", "PyDictObject *", HX_V_OBJECT,
                  PyType_HasFeature(b->type, Py_TPFLAGS_INLINE_VALUES)
                  ? "the __dict__, once made (NULL: the values inside the "
                    "object are the attributes)"
                  : "the __dict__ (NULL: no attributes yet)") == NULL
           ? -1 : 0;
#  else
    return describe_dict_or_values(b);
#  endif
}
#endif

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
/* 3.11: the values, until the __dict__ is made; then the __dict__. */
static int
describe_values_and_dict(hx_builder *b)
{
    hx_field *values;

    values = hx_add(b, hx_managed_values_offset(), WORD, "values",
                    "PyDictValues *", HX_V_ADDRESS, "the attribute values "
                    "(NULL once the __dict__ is made, or if never needed)");
    if (values == NULL) {
        return -1;
    }
    hx_set_follow(values, describe_values_block, "attribute values", 0, 0);
    return hx_add(b, hx_managed_dict_offset(), WORD, "dict", "PyObject *",
                  HX_V_OBJECT, "the __dict__, once made (NULL: the values "
                  "are the attributes)") == NULL ? -1 : 0;
}
#endif

/* The words before the GC header (3.11+), by version:
     3.11  [-4] values  [-3] dict
     3.12  [-4] weakreflist  [-3] dict_or_values (tagged)
     3.13  [-4] weakreflist  [-3] dict */
int
hx_describe_managed(hx_builder *b)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (describe_weakref_word(b) < 0) {
        return -1;
    }
    return describe_dict_word(b);
#elif PY_VERSION_HEX >= 0x030B0000
    return describe_values_and_dict(b);
#else
    (void)b;
    return 0;   /* nothing precedes the GC header before 3.11 */
#endif
}


/* ----------------------------------------------------------------------
   Instances */

#if PY_VERSION_HEX >= 0x030B0000
#  define EXC_NOTES 1
#endif

#define EXC(member, ctype, value, meaning) \
    DEF(PyBaseExceptionObject, member, ctype, value, meaning, 0)

static const field_def exception_fields[] = {
    EXC(dict, "PyObject *", HX_V_OBJECT,
        "the exception's __dict__ (NULL until needed)"),
    EXC(args, "PyObject *", HX_V_OBJECT, "args, a tuple"),
#ifdef EXC_NOTES
    EXC(notes, "PyObject *", HX_V_OBJECT,
        "__notes__, a list (NULL: add_note() was never called)"),
#endif
    EXC(traceback, "PyObject *", HX_V_OBJECT, "__traceback__ (NULL: none)"),
    EXC(context, "PyObject *", HX_V_OBJECT,
        "__context__: the exception being handled when this one was "
        "raised (NULL: none)"),
    EXC(cause, "PyObject *", HX_V_OBJECT,
        "__cause__: set by raise ... from (NULL: none)"),
    EXC(suppress_context, "char", HX_V_UINT,
        "__suppress_context__: 1 hides __context__ in tracebacks"),
};

static int
describe_exception(hx_builder *b)
{
    if (hx_describe_header(b, 0) < 0
        || describe_table(b, exception_fields,
                          LENGTH(exception_fields)) < 0
        || hx_fill_gaps(b, 0, sizeof(PyBaseExceptionObject), "padding") < 0) {
        return -1;
    }
    return hx_describe_extras(b, sizeof(PyBaseExceptionObject));
}

int
hx_describe_instance(hx_builder *b)
{
    if (PyType_IsSubtype(b->type, (PyTypeObject *)PyExc_BaseException)) {
        return describe_exception(b);
    }
    return hx_describe_generic(b);
}
