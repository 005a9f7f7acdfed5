/* types.c - which type objects the interpreter knows.
 *
 * hx_validate_object() checks that an object's type pointer leads to
 * memory shaped like a type object, but crafted bytes can imitate that
 * shape.  A layout goes further with a type than a check of its shape:
 * it calls the C API on it (PyType_IsSubtype walks tp_mro; describers read
 * tp_members, ht_slots and ht_cached_keys; the dump prints tp_name), so it
 * does that only with a type the interpreter itself knows.
 *
 * Every type but `object` is listed among the subclasses of each of its
 * bases: PyType_Ready() puts it there, for static and heap types alike.  So
 * a type is known if it is `object`, or if its base (tp_base, read through
 * the guarded core) is known and lists it.  Only known types are asked for
 * their subclasses, through type.__subclasses__ itself (not whatever a
 * metaclass may have put in its place).  Bytes in a buffer can claim any
 * base, but no base lists them.
 *
 * The interpreter's own built-in types are known without asking.  Another
 * static type found known is remembered in a small table, as static types
 * are never freed.  A heap type found known is remembered with a weak
 * reference, so it then costs one dict lookup; when it dies its reference
 * dies with it, and whatever is made at its address later is checked
 * again.
 */
#include "hexray.h"

#include <string.h>

/* Bases followed at most: far more than any real hierarchy is deep. */
#define MAX_BASES 256

/* The key under which the interpreter's dict keeps the dict {address: weak
   reference} of heap types found known so far. */
#define KNOWN_TYPES_KEY "hexray.known_types"

/* type.__subclasses__, the C function of `type` itself; NULL if absent. */
static PyCFunction
subclasses_function(void)
{
    static PyCFunction found;
    PyMethodDef *def;

    for (def = PyType_Type.tp_methods;
         found == NULL && def != NULL && def->ml_name != NULL; def++) {
        if (strcmp(def->ml_name, "__subclasses__") == 0
            && (def->ml_flags & METH_NOARGS)) {
            found = def->ml_meth;
        }
    }
    return found;
}

/* Whether the weak reference still leads to the object at address. */
static int
leads_to(PyObject *ref, uintptr_t address)
{
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *target = NULL;
    int alive = PyWeakref_GetRef(ref, &target);
    uintptr_t found = (uintptr_t)target;

    Py_XDECREF(target);
    return alive == 1 && found == address;
#else
    return PyWeakref_Check(ref)
           && (uintptr_t)PyWeakref_GET_OBJECT(ref) == address;
#endif
}

/* Whether the type at address was found known before, and still lives.
   A type remembered there before, now dead, is forgotten. */
static int
remembered(PyObject *known, uintptr_t address)
{
    PyObject *key = PyLong_FromVoidPtr((void *)address), *ref;
    int found = 0;

    if (key == NULL) {
        return 0;
    }
    ref = PyDict_GetItemWithError(known, key);  /* borrowed */
    if (ref != NULL) {
        found = leads_to(ref, address);
        if (!found) {
            (void)PyDict_DelItem(known, key);
        }
    }
    Py_DECREF(key);
    return found;
}

/* Remember the type at address, which was just found known. */
static void
remember(PyObject *known, uintptr_t address)
{
    PyObject *key = PyLong_FromVoidPtr((void *)address);
    PyObject *ref = PyWeakref_NewRef((PyObject *)address, NULL);

    if (key != NULL && ref != NULL) {
        (void)PyDict_SetItem(known, key, ref);
    }
    Py_XDECREF(key);
    Py_XDECREF(ref);
}

/* Whether the known type `base` lists the type at address among its
   subclasses. */
static int
is_listed(PyTypeObject *base, uintptr_t address)
{
    PyCFunction subclasses = subclasses_function();
    PyObject *list;
    Py_ssize_t i;
    int found = 0;

    if (subclasses == NULL) {
        return 0;
    }
    list = subclasses((PyObject *)base, NULL);
    if (list == NULL || !PyList_Check(list)) {
        Py_XDECREF(list);
        return 0;
    }
    for (i = 0; !found && i < PyList_GET_SIZE(list); i++) {
        found = (uintptr_t)PyList_GET_ITEM(list, i) == address;
    }
    Py_DECREF(list);
    return found;
}

/* Types the interpreter always has: known without asking. */
static PyTypeObject *const builtin_types[] = {
    &PyBaseObject_Type, &PyType_Type, &PyLong_Type, &PyBool_Type,
    &PyFloat_Type, &PyComplex_Type, &PyUnicode_Type, &PyBytes_Type,
    &PyByteArray_Type, &PyTuple_Type, &PyList_Type, &PyDict_Type,
    &PySet_Type, &PyFrozenSet_Type, &PyRange_Type, &PySlice_Type,
    &PyModule_Type, &PyFunction_Type, &PyCode_Type,
    &PyCFunction_Type, &PyMethod_Type, &PyCell_Type, &PyProperty_Type,
};

/* Static types found known before, by a hash of their address.  A static
   type is never freed, so once known it stays known. */
#define STATIC_SLOTS 64
static uintptr_t static_known[STATIC_SLOTS];

static size_t
static_slot(uintptr_t address)
{
    return (size_t)((address >> 4) ^ (address >> 10)) % STATIC_SLOTS;
}

/* Whether the type at address is known without a dict lookup. */
static int
known_at_once(uintptr_t address)
{
    size_t i;

    if (static_known[static_slot(address)] == address) {
        return 1;
    }
    for (i = 0; i < Py_ARRAY_LENGTH(builtin_types); i++) {
        if (address == (uintptr_t)builtin_types[i]) {
            static_known[static_slot(address)] = address;
            return 1;
        }
    }
    return 0;
}

static int
is_known(PyObject *known, uintptr_t address, int depth)
{
    uintptr_t base = 0;

    if (known_at_once(address) || remembered(known, address)) {
        return 1;
    }
    if (depth >= MAX_BASES
        || hx_peek(address + offsetof(PyTypeObject, tp_base), &base,
                   sizeof(base)) < 0
        || base == 0 || base == address
        || !is_known(known, base, depth + 1)
        || !is_listed((PyTypeObject *)base, address)) {
        return 0;
    }
    if (PyType_HasFeature((PyTypeObject *)address, Py_TPFLAGS_HEAPTYPE)) {
        remember(known, address);
    }
    else {
        static_known[static_slot(address)] = address;
    }
    return 1;
}

int
hx_type_is_known(uintptr_t address)
{
    PyObject *known;
    int result = 0;

    if (address == 0 || PyErr_Occurred()) {
        return 0;   /* never asked with an error pending; see hexray.h */
    }
    if (known_at_once(address)) {
        return 1;
    }
    known = hx_interpreter_value(KNOWN_TYPES_KEY, PyDict_New);
    if (known != NULL) {
        Py_INCREF(known);
        result = is_known(known, address, 0);
        Py_DECREF(known);
    }
    PyErr_Clear();
    return result;
}
