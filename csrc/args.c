/* args.c - turning Python arguments into addresses and sizes. */
#include "hexray.h"

int
hx_check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t min,
               Py_ssize_t max)
{
    if (nargs >= min && nargs <= max) {
        return 0;
    }
    if (min == max) {
        PyErr_Format(PyExc_TypeError,
                     "%s() takes exactly %zd argument%s (%zd given)",
                     name, min, min == 1 ? "" : "s", nargs);
    }
    else {
        PyErr_Format(PyExc_TypeError,
                     "%s() takes from %zd to %zd arguments (%zd given)",
                     name, min, max, nargs);
    }
    return -1;
}

/* The slow path: arg is not an exact int that fits in 64 bits. */
static int
explain_bad_address(PyObject *arg)
{
    PyObject *index = PyNumber_Index(arg), *zero;
    int negative;

    if (index == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Format(PyExc_TypeError,
                         "an address must be an int, not %.100s",
                         Py_TYPE(arg)->tp_name);
        }
        return -1;
    }
    zero = PyLong_FromLong(0);
    negative = zero == NULL ? -1
                            : PyObject_RichCompareBool(index, zero, Py_LT);
    Py_XDECREF(zero);
    if (negative < 0) {
        Py_DECREF(index);
        return -1;
    }
    if (negative) {
        PyErr_Format(PyExc_ValueError,
                     "an address cannot be negative, got %R", index);
    }
    else {
        PyErr_Format(PyExc_OverflowError,
                     "address %R does not fit in %zu bits", index,
                     8 * sizeof(uintptr_t));
    }
    Py_DECREF(index);
    return -1;
}

/* PyLong_AsUnsignedLong reads the digits directly, where
   PyLong_AsUnsignedLongLong goes through a byte array for every value
   above 2**30: every address. */
_Static_assert(sizeof(unsigned long) >= sizeof(uintptr_t),
               "an unsigned long holds an address");

int
hx_parse_address(PyObject *arg, uintptr_t *address)
{
    unsigned long value;
    PyObject *index;

    if (PyLong_CheckExact(arg)) {
        value = PyLong_AsUnsignedLong(arg);
        if (value != (unsigned long)-1 || !PyErr_Occurred()) {
            *address = (uintptr_t)value;
            return 0;
        }
        PyErr_Clear();
        return explain_bad_address(arg);
    }
    index = PyNumber_Index(arg);
    if (index == NULL) {
        PyErr_Clear();
        return explain_bad_address(arg);
    }
    value = PyLong_AsUnsignedLong(index);
    Py_DECREF(index);
    if (value == (unsigned long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        return explain_bad_address(arg);
    }
    *address = (uintptr_t)value;
    return 0;
}

int
hx_parse_size(PyObject *arg, size_t *size)
{
    Py_ssize_t value = PyLong_CheckExact(arg)
        ? PyLong_AsSsize_t(arg) : PyNumber_AsSsize_t(arg, PyExc_OverflowError);

    if (value == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Format(PyExc_TypeError, "a size must be an int, not %.100s",
                         Py_TYPE(arg)->tp_name);
        }
        else if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Format(PyExc_OverflowError,
                         "size %R is larger than any memory can be", arg);
        }
        return -1;
    }
    if (value < 0) {
        PyErr_Format(PyExc_ValueError, "a size cannot be negative, got %zd",
                     value);
        return -1;
    }
    *size = (size_t)value;
    return 0;
}
