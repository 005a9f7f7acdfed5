/* internal.c - the one translation unit that includes CPython's internal
 * headers.
 *
 * Facts such as the size of the garbage collector's header are private to
 * CPython: its internal headers are installed, but only compile with
 * Py_BUILD_CORE defined.  Keeping them here confines that to one file; the
 * rest of hexray asks these functions.
 */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>

/* 3.13's pycore_object.h has an inline function with an unused parameter. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "internal/pycore_gc.h"
#if PY_VERSION_HEX >= 0x030B0000
#  include "internal/pycore_object.h"
#endif
#pragma GCC diagnostic pop

#include "hexray.h"

/* Size of PyGC_Head, the two words before every object the garbage
   collector tracks. */
size_t
hx_gc_head_size(void)
{
    return sizeof(PyGC_Head);
}

/* The bits of PyGC_Head._gc_prev that hold the previous object's header;
   the low bits are flags. */
uintptr_t
hx_gc_prev_mask(void)
{
    return _PyGC_PREV_MASK;
}

/* The _gc_prev flag set while a collection examines the object; the links
   then hold the collector's own data. */
uintptr_t
hx_gc_prev_collecting(void)
{
    return _PyGC_PREV_MASK_COLLECTING;
}

/* Bytes the allocator places before an instance of `type`: the GC header,
   and from 3.11 the managed-dict (3.12+: and weakref) slots before it. */
size_t
hx_preheader_size(PyTypeObject *type)
{
#if PY_VERSION_HEX >= 0x030B0000
    return _PyType_PreHeaderSize(type);
#else
    return PyType_IS_GC(type) ? sizeof(PyGC_Head) : 0;
#endif
}
