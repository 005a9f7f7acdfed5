/* handlers.c - keeping hexray's fault handler ahead of faulthandler's.
 *
 * The kernel calls only the most recently installed SIGSEGV handler.  If
 * faulthandler were installed after hexray, a fault inside a guarded access
 * would reach faulthandler first, which would print a fatal-error report and
 * disable itself before passing the fault on.  So hexray wraps
 * faulthandler.enable() and faulthandler.disable(): the wrapper steps
 * hexray's handler aside, lets faulthandler install or remove its own on
 * top of what was there before, then puts hexray's back in front, now
 * passing foreign faults on to faulthandler.  The chain stays a chain,
 * never a cycle.
 *
 * A handler installed later from C (not through faulthandler) displaces
 * hexray's; fault_handler_active() tells whether that happened.
 */
#include "hexray.h"

#include <errno.h>

static PyObject *
call_beneath(PyObject *original, PyObject *args, PyObject *kwargs)
{
    int was_in_front = hx_guard_uninstall();
    PyObject *result = PyObject_Call(original, args, kwargs);

    if (was_in_front && hx_guard_install() < 0) {
        Py_XDECREF(result);
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return result;
}

static PyMethodDef wrappers[] = {
    {"enable", HX_CFUNC(call_beneath), METH_VARARGS | METH_KEYWORDS,
     "faulthandler.enable(), wrapped by hexray so that hexray's fault "
     "handler stays in front and passes other faults on to faulthandler."},
    {"disable", HX_CFUNC(call_beneath), METH_VARARGS | METH_KEYWORDS,
     "faulthandler.disable(), wrapped by hexray so that hexray's fault "
     "handler stays in front."},
};

static int
wrap(PyObject *faulthandler, PyMethodDef *def)
{
    PyObject *original, *wrapper;
    int status;

    original = PyObject_GetAttrString(faulthandler, def->ml_name);
    if (original == NULL) {
        return -1;
    }
    if (PyCFunction_Check(original)
        && PyCFunction_GET_FUNCTION(original) == def->ml_meth) {
        Py_DECREF(original);
        return 0;  /* wrapped already */
    }
    /* The wrapper owns the original: it is the wrapper's `self`. */
    wrapper = PyCFunction_NewEx(def, original, NULL);
    Py_DECREF(original);
    if (wrapper == NULL) {
        return -1;
    }
    status = PyObject_SetAttrString(faulthandler, def->ml_name, wrapper);
    Py_DECREF(wrapper);
    return status;
}

int
hx_handlers_init(void)
{
    PyObject *faulthandler;
    int status;

    if (hx_guard_install() < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    faulthandler = PyImport_ImportModule("faulthandler");
    if (faulthandler == NULL) {
        return -1;
    }
    status = wrap(faulthandler, &wrappers[0]) < 0
             || wrap(faulthandler, &wrappers[1]) < 0 ? -1 : 0;
    Py_DECREF(faulthandler);
    return status;
}

PyObject *
hx_fault_handler_active(PyObject *Py_UNUSED(module),
                        PyObject *Py_UNUSED(unused))
{
    return PyBool_FromLong(hx_guard_active());
}
