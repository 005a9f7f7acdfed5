/* handlers.c - keeping hexray's fault handler in front.
 *
 * The kernel calls only the most recently installed SIGSEGV handler.  A
 * handler installed after hexray's would receive the faults of guarded
 * accesses: faulthandler would print a fatal-error report and disable
 * itself, and a handler that does not pass faults on could take the process
 * down.  So hexray puts its handler back in front whenever that can happen
 * from Python:
 *
 *   - faulthandler.enable() and faulthandler.disable() are wrapped.  When
 *     the call will install or remove faulthandler's handler, the wrapper
 *     steps hexray's handler aside, lets faulthandler work on what was there
 *     before, then puts hexray's back in front, now passing foreign faults
 *     to faulthandler.  The chain stays a chain, never a cycle.
 *   - _imp.create_dynamic(), which loads every extension module, is wrapped:
 *     after a module's initialisation, hexray's handler goes back in front
 *     of any handler that module installed (pointers.py, for one, installs
 *     its own when imported).  That handler still receives every fault that
 *     is not hexray's.
 *
 * A handler installed later by other means (from a thread, or by a library
 * loaded with ctypes) displaces hexray's until restore_fault_handler() is
 * called; fault_handler_active() tells whether that happened.
 */
#include "hexray.h"

#include <errno.h>

static PyObject *faulthandler_is_enabled;

static PyObject *
put_handler_in_front(void)
{
    if (hx_guard_install() < 0) {
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_NONE;
}

/* Call original with hexray's handler stepped aside, if it is in front. */
static PyObject *
call_beneath(PyObject *original, PyObject *args, PyObject *kwargs)
{
    int was_in_front = hx_guard_uninstall();
    PyObject *result = PyObject_Call(original, args, kwargs), *status;

    if (was_in_front) {
        status = put_handler_in_front();
        if (status == NULL) {
            Py_XDECREF(result);
            return NULL;
        }
        Py_DECREF(status);
    }
    return result;
}

/* Whether faulthandler is enabled: 1, 0, or -1 with an exception set. */
static int
faulthandler_enabled(void)
{
    PyObject *answer = PyObject_CallNoArgs(faulthandler_is_enabled);
    int enabled;

    if (answer == NULL) {
        return -1;
    }
    enabled = PyObject_IsTrue(answer);
    Py_DECREF(answer);
    return enabled;
}

/* faulthandler.enable() installs its handler only when not yet enabled;
   otherwise it just changes settings, and needs no stepping aside. */
static PyObject *
enable(PyObject *original, PyObject *args, PyObject *kwargs)
{
    int enabled = faulthandler_enabled();

    if (enabled < 0) {
        return NULL;
    }
    if (enabled) {
        return PyObject_Call(original, args, kwargs);
    }
    return call_beneath(original, args, kwargs);
}

static PyObject *
disable(PyObject *original, PyObject *args, PyObject *kwargs)
{
    int enabled = faulthandler_enabled();

    if (enabled < 0) {
        return NULL;
    }
    if (!enabled) {
        return PyObject_Call(original, args, kwargs);
    }
    return call_beneath(original, args, kwargs);
}

/* After an extension module's initialisation, which may have installed a
   handler of its own. */
static PyObject *
create_dynamic(PyObject *original, PyObject *args, PyObject *kwargs)
{
    PyObject *module = PyObject_Call(original, args, kwargs), *status;

    if (module != NULL && !hx_guard_active()) {
        status = put_handler_in_front();
        if (status == NULL) {
            Py_DECREF(module);
            return NULL;
        }
        Py_DECREF(status);
    }
    return module;
}

static PyMethodDef wrappers[] = {
    {"enable", HX_CFUNC(enable), METH_VARARGS | METH_KEYWORDS,
     "faulthandler.enable(), wrapped by hexray so that hexray's fault "
     "handler stays in front and passes other faults on to faulthandler."},
    {"disable", HX_CFUNC(disable), METH_VARARGS | METH_KEYWORDS,
     "faulthandler.disable(), wrapped by hexray so that hexray's fault "
     "handler stays in front."},
    {"create_dynamic", HX_CFUNC(create_dynamic), METH_VARARGS | METH_KEYWORDS,
     "_imp.create_dynamic(), wrapped by hexray so that hexray's fault "
     "handler goes back in front of any an extension module installs."},
};

/* Replace module.<def->ml_name> by a wrapper that calls the original. */
static int
wrap(const char *module_name, PyMethodDef *def)
{
    PyObject *module, *original, *wrapper;
    int status = -1;

    module = PyImport_ImportModule(module_name);
    if (module == NULL) {
        return -1;
    }
    original = PyObject_GetAttrString(module, def->ml_name);
    if (original == NULL) {
        goto done;
    }
    if (PyCFunction_Check(original)
        && PyCFunction_GET_FUNCTION(original) == def->ml_meth) {
        status = 0;  /* wrapped already */
        goto done;
    }
    /* The wrapper owns the original: it is the wrapper's `self`. */
    wrapper = PyCFunction_NewEx(def, original, NULL);
    if (wrapper != NULL) {
        status = PyObject_SetAttrString(module, def->ml_name, wrapper);
        Py_DECREF(wrapper);
    }
done:
    Py_XDECREF(original);
    Py_DECREF(module);
    return status;
}

int
hx_handlers_init(void)
{
    PyObject *faulthandler, *status;

    status = put_handler_in_front();
    if (status == NULL) {
        return -1;
    }
    Py_DECREF(status);
    faulthandler = PyImport_ImportModule("faulthandler");
    if (faulthandler == NULL) {
        return -1;
    }
    /* Kept for the life of the process, as the wrappers are. */
    faulthandler_is_enabled = PyObject_GetAttrString(faulthandler,
                                                     "is_enabled");
    Py_DECREF(faulthandler);
    if (faulthandler_is_enabled == NULL
        || wrap("faulthandler", &wrappers[0]) < 0
        || wrap("faulthandler", &wrappers[1]) < 0
        || wrap("_imp", &wrappers[2]) < 0) {
        return -1;
    }
    return 0;
}

PyObject *
hx_fault_handler_active(PyObject *Py_UNUSED(module),
                        PyObject *Py_UNUSED(unused))
{
    return PyBool_FromLong(hx_guard_active());
}

PyObject *
hx_restore_fault_handler(PyObject *Py_UNUSED(module),
                         PyObject *Py_UNUSED(unused))
{
    int was_active = hx_guard_active();
    PyObject *status = put_handler_in_front();

    if (status == NULL) {
        return NULL;
    }
    Py_DECREF(status);
    return PyBool_FromLong(!was_active);
}
