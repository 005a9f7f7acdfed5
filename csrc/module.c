/* module.c - hexray._hexray: initialisation and the interpreter check. */
#include "hexray.h"
#include "layout.h"

#include <stdlib.h>

PyDoc_STRVAR(fault_handler_active_doc,
"fault_handler_active()\n--\n\n"
"Whether hexray's SIGSEGV/SIGBUS handler is the one the kernel calls.\n\n"
"It is installed when hexray is imported, and put back in front after\n"
"faulthandler.enable()/disable() and after every extension module is\n"
"loaded.  A handler installed later by other means (a thread, a library\n"
"loaded with ctypes) displaces it until restore_fault_handler().");

PyDoc_STRVAR(restore_fault_handler_doc,
"restore_fault_handler()\n--\n\n"
"Put hexray's fault handler back in front of one installed after it.\n\n"
"The displaced handler keeps receiving every fault that is not hexray's.\n"
"Returns True if hexray's handler had been displaced.");

static PyMethodDef module_methods[] = {
    {"fault_handler_active", hx_fault_handler_active, METH_NOARGS,
     fault_handler_active_doc},
    {"restore_fault_handler", hx_restore_fault_handler, METH_NOARGS,
     restore_fault_handler_doc},
    {NULL, NULL, 0, NULL}
};

PyDoc_STRVAR(module_doc,
"hexray's C core: fault-safe memory access, object addresses, pointers.");

static struct PyModuleDef hexray_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "hexray._hexray",
    .m_doc = module_doc,
    .m_size = -1,
};

PyObject *
hx_interpreter_value(const char *key, PyObject *(*make)(void))
{
    PyObject *dict = PyInterpreterState_GetDict(PyInterpreterState_Get());
    PyObject *value;

    if (dict == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the interpreter has no dict "
                        "for extension modules");
        return NULL;
    }
    value = PyDict_GetItemString(dict, key);    /* borrowed */
    if (value == NULL) {
        value = make();
        if (value == NULL || PyDict_SetItemString(dict, key, value) < 0) {
            Py_XDECREF(value);
            return NULL;
        }
        Py_DECREF(value);   /* the interpreter's dict holds it now */
    }
    return value;
}

/* The offsets compiled into this module are only right for the CPython
   version whose headers built it. */
static int
check_interpreter(void)
{
    const char *running = Py_GetVersion();
    char *end;
    long major = strtol(running, &end, 10);
    long minor = *end == '.' ? strtol(end + 1, NULL, 10) : -1;

    if (major != PY_MAJOR_VERSION || minor != PY_MINOR_VERSION) {
        PyErr_Format(PyExc_ImportError,
                     "hexray._hexray was built for CPython %d.%d but is "
                     "running in %ld.%ld; reinstall hexray with this "
                     "interpreter", PY_MAJOR_VERSION, PY_MINOR_VERSION,
                     major, minor);
        return -1;
    }
    return 0;
}

static int
add_constants(PyObject *module)
{
    if (PyModule_AddStringConstant(module, "BUILT_FOR", PY_VERSION) < 0
        || PyModule_AddObject(module, "PAGE_SIZE",
                              PyLong_FromSize_t(hx_page_size())) < 0) {
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC
PyInit__hexray(void)
{
    PyObject *module;

    if (check_interpreter() < 0) {
        return NULL;
    }
    module = PyModule_Create(&hexray_module);
    if (module == NULL) {
        return NULL;
    }
    if (hx_errors_init(module) < 0
        || hx_memory_init(module) < 0
        || hx_maps_init(module) < 0
        || hx_pointer_init(module) < 0
        || hx_layout_init(module) < 0
        || hx_handlers_init() < 0
        || add_constants(module) < 0
        || PyModule_AddFunctions(module, hx_memory_methods) < 0
        || PyModule_AddFunctions(module, hx_maps_methods) < 0
        || PyModule_AddFunctions(module, hx_objects_methods) < 0
        || PyModule_AddFunctions(module, hx_layout_methods) < 0
        || PyModule_AddFunctions(module, module_methods) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
