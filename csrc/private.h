/* private.h - CPython structs that no installed header declares.
 *
 * These live in CPython's .c files, so hexray has to declare them itself:
 * once, here, per version, with the file they come from.  Each was checked
 * against live objects of the CPython it is declared for (field by field,
 * against what the objects report about themselves), and the tests check
 * them again on every build.  Upstream paths are in python/cpython at the
 * tags v3.9.x ... v3.13.x.
 */
#ifndef HEXRAY_PRIVATE_H
#define HEXRAY_PRIVATE_H

#include "hexray.h"

/* --------------------------------------------------------------------
   Dict keys, 3.9 and 3.10: Objects/dict-common.h (the struct) and
   Objects/dictobject.c (DK_IXSIZE, DK_ENTRIES, USABLE_FRACTION).
   From 3.11 these are in Include/internal/pycore_dict.h; see internal.c. */
#if PY_VERSION_HEX < 0x030B0000
typedef struct {
    Py_hash_t me_hash;
    PyObject *me_key;
    PyObject *me_value;     /* only meaningful for combined tables */
} hx_PyDictKeyEntry;

typedef Py_ssize_t (*hx_dict_lookup_func)(PyDictObject *mp, PyObject *key,
                                          Py_hash_t hash,
                                          PyObject **value_addr);

typedef struct {
    Py_ssize_t dk_refcnt;
    Py_ssize_t dk_size;             /* a power of 2 */
    hx_dict_lookup_func dk_lookup;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[];  /* dk_size indices of DK_IXSIZE bytes, then entries */
} hx_PyDictKeysObject;

/* Bytes per index: the smallest signed integer that holds dk_size. */
#define HX_DK_IXSIZE(size)                                              \
    ((size) <= 0xff ? 1 : (size) <= 0xffff ? 2                          \
     : (size) <= 0xffffffff ? 4 : (Py_ssize_t)sizeof(int64_t))
#endif

/* USABLE_FRACTION, Objects/dictobject.c, all versions. */
#define HX_USABLE_FRACTION(n) (((n) << 1) / 3)

/* What a slot of dk_indices holds when it leads to no entry: DKIX_EMPTY and
   DKIX_DUMMY, Objects/dict-common.h (3.9, 3.10) and
   Include/internal/pycore_dict.h (3.11+), the same in all versions. */
#define HX_DKIX_EMPTY (-1)
#define HX_DKIX_DUMMY (-2)

/* --------------------------------------------------------------------
   array.array: Modules/arraymodule.c, identical from 3.9 to 3.13. */
struct hx_arrayobject;

typedef struct hx_arraydescr {
    char typecode;
    int itemsize;
    PyObject *(*getitem)(struct hx_arrayobject *, Py_ssize_t);
    int (*setitem)(struct hx_arrayobject *, Py_ssize_t, PyObject *);
    int (*compareitems)(const void *, const void *, Py_ssize_t);
    const char *formats;
    int is_integer_type;
    int is_signed;
} hx_arraydescr;

typedef struct hx_arrayobject {
    PyObject_VAR_HEAD
    char *ob_item;
    Py_ssize_t allocated;
    const hx_arraydescr *ob_descr;
    PyObject *weakreflist;  /* List of weak references */
    Py_ssize_t ob_exports;  /* Number of exported buffers */
} hx_arrayobject;

/* --------------------------------------------------------------------
   range: Objects/rangeobject.c, identical from 3.9 to 3.13. */
typedef struct {
    PyObject_HEAD
    PyObject *start;
    PyObject *stop;
    PyObject *step;
    PyObject *length;
} hx_rangeobject;

/* --------------------------------------------------------------------
   Modules, 3.9: Objects/moduleobject.c.  From 3.10 the same struct is in
   Include/internal/pycore_moduleobject.h; see internal_module.c. */
#if PY_VERSION_HEX < 0x030A0000
typedef struct {
    PyObject_HEAD
    PyObject *md_dict;
    struct PyModuleDef *md_def;
    void *md_state;
    PyObject *md_weaklist;
    PyObject *md_name;  /* for logging purposes after md_dict is cleared */
} hx_PyModuleObject;
#endif

/* --------------------------------------------------------------------
   pymalloc's pools, 3.9 to 3.11: Objects/obmalloc.c.  From 3.12 these are
   in Include/internal/pycore_obmalloc.h; see internal_obmalloc.c.
   64-bit builds: blocks are 16-byte aligned, up to 512 bytes, so 32 size
   classes.  3.9 pools are one 4 KiB page; from 3.10 the radix tree that
   tracks arenas (WITH_PYMALLOC_RADIX_TREE, on by default for 64-bit) makes
   them 16 KiB (USE_LARGE_POOLS). */
#if PY_VERSION_HEX < 0x030C0000
#  define HX_ALIGNMENT_SHIFT 4
#  define HX_SMALL_REQUEST_THRESHOLD 512
#  if PY_VERSION_HEX < 0x030A0000
#    define HX_POOL_BITS 12
#  else
#    define HX_POOL_BITS 14
#  endif

struct hx_pool_header {
    union {
        uint8_t *_padding;
        unsigned int count;             /* number of allocated blocks */
    } ref;
    uint8_t *freeblock;                 /* pool's free list head */
    struct hx_pool_header *nextpool;    /* next pool of this size class */
    struct hx_pool_header *prevpool;    /* previous pool */
    unsigned int arenaindex;            /* index into arenas of base adr */
    unsigned int szidx;                 /* block size class index */
    unsigned int nextoffset;            /* bytes to virgin block */
    unsigned int maxnextoffset;         /* largest valid nextoffset */
};
#endif

#endif /* HEXRAY_PRIVATE_H */
