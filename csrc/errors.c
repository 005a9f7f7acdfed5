/* errors.c - hexray's exceptions, and the words for what went wrong. */
#include "hexray.h"

#include <errno.h>
#include <signal.h>

PyObject *hx_HexrayError;
PyObject *hx_MemoryFault;
PyObject *hx_InvalidObjectError;
PyObject *hx_NullPointerError;
PyObject *hx_DanglingPointerError;

PyDoc_STRVAR(HexrayError_doc,
"Base class of every exception hexray raises.");

PyDoc_STRVAR(MemoryFault_doc,
"Memory that cannot be read or written at that address.\n\n"
"A subclass of OSError (errno EFAULT).  Attributes: address and size of\n"
"the access, access ('read' or 'write'), fault_address (the first byte\n"
"that failed) and reason (why, in words).");

PyDoc_STRVAR(InvalidObjectError_doc,
"No live Python object starts at that address.\n\n"
"Attributes: address, and reason (what the memory there says).");

PyDoc_STRVAR(NullPointerError_doc,
"Dereferencing a NULL hexray.Pointer.");

PyDoc_STRVAR(DanglingPointerError_doc,
"Dereferencing a weak hexray.Pointer whose object no longer exists.");

static PyObject *
new_exception(PyObject *module, const char *name, const char *doc,
              PyObject *second_base)
{
    PyObject *bases, *type;

    if (second_base == NULL) {
        bases = PyTuple_Pack(1, PyExc_Exception);
    }
    else {
        bases = PyTuple_Pack(2, hx_HexrayError, second_base);
    }
    if (bases == NULL) {
        return NULL;
    }
    type = PyErr_NewExceptionWithDoc(name, doc, bases, NULL);
    Py_DECREF(bases);
    if (type == NULL) {
        return NULL;
    }
    /* The module gets its own reference; the static pointer keeps the one
       PyErr_NewExceptionWithDoc gave us, for the life of the process. */
    Py_INCREF(type);
    if (PyModule_AddObject(module, strrchr(name, '.') + 1, type) < 0) {
        Py_DECREF(type);
        Py_DECREF(type);
        return NULL;
    }
    return type;
}

/* MemoryFault.__reduce__: OSError's own keeps args and __dict__, but not
   errno, which only the two-argument constructor sets.  Put it in the
   state, which __setstate__ sets again as an attribute. */
static PyObject *
MemoryFault_reduce(PyObject *self, PyObject *Py_UNUSED(unused))
{
    PyObject *args, *state, *dict, *number, *result = NULL;

    args = PyObject_GetAttrString(self, "args");
    dict = PyObject_GetAttrString(self, "__dict__");
    number = PyObject_GetAttrString(self, "errno");
    state = dict == NULL ? NULL : PyDict_Copy(dict);
    if (args != NULL && state != NULL && number != NULL
        && PyDict_SetItemString(state, "errno", number) == 0) {
        result = PyTuple_Pack(3, (PyObject *)Py_TYPE(self), args, state);
    }
    Py_XDECREF(args);
    Py_XDECREF(dict);
    Py_XDECREF(number);
    Py_XDECREF(state);
    return result;
}

static PyMethodDef MemoryFault_reduce_def = {
    "__reduce__", MemoryFault_reduce, METH_NOARGS,
    "Pickle with errno and the fault's attributes."
};

static int
add_reduce(PyObject *type)
{
    PyObject *method = PyDescr_NewMethod((PyTypeObject *)type,
                                         &MemoryFault_reduce_def);
    int status;

    if (method == NULL) {
        return -1;
    }
    status = PyObject_SetAttrString(type, "__reduce__", method);
    Py_DECREF(method);
    return status;
}

int
hx_errors_init(PyObject *module)
{
    hx_HexrayError = new_exception(module, "hexray.HexrayError",
                                   HexrayError_doc, NULL);
    if (hx_HexrayError == NULL) {
        return -1;
    }
    hx_MemoryFault = new_exception(module, "hexray.MemoryFault",
                                   MemoryFault_doc, PyExc_OSError);
    hx_InvalidObjectError = new_exception(module, "hexray.InvalidObjectError",
                                          InvalidObjectError_doc,
                                          PyExc_ValueError);
    hx_NullPointerError = new_exception(module, "hexray.NullPointerError",
                                        NullPointerError_doc,
                                        PyExc_ValueError);
    hx_DanglingPointerError = new_exception(module,
                                            "hexray.DanglingPointerError",
                                            DanglingPointerError_doc,
                                            PyExc_ReferenceError);
    if (hx_MemoryFault == NULL || hx_InvalidObjectError == NULL
        || hx_NullPointerError == NULL || hx_DanglingPointerError == NULL) {
        return -1;
    }
    return add_reduce(hx_MemoryFault);
}

/* Whether an address lies above the user half of the x86-64 (or AArch64)
   address space, where only the kernel maps memory. */
static int
in_kernel_half(uintptr_t address)
{
    return (intptr_t)address < 0;
}

/* Why the access failed, in words, into buf. */
static void
describe_fault(char *buf, size_t size, const hx_fault *fault,
               hx_access access)
{
    unsigned long long at = (unsigned long long)fault->address;

    if (fault->signo == 0 && fault->code == HX_REFUSED_WRAPS) {
        PyOS_snprintf(buf, size,
                      "the range runs past the top of the address space");
    }
    else if (fault->signo == 0) {
        PyOS_snprintf(buf, size,
                      "0x%llx is in the NULL page: nothing is ever mapped "
                      "below 0x%llx", at,
                      (unsigned long long)hx_lowest_mappable());
    }
    else if (in_kernel_half(fault->address) || fault->code == SI_KERNEL) {
        PyOS_snprintf(buf, size,
                      "0x%llx is not a user-space address (it is in kernel "
                      "space, or not canonical)", at);
    }
    else if (fault->signo == SIGBUS && fault->code == BUS_ADRERR) {
        PyOS_snprintf(buf, size,
                      "0x%llx lies past the end of the file mapped there "
                      "(bus error)", at);
    }
    else if (fault->signo == SIGBUS) {
        PyOS_snprintf(buf, size, "bus error at 0x%llx", at);
    }
    else if (fault->code == SEGV_MAPERR) {
        PyOS_snprintf(buf, size, "0x%llx is not mapped", at);
    }
    else if (fault->code == SEGV_ACCERR) {
        PyOS_snprintf(buf, size, "0x%llx is mapped without %s permission",
                      at, access == HX_WRITE ? "write" : "read");
    }
#ifdef SEGV_PKUERR
    else if (fault->code == SEGV_PKUERR) {
        PyOS_snprintf(buf, size,
                      "0x%llx is locked by a memory protection key", at);
    }
#endif
    else if (fault->code <= 0) {
        PyOS_snprintf(buf, size,
                      "the access faulted near 0x%llx, and another fault "
                      "handler passed the fault on without its address", at);
    }
    else {
        PyOS_snprintf(buf, size, "segmentation fault at 0x%llx (code %d)",
                      at, fault->code);
    }
}

/* Create an instance of `type` with `message`, give it the attributes, and
   raise it.  Always returns NULL. */
static PyObject *
raise_with_attributes(PyObject *type, const char *message,
                      const char *const *names, PyObject **values, int count)
{
    PyObject *exc = PyObject_CallFunction(type, "s", message);
    int i, ok = exc != NULL;

    for (i = 0; i < count; i++) {
        ok = ok && values[i] != NULL
             && PyObject_SetAttrString(exc, names[i], values[i]) == 0;
        Py_XDECREF(values[i]);
    }
    if (ok) {
        PyErr_SetObject(type, exc);
    }
    Py_XDECREF(exc);
    return NULL;
}

PyObject *
hx_raise_fault(uintptr_t address, size_t size, hx_access access,
               const hx_fault *fault)
{
    static const char *const names[] = {
        "errno", "address", "size", "access", "fault_address", "reason"};
    const char *verb = access == HX_WRITE ? "write" : "read";
    const char *outcome = "";
    char reason[200], message[320];
    PyObject *values[6];

    describe_fault(reason, sizeof(reason), fault, access);
    if (access == HX_WRITE) {
        outcome = fault->partial ? "; the memory changed during the write, "
                                   "part of it may have been written"
                                 : "; nothing was written";
    }
    PyOS_snprintf(message, sizeof(message), "cannot %s %zu byte%s at 0x%llx: "
                  "%s%s", verb, size, size == 1 ? "" : "s",
                  (unsigned long long)address, reason, outcome);
    values[0] = PyLong_FromLong(EFAULT);
    values[1] = PyLong_FromSize_t((size_t)address);
    values[2] = PyLong_FromSize_t(size);
    values[3] = PyUnicode_FromString(verb);
    values[4] = PyLong_FromSize_t((size_t)fault->address);
    values[5] = PyUnicode_FromString(reason);
    return raise_with_attributes(hx_MemoryFault, message, names, values, 6);
}

PyObject *
hx_raise_invalid_object(uintptr_t address, const char *reason)
{
    static const char *const names[] = {"address", "reason"};
    char message[320];
    PyObject *values[2];

    PyOS_snprintf(message, sizeof(message), "no live object at 0x%llx: %s",
                  (unsigned long long)address, reason);
    values[0] = PyLong_FromSize_t((size_t)address);
    values[1] = PyUnicode_FromString(reason);
    return raise_with_attributes(hx_InvalidObjectError, message, names,
                                 values, 2);
}
