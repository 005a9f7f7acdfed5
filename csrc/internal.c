/* internal.c - facts from CPython's internal headers: the GC header and
 * the words before an object.
 *
 * Facts such as the size of the garbage collector's header are private to
 * CPython: its internal headers are installed, but only compile with
 * Py_BUILD_CORE defined, which also changes some public macros.  Only the
 * internal*.c files include them; the rest of hexray asks their functions.
 */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>

/* 3.13's pycore_object.h has an inline function with an unused parameter. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "internal/pycore_gc.h"
#include "internal/pycore_interp.h"
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

/* Whether the collector is running in this interpreter: Python code then
   runs only from what it calls (finalizers, weakref callbacks). */
int
hx_gc_collecting(void)
{
    return PyInterpreterState_Get()->gc.collecting != 0;
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

#if PY_VERSION_HEX >= 0x030B0000
/* A stand-in object whose type has the flags CPython's accessors assert,
   so that those accessors can be asked where things are relative to an
   object, without an object.  Nothing is read through it. */
static PyTypeObject managed_type;
static PyObject *
stand_in(void)
{
    static union {
        PyObject object[16];
        void *align;
    } room;
    PyObject *object = &room.object[8];

#if PY_VERSION_HEX >= 0x030D0000
    managed_type.tp_flags = Py_TPFLAGS_MANAGED_DICT
                            | Py_TPFLAGS_INLINE_VALUES;
    managed_type.tp_basicsize = sizeof(PyObject);
#elif PY_VERSION_HEX >= 0x030B0000
    managed_type.tp_flags = Py_TPFLAGS_MANAGED_DICT;
#endif
    Py_SET_TYPE(object, &managed_type);
    return object;
}

static Py_ssize_t
distance(PyObject *object, void *to)
{
    return (Py_ssize_t)((char *)to - (char *)object);
}
#endif

/* Offset of the managed dict word from the object (3.11+: its __dict__;
   3.12: the dict, or its values tagged with the low bit), 0 if none. */
Py_ssize_t
hx_managed_dict_offset(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *object = stand_in();
    return distance(object, _PyObject_ManagedDictPointer(object));
#elif PY_VERSION_HEX >= 0x030C0000
    PyObject *object = stand_in();
    return distance(object, _PyObject_DictOrValuesPointer(object));
#elif PY_VERSION_HEX >= 0x030B0000
    PyObject *object = stand_in();
    return distance(object, _PyObject_ManagedDictPointer(object));
#else
    return 0;
#endif
}

/* Offset of the 3.11 word that holds an instance's values array before its
   __dict__ is made; 0 on other versions. */
Py_ssize_t
hx_managed_values_offset(void)
{
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    PyObject *object = stand_in();
    return distance(object, _PyObject_ValuesPointer(object));
#else
    return 0;
#endif
}

/* Offset of the managed weakref list word (3.12+), 0 if none. */
Py_ssize_t
hx_managed_weakref_offset(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return MANAGED_WEAKREF_OFFSET;
#else
    return 0;
#endif
}

/* Offset of the values an instance of a 3.13 type with
   Py_TPFLAGS_INLINE_VALUES keeps inside itself; 0 on other versions. */
Py_ssize_t
hx_inline_values_offset(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *object = stand_in();
    return distance(object, _PyObject_InlineValues(object));
#else
    return 0;
#endif
}

/* Offsets within PyGC_Head of its two words. */
size_t
hx_gc_next_offset(void)
{
    return offsetof(PyGC_Head, _gc_next);
}

size_t
hx_gc_prev_offset(void)
{
    return offsetof(PyGC_Head, _gc_prev);
}

uintptr_t
hx_gc_prev_finalized(void)
{
    return _PyGC_PREV_MASK_FINALIZED;
}
