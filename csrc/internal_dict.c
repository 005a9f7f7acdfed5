/* internal_dict.c - facts from CPython's internal headers about dicts and
 * sets: the keys object, its entries and the split-table values of 3.11+
 * (Include/internal/pycore_dict.h), and the dummy key of deleted set
 * entries (declared in Include/internal/pycore_setobject.h from 3.13).
 *
 * The rest of hexray cannot see these structs: this file measures them with
 * offsetof() and sizeof() and hands the numbers over in hx_dict_internals.
 * The keys object of 3.9 and 3.10 is declared in private.h instead.
 */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>

/* 3.13's pycore_object.h has an inline function with an unused parameter. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#if PY_VERSION_HEX >= 0x030B0000
#  include "internal/pycore_dict.h"
#endif
#if PY_VERSION_HEX >= 0x030D0000
#  include "internal/pycore_setobject.h"
#endif
#pragma GCC diagnostic pop

#include "layout.h"

#if PY_VERSION_HEX >= 0x030B0000

const hx_dict_facts hx_dict_internals = {
    .keys_size = sizeof(PyDictKeysObject),
    .dk_refcnt = HX_SPAN(PyDictKeysObject, dk_refcnt),
    .dk_log2_size = HX_SPAN(PyDictKeysObject, dk_log2_size),
    .dk_log2_index_bytes = HX_SPAN(PyDictKeysObject, dk_log2_index_bytes),
    .dk_kind = HX_SPAN(PyDictKeysObject, dk_kind),
    .dk_version = HX_SPAN(PyDictKeysObject, dk_version),
    .dk_usable = HX_SPAN(PyDictKeysObject, dk_usable),
    .dk_nentries = HX_SPAN(PyDictKeysObject, dk_nentries),
    .dk_indices = offsetof(PyDictKeysObject, dk_indices),

    .entry_size = sizeof(PyDictKeyEntry),
    .me_hash = HX_SPAN(PyDictKeyEntry, me_hash),
    .me_key = HX_SPAN(PyDictKeyEntry, me_key),
    .me_value = HX_SPAN(PyDictKeyEntry, me_value),
    .unicode_entry_size = sizeof(PyDictUnicodeEntry),
    .unicode_me_key = HX_SPAN(PyDictUnicodeEntry, me_key),
    .unicode_me_value = HX_SPAN(PyDictUnicodeEntry, me_value),

    .kind_general = DICT_KEYS_GENERAL,
    .kind_unicode = DICT_KEYS_UNICODE,
    .kind_split = DICT_KEYS_SPLIT,

    .values = offsetof(PyDictValues, values),
    .shared_keys_max = SHARED_KEYS_MAX_SIZE,
#if PY_VERSION_HEX >= 0x030D0000
    .capacity = HX_SPAN(PyDictValues, capacity),
    .size = HX_SPAN(PyDictValues, size),
    .embedded = HX_SPAN(PyDictValues, embedded),
    .valid = HX_SPAN(PyDictValues, valid),
#endif

#if PY_VERSION_HEX >= 0x030D0000
    .version_increment = DICT_VERSION_INCREMENT,
    .watcher_bits = DICT_MAX_WATCHERS,
    .mutation_bits = DICT_WATCHED_MUTATION_BITS,
#elif PY_VERSION_HEX >= 0x030C0000
    .version_increment = DICT_VERSION_INCREMENT,
    .watcher_bits = DICT_MAX_WATCHERS,
    .mutation_bits = 0,
#else
    .version_increment = 1,
    .watcher_bits = 0,
    .mutation_bits = 0,
#endif
};

#endif /* 3.11+ */

/* The object that marks a deleted entry of a set's table. */
PyObject *
hx_set_dummy(void)
{
    return _PySet_Dummy;
}
