/* internal_types.c - facts from CPython's internal headers about instances:
 * the shared keys a class keeps its instances' attribute names in.
 *
 * Like internal.c, this unit defines Py_BUILD_CORE_MODULE to compile the
 * internal headers; the rest of hexray asks its functions.
 */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>

#if PY_VERSION_HEX >= 0x030B0000
/* 3.13's pycore_object.h (included by pycore_dict.h) has an inline
   function with an unused parameter. */
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wunused-parameter"
#  include "internal/pycore_dict.h"
#  pragma GCC diagnostic pop
#endif

#include "layout.h"

#if PY_VERSION_HEX >= 0x030B0000
/* The split keys instances of `type` share, or NULL. */
static PyDictKeysObject *
shared_keys(PyTypeObject *type)
{
    PyDictKeysObject *keys;

    if (type == NULL || !PyType_HasFeature(type, Py_TPFLAGS_HEAPTYPE)) {
        return NULL;
    }
    keys = ((PyHeapTypeObject *)type)->ht_cached_keys;
    if (keys == NULL || keys->dk_kind != DICT_KEYS_SPLIT) {
        return NULL;
    }
    return keys;
}
#endif

/* How many attribute names the shared keys of `type` hold (3.11+), or -1
   if its instances share none.  Index i of an instance's values array
   holds the value of name i. */
Py_ssize_t
hx_shared_key_count(PyTypeObject *type)
{
#if PY_VERSION_HEX >= 0x030B0000
    PyDictKeysObject *keys = shared_keys(type);

    if (keys == NULL) {
        return -1;
    }
    /* Shared keys never hold more than SHARED_KEYS_MAX_SIZE names. */
    if (keys->dk_nentries < 0 || keys->dk_nentries > SHARED_KEYS_MAX_SIZE) {
        return -1;
    }
    return keys->dk_nentries;
#else
    (void)type;
    return -1;
#endif
}

/* Attribute name `index` of the shared keys of `type` (a borrowed
   reference: the keys, which the type owns, hold it), or NULL. */
PyObject *
hx_shared_key(PyTypeObject *type, Py_ssize_t index)
{
#if PY_VERSION_HEX >= 0x030B0000
    PyDictKeysObject *keys = shared_keys(type);
    PyObject *key;

    if (keys == NULL || index < 0 || index >= keys->dk_nentries
        || index >= SHARED_KEYS_MAX_SIZE) {
        return NULL;
    }
    key = DK_UNICODE_ENTRIES(keys)[index].me_key;
    return key != NULL && PyUnicode_CheckExact(key) ? key : NULL;
#else
    (void)type;
    (void)index;
    return NULL;
#endif
}
