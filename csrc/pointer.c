/* pointer.c - hexray.Pointer, a C-like pointer to a Python object.
 *
 * A strong pointer owns a reference to its target, so the target lives at
 * least as long as the pointer does; dereferencing it is a pointer load.
 * A weak pointer owns a weak reference instead and raises
 * DanglingPointerError once its target is gone.  A NULL pointer has neither
 * and raises NullPointerError.  Pointers take part in garbage collection,
 * so a cycle that runs through a pointer is collected.
 */
#include "hexray.h"

#include <stddef.h>

typedef struct {
    PyObject_HEAD
    PyObject *target;       /* strong pointer: owned reference, else NULL */
    PyObject *weak;         /* weak pointer: owned weakref, else NULL */
    PyObject *type_name;    /* weak pointer: owned str, for messages */
    uintptr_t address;      /* the target's address, 0 for NULL */
    int weak_mode;          /* assign() makes weak pointers */
    PyObject *weakreflist;  /* pointers can be weakly referenced too */
} PointerObject;

static PyTypeObject PointerType;

/* A new reference to the object behind a weakref, or NULL if it is gone. */
static PyObject *
weak_target(PyObject *weak)
{
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *target;

    if (PyWeakref_GetRef(weak, &target) < 0) {
        PyErr_Clear();  /* cannot happen: weak is always a weakref */
        return NULL;
    }
    return target;
#else
    PyObject *target = PyWeakref_GET_OBJECT(weak);
    return target == Py_None ? NULL : Py_NewRef(target);
#endif
}

static int
is_dangling(PointerObject *self)
{
    PyObject *target;

    if (self->weak == NULL) {
        return 0;
    }
    target = weak_target(self->weak);
    Py_XDECREF(target);
    return target == NULL;
}

/* A new reference to the object the pointer points to, or NULL with
   NullPointerError or DanglingPointerError set. */
static PyObject *
target_of(PointerObject *self)
{
    PyObject *target;

    if (self->target != NULL) {
        return Py_NewRef(self->target);
    }
    if (self->weak == NULL) {
        PyErr_SetString(hx_NullPointerError,
                        "cannot dereference a NULL pointer");
        return NULL;
    }
    target = weak_target(self->weak);
    if (target == NULL) {
        char where[32];

        PyOS_snprintf(where, sizeof(where), "0x%llx",
                      (unsigned long long)self->address);
        PyErr_Format(hx_DanglingPointerError,
                     "the %U object at %s this weak pointer pointed to no "
                     "longer exists", self->type_name, where);
    }
    return target;
}

/* Drop whatever the pointer points to; it becomes NULL. */
static void
forget_target(PointerObject *self)
{
    Py_CLEAR(self->target);
    Py_CLEAR(self->weak);
    Py_CLEAR(self->type_name);
    self->address = 0;
}

/* Point at obj (strongly, or weakly if weak).  On failure the pointer is
   unchanged and an exception is set. */
static int
point_at(PointerObject *self, PyObject *obj, int weak)
{
    PyObject *ref, *name;

    if (!weak) {
        /* Take the new reference before dropping the old one: obj may be
           kept alive only by what the pointer points to now. */
        Py_INCREF(obj);
        forget_target(self);
        self->target = obj;
        self->address = (uintptr_t)obj;
        return 0;
    }
    ref = PyWeakref_NewRef(obj, NULL);
    if (ref == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError,
                         "cannot make a weak pointer to an object of type "
                         "%.100s: the type does not support weak references.  "
                         "Use "
                         "ptr(obj) for a strong pointer, or "
                         "hexray.address(obj) for the bare address",
                         Py_TYPE(obj)->tp_name);
        }
        return -1;
    }
    name = PyUnicode_FromString(Py_TYPE(obj)->tp_name);
    if (name == NULL) {
        Py_DECREF(ref);
        return -1;
    }
    forget_target(self);
    self->weak = ref;         /* the pointer owns both new references */
    self->type_name = name;
    self->address = (uintptr_t)obj;
    return 0;
}

static PyObject *
Pointer_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"obj", "weak", NULL};
    PyObject *obj = NULL;
    int weak = 0;
    PointerObject *self;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O$p:Pointer", keywords,
                                     &obj, &weak)) {
        return NULL;
    }
    self = (PointerObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->weak_mode = weak;
    if (obj != NULL && point_at(self, obj, weak) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int
Pointer_traverse(PointerObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->target);
    Py_VISIT(self->weak);
    return 0;
}

static int
Pointer_clear(PointerObject *self)
{
    forget_target(self);
    return 0;
}

static void
Pointer_dealloc(PointerObject *self)
{
    PyObject_GC_UnTrack(self);
    /* A long chain of pointers to pointers is freed iteratively, as long
       chains of tuples are, instead of one C stack frame per link. */
    Py_TRASHCAN_BEGIN(self, Pointer_dealloc)
    if (self->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    forget_target(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
    Py_TRASHCAN_END
}

PyDoc_STRVAR(deref_doc,
"deref()\n--\n\n"
"The object this pointer points to (also ~pointer).\n\n"
"Raises NullPointerError for a NULL pointer and DanglingPointerError for a\n"
"weak pointer whose object is gone.");

static PyObject *
Pointer_deref(PointerObject *self, PyObject *Py_UNUSED(unused))
{
    return target_of(self);
}

static PyObject *
Pointer_invert(PointerObject *self)
{
    return Pointer_deref(self, NULL);
}

PyDoc_STRVAR(assign_doc,
"assign(obj, /)\n--\n\n"
"Point at obj instead (also pointer >>= obj).  A weak pointer stays weak.");

static PyObject *
Pointer_assign(PointerObject *self, PyObject *obj)
{
    if (point_at(self, obj, self->weak_mode) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
Pointer_inplace_rshift(PyObject *self, PyObject *obj)
{
    PointerObject *pointer;

    if (!PyObject_TypeCheck(self, &PointerType)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    pointer = (PointerObject *)self;
    if (point_at(pointer, obj, pointer->weak_mode) < 0) {
        return NULL;
    }
    return Py_NewRef(self);
}

static int
Pointer_bool(PointerObject *self)
{
    return self->target != NULL || (self->weak != NULL && !is_dangling(self));
}

static PyObject *
Pointer_richcompare(PyObject *a, PyObject *b, int op)
{
    uintptr_t x, y;

    if (!PyObject_TypeCheck(a, &PointerType)
        || !PyObject_TypeCheck(b, &PointerType)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    x = ((PointerObject *)a)->address;
    y = ((PointerObject *)b)->address;
    Py_RETURN_RICHCOMPARE(x, y, op);
}

static Py_hash_t
Pointer_hash(PointerObject *self)
{
    /* Rotate away the alignment bits, as CPython hashes pointers. */
    size_t bits = (size_t)self->address;
    Py_hash_t hash = (Py_hash_t)((bits >> 4)
                                 | (bits << (8 * sizeof(bits) - 4)));
    return hash == -1 ? -2 : hash;
}

static PyObject *
Pointer_repr(PointerObject *self)
{
    const char *kind = "";
    char where[32];
    PyObject *name, *repr;

    if (self->target == NULL && self->weak == NULL) {
        return PyUnicode_FromString("<hexray.Pointer NULL>");
    }
    if (self->weak != NULL) {
        kind = is_dangling(self) ? "(weak, dangling) " : "(weak) ";
        name = Py_NewRef(self->type_name);
    }
    else {
        name = PyUnicode_FromString(Py_TYPE(self->target)->tp_name);
        if (name == NULL) {
            return NULL;
        }
    }
    /* PyUnicode_FromFormat() knows no %llx before 3.12. */
    PyOS_snprintf(where, sizeof(where), "0x%llx",
                  (unsigned long long)self->address);
    repr = PyUnicode_FromFormat("<hexray.Pointer %sto %U at %s>", kind, name,
                                where);
    Py_DECREF(name);
    return repr;
}

static PyObject *
Pointer_get_address(PointerObject *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSize_t((size_t)self->address);
}

static PyObject *
Pointer_get_weak(PointerObject *self, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(self->weak_mode);
}

static PyObject *
Pointer_get_is_null(PointerObject *self, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(self->target == NULL && self->weak == NULL);
}

static PyGetSetDef Pointer_getset[] = {
    {"address", (getter)Pointer_get_address, NULL,
     "Address of the object pointed to; 0 for NULL.  A weak pointer keeps "
     "it after the object is gone.", NULL},
    {"weak", (getter)Pointer_get_weak, NULL,
     "Whether the pointer does not keep its object alive (assign() keeps "
     "this mode).", NULL},
    {"is_null", (getter)Pointer_get_is_null, NULL,
     "Whether this is a NULL pointer.", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMethodDef Pointer_methods[] = {
    {"deref", (PyCFunction)Pointer_deref, METH_NOARGS, deref_doc},
    {"assign", (PyCFunction)Pointer_assign, METH_O, assign_doc},
    {"__class_getitem__", Py_GenericAlias, METH_O | METH_CLASS,
     "Pointer[T]: a pointer to a T, for type annotations."},
    {NULL, NULL, 0, NULL}
};

static PyNumberMethods Pointer_as_number = {
    .nb_bool = (inquiry)Pointer_bool,
    .nb_invert = (unaryfunc)Pointer_invert,
    .nb_inplace_rshift = Pointer_inplace_rshift,
};

PyDoc_STRVAR(Pointer_doc,
"Pointer(obj=<NULL>, *, weak=False)\n--\n\n"
"A C-like pointer to a Python object; hexray.ptr is the same type.\n\n"
"ptr(obj) keeps obj alive and dereferences with ~p or p.deref().\n"
"ptr(obj, weak=True) does not keep obj alive; dereferencing it after obj\n"
"is gone raises DanglingPointerError.  Pointer() is NULL and raises\n"
"NullPointerError.  p.assign(obj) and p >>= obj re-point p.  Pointers\n"
"compare and hash by address, like C pointers: re-pointing one that is a\n"
"dict key changes its hash.");

static PyTypeObject PointerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "hexray.Pointer",
    .tp_basicsize = sizeof(PointerObject),
    .tp_dealloc = (destructor)Pointer_dealloc,
    .tp_repr = (reprfunc)Pointer_repr,
    .tp_as_number = &Pointer_as_number,
    .tp_hash = (hashfunc)Pointer_hash,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = Pointer_doc,
    .tp_traverse = (traverseproc)Pointer_traverse,
    .tp_clear = (inquiry)Pointer_clear,
    .tp_richcompare = Pointer_richcompare,
    .tp_weaklistoffset = offsetof(PointerObject, weakreflist),
    .tp_methods = Pointer_methods,
    .tp_getset = Pointer_getset,
    .tp_new = Pointer_new,
};

int
hx_pointer_init(PyObject *module)
{
    if (PyType_Ready(&PointerType) < 0) {
        return -1;
    }
    Py_INCREF(&PointerType);
    if (PyModule_AddObject(module, "Pointer", (PyObject *)&PointerType) < 0) {
        Py_DECREF(&PointerType);
        return -1;
    }
    Py_INCREF(&PointerType);
    if (PyModule_AddObject(module, "ptr", (PyObject *)&PointerType) < 0) {
        Py_DECREF(&PointerType);
        return -1;
    }
    return 0;
}
