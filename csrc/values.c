/* values.c - what layouts show of the objects their pointers lead to.
 *
 * A pointer field's value is the object it points to, once
 * hx_validate_typed_object() accepts the address.  Accepted is not
 * trusted: the object may be bytes in a buffer that imitate a header, or
 * change while it is shown.  So what a dump prints for it, and what
 * to_dict() puts in JSON, never comes from the object's own C code (the
 * repr of a str reads as many characters as its length says, wherever its
 * data pointer leads).  Plain values are read through the guarded core
 * into a private copy instead: an int from its digits, a float or complex
 * from its doubles, a str or bytes from at most MAX_UNITS of its
 * characters; only that copy is given to repr().  Other objects show as
 * their type and address.
 */
#include "render.h"

#include <string.h>

/* Digits of an int copied at most (some 9,000 decimal digits); a larger
   int shows as its type and address. */
#define MAX_DIGITS 1024

/* Characters of a str (bytes of a bytes) copied at most; the text of a
   longer one is cut, and ends in "...". */
#define MAX_UNITS 65536


void
hx_type_name(PyTypeObject *type, char *name, size_t cap)
{
    uintptr_t text = 0;
    hx_fault fault;

    if (hx_peek((uintptr_t)type + offsetof(PyTypeObject, tp_name), &text,
                sizeof(text)) < 0
        || hx_read_cstring(name, cap, text, &fault) < 0) {
        PyOS_snprintf(name, cap, "?");
    }
}


/* ----------------------------------------------------------------------
   Private copies of plain values */

/* The number of digits of the int at address and its sign; -1 if they
   cannot be read, make no sense, or are more than MAX_DIGITS. */
static int
int_shape(uintptr_t address, Py_ssize_t *count, int *negative)
{
    PyVarObject header;
    uint64_t digits;
    int sign;

    if (hx_peek(address, &header, sizeof(header)) < 0) {
        return -1;
    }
    hx_int_shape(&header, &digits, &sign);
    if (sign == 2 || digits > MAX_DIGITS) {
        return -1;
    }
    *count = (Py_ssize_t)digits;
    *negative = sign < 0;
    return 0;
}

/* The int at address, rebuilt from its digits (the bits of each digit
   above PyLong_SHIFT are dropped, as no int has them). */
static PyObject *
int_copy(uintptr_t address)
{
    digit digits[MAX_DIGITS];
    unsigned char bytes[MAX_DIGITS * sizeof(digit)];
    Py_ssize_t count, i;
    uint64_t bits = 0;
    size_t n = 0;
    int negative, held = 0;
    PyObject *value;

    if (int_shape(address, &count, &negative) < 0
        || hx_peek(address + HX_DIGITS_OFFSET, digits,
                   (size_t)count * sizeof(digit)) < 0) {
        return NULL;
    }
    /* Little-endian bytes, least significant digit first. */
    for (i = 0; i < count; i++) {
        bits |= (uint64_t)(digits[i] & PyLong_MASK) << held;
        held += PyLong_SHIFT;
        while (held >= 8) {
            bytes[n++] = (unsigned char)(bits & 0xff);
            bits >>= 8;
            held -= 8;
        }
    }
    if (held > 0) {
        bytes[n++] = (unsigned char)bits;
    }
    value = _PyLong_FromByteArray(bytes, n, 1, 0);
    if (value != NULL && negative) {
        Py_SETREF(value, PyNumber_Negative(value));
    }
    return value;
}

static PyObject *
float_copy(uintptr_t address)
{
    double value;

    if (hx_peek(address + offsetof(PyFloatObject, ob_fval), &value,
                sizeof(value)) < 0) {
        return NULL;
    }
    return PyFloat_FromDouble(value);
}

static PyObject *
complex_copy(uintptr_t address)
{
    Py_complex value;

    if (hx_peek(address + offsetof(PyComplexObject, cval), &value,
                sizeof(value)) < 0) {
        return NULL;
    }
    return PyComplex_FromCComplex(value);
}

/* size bytes at data, into a new buffer (PyMem_Free it); NULL if they
   cannot be read (no exception) or on MemoryError. */
static char *
copy_units(uintptr_t data, size_t size)
{
    char *units = PyMem_Malloc(size > 0 ? size : 1);

    if (units == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (size > 0 && hx_peek(data, units, size) < 0) {
        PyMem_Free(units);
        return NULL;
    }
    return units;
}

static PyObject *
bytes_copy(uintptr_t address, int *complete)
{
    Py_ssize_t size, n;
    char *units;
    PyObject *value;

    if (hx_peek(address + offsetof(PyVarObject, ob_size), &size,
                sizeof(size)) < 0 || size < 0) {
        return NULL;
    }
    n = size < MAX_UNITS ? size : MAX_UNITS;
    units = copy_units(address + offsetof(PyBytesObject, ob_sval),
                       (size_t)n);
    if (units == NULL) {
        return NULL;
    }
    value = PyBytes_FromStringAndSize(units, n);
    PyMem_Free(units);
    *complete = n == size;
    return value;
}

/* Where the characters of the str at address are, and their kind; -1 if
   its header makes no sense or the str is not ready. */
static int
str_shape(uintptr_t address, uintptr_t *data, Py_ssize_t *length,
          int *kind)
{
    PyASCIIObject head;

    if (hx_peek(address, &head, sizeof(head)) < 0) {
        return -1;
    }
    *kind = head.state.kind;
    *length = head.length;
    if (*length < 0
        || (*kind != PyUnicode_1BYTE_KIND && *kind != PyUnicode_2BYTE_KIND
            && *kind != PyUnicode_4BYTE_KIND)
#if PY_VERSION_HEX < 0x030C0000
        || !head.state.ready
#endif
        ) {
        return -1;
    }
    if (head.state.compact) {
        *data = address + (head.state.ascii ? sizeof(PyASCIIObject)
                                            : sizeof(PyCompactUnicodeObject));
        return 0;
    }
    if (hx_peek(address + offsetof(PyUnicodeObject, data), data,
                sizeof(*data)) < 0 || *data == 0) {
        return -1;
    }
    return 0;
}

static PyObject *
str_copy(uintptr_t address, int *complete)
{
    uintptr_t data;
    Py_ssize_t length, n;
    int kind;
    char *units;
    PyObject *value;

    if (str_shape(address, &data, &length, &kind) < 0) {
        return NULL;
    }
    n = length < MAX_UNITS ? length : MAX_UNITS;
    units = copy_units(data, (size_t)(n * kind));
    if (units == NULL) {
        return NULL;
    }
    /* Code points no str can hold: no copy, and no exception. */
    value = hx_valid_characters((const unsigned char *)units, n, kind)
            ? PyUnicode_FromKindAndData(kind, units, n) : NULL;
    PyMem_Free(units);
    *complete = n == length;
    return value;
}

PyObject *
hx_plain_copy(uintptr_t address, PyTypeObject *type, int *complete)
{
    *complete = 1;
    if (type == &PyLong_Type) {
        return int_copy(address);
    }
    if (type == &PyFloat_Type) {
        return float_copy(address);
    }
    if (type == &PyComplex_Type) {
        return complex_copy(address);
    }
    if (type == &PyUnicode_Type) {
        return str_copy(address, complete);
    }
    if (type == &PyBytes_Type) {
        return bytes_copy(address, complete);
    }
    return NULL;
}


/* ----------------------------------------------------------------------
   Text */

/* "<type object at 0x...>" */
static PyObject *
generic_text(uintptr_t address, PyTypeObject *type)
{
    char name[256];

    hx_type_name(type, name, sizeof(name));
    return PyUnicode_FromFormat("<%s object at %p>", name, (void *)address);
}

/* A type object: a known static type by its name, a known heap type by
   its repr (module and qualified name); any other as an object. */
static PyObject *
type_text(uintptr_t address, PyTypeObject *type)
{
    PyTypeObject *shown = (PyTypeObject *)address;

    if (!hx_type_is_known(address)) {
        return generic_text(address, type);
    }
    if (!PyType_HasFeature(shown, Py_TPFLAGS_HEAPTYPE)) {
        return PyUnicode_FromFormat("<class '%s'>", shown->tp_name);
    }
    return PyObject_Repr((PyObject *)shown);
}

/* text cut to limit characters, the last three of them "..." when cut
   (always when `complete` is 0). */
static PyObject *
cut(PyObject *text, Py_ssize_t limit, int complete)
{
    PyObject *head, *joined;

    if (text == NULL
        || (complete && PyUnicode_GET_LENGTH(text) <= limit)) {
        return text;
    }
    head = PyUnicode_Substring(text, 0, Py_MAX(limit - 3, 0));
    Py_DECREF(text);
    if (head == NULL) {
        return NULL;
    }
    joined = PyUnicode_FromFormat("%U...", head);
    Py_DECREF(head);
    return joined;
}

static int
is_singleton(uintptr_t address)
{
    return address == (uintptr_t)Py_None || address == (uintptr_t)Py_True
           || address == (uintptr_t)Py_False
           || address == (uintptr_t)Py_Ellipsis
           || address == (uintptr_t)Py_NotImplemented;
}

PyObject *
hx_object_text(uintptr_t address, PyTypeObject *type, Py_ssize_t limit)
{
    PyObject *copy, *text;
    int complete = 1;

    if (is_singleton(address)) {
        return cut(PyObject_Repr((PyObject *)address), limit, 1);
    }
    if (PyType_HasFeature(type, Py_TPFLAGS_TYPE_SUBCLASS)) {
        return cut(type_text(address, type), limit, 1);
    }
    copy = hx_plain_copy(address, type, &complete);
    if (copy == NULL) {
        return PyErr_Occurred() ? NULL : generic_text(address, type);
    }
    text = hx_copy_text(copy, limit, complete);
    Py_DECREF(copy);
    return text;
}

PyObject *
hx_copy_text(PyObject *copy, Py_ssize_t limit, int complete)
{
    return cut(PyObject_Repr(copy), limit, complete);
}
