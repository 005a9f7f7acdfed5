/* memory.c - peek, poke, read, write, is_readable and is_writable.
 *
 * Thin Python faces over guard.c: parse the arguments, run the guarded
 * access, and turn a fault into hexray.MemoryFault.
 */
#include "hexray.h"

#include <string.h>

PyDoc_STRVAR(peek_doc,
"peek(address, size, /)\n--\n\n"
"Return the size bytes of memory starting at address, as bytes.\n\n"
"Raises MemoryFault, naming the first bad byte, if any part of the range\n"
"cannot be read.");

static PyObject *
peek(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    uintptr_t address;
    size_t size;
    hx_fault fault;
    PyObject *result;

    if (hx_check_nargs("peek", nargs, 2, 2) < 0
        || hx_parse_address(args[0], &address) < 0
        || hx_parse_size(args[1], &size) < 0) {
        return NULL;
    }
    /* Before allocating room for a large read, make sure it can succeed. */
    if (size > hx_page_size()
        && hx_probe(address, size, HX_READ, &fault) < 0) {
        return hx_raise_fault(address, size, HX_READ, &fault);
    }
    result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (result == NULL) {
        return NULL;
    }
    if (hx_read(PyBytes_AS_STRING(result), address, size, &fault) < 0) {
        Py_DECREF(result);
        return hx_raise_fault(address, size, HX_READ, &fault);
    }
    return result;
}

PyDoc_STRVAR(poke_doc,
"poke(address, data, /)\n--\n\n"
"Write the bytes of data (any contiguous buffer) to memory at address.\n\n"
"Every page of the destination is checked first: if any byte cannot be\n"
"written, MemoryFault is raised and nothing is written.  poke is the raw\n"
"primitive: it does not know what lives at the address.");

static PyObject *
poke(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    uintptr_t address;
    Py_buffer data;
    size_t size;
    hx_fault fault;
    int failed;

    if (hx_check_nargs("poke", nargs, 2, 2) < 0
        || hx_parse_address(args[0], &address) < 0
        || PyObject_GetBuffer(args[1], &data, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    size = (size_t)data.len;
    failed = hx_write(address, data.buf, size, &fault) < 0;
    PyBuffer_Release(&data);
    if (failed) {
        return hx_raise_fault(address, size, HX_WRITE, &fault);
    }
    Py_RETURN_NONE;
}


/* ----------------------------------------------------------------------
   Typed reads and writes: struct-module formats */

/* Single native format codes are decoded here directly; everything else
   goes through a cached struct.Struct. */
static size_t
native_size(int code)
{
    switch (code) {
    case 'c': case 'b': case 'B': return sizeof(char);
    case '?': return sizeof(_Bool);
    case 'h': case 'H': return sizeof(short);
    case 'i': case 'I': return sizeof(int);
    case 'l': case 'L': return sizeof(long);
    case 'q': case 'Q': return sizeof(long long);
    case 'n': case 'N': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'P': return sizeof(void *);
    default: return 0;
    }
}

#define DECODE(ctype, convert)                                      \
    do {                                                            \
        ctype v_;                                                   \
        memcpy(&v_, raw, sizeof(v_));                               \
        return convert(v_);                                         \
    } while (0)

static PyObject *
decode_native(int code, const char *raw)
{
    switch (code) {
    case 'c': return PyBytes_FromStringAndSize(raw, 1);
    case 'b': DECODE(signed char, PyLong_FromLong);
    case 'B': DECODE(unsigned char, PyLong_FromLong);
    case '?': DECODE(_Bool, PyBool_FromLong);
    case 'h': DECODE(short, PyLong_FromLong);
    case 'H': DECODE(unsigned short, PyLong_FromLong);
    case 'i': DECODE(int, PyLong_FromLong);
    case 'I': DECODE(unsigned int, PyLong_FromUnsignedLong);
    case 'l': DECODE(long, PyLong_FromLong);
    case 'L': DECODE(unsigned long, PyLong_FromUnsignedLong);
    case 'q': DECODE(long long, PyLong_FromLongLong);
    case 'Q': DECODE(unsigned long long, PyLong_FromUnsignedLongLong);
    case 'n': DECODE(Py_ssize_t, PyLong_FromSsize_t);
    case 'N': DECODE(size_t, PyLong_FromSize_t);
    case 'f': DECODE(float, PyFloat_FromDouble);
    case 'd': DECODE(double, PyFloat_FromDouble);
    case 'P': DECODE(void *, PyLong_FromVoidPtr);
    default:
        Py_UNREACHABLE();
    }
}

#undef DECODE

/* format -> (struct.Struct(format), number of values, size in bytes) */
static PyObject *format_cache;
static PyObject *struct_type;
#define FORMAT_CACHE_LIMIT 512

static PyObject *
compile_format(PyObject *format)
{
    PyObject *compiled, *size_attr, *zeros = NULL, *values, *entry;
    Py_ssize_t size = -1;

    compiled = PyObject_CallOneArg(struct_type, format);
    if (compiled == NULL) {
        return NULL;
    }
    size_attr = PyObject_GetAttrString(compiled, "size");
    if (size_attr != NULL) {
        size = PyLong_AsSsize_t(size_attr);
        Py_DECREF(size_attr);
    }
    if (size >= 0) {
        zeros = PyBytes_FromStringAndSize(NULL, size);
    }
    if (zeros == NULL) {
        Py_DECREF(compiled);
        return NULL;
    }
    /* Count the values by unpacking zero bytes, which every code accepts. */
    memset(PyBytes_AS_STRING(zeros), 0, (size_t)size);
    values = PyObject_CallMethod(compiled, "unpack", "O", zeros);
    Py_DECREF(zeros);
    if (values == NULL) {
        Py_DECREF(compiled);
        return NULL;
    }
    entry = Py_BuildValue("(Nnn)", compiled, PyTuple_GET_SIZE(values), size);
    Py_DECREF(values);
    return entry;
}

/* A new reference to the (struct.Struct, count, size) entry for format.
   New, not borrowed: Python code run while it is in use (a value's
   __index__, an iterator) may evict it from the cache. */
static PyObject *
cached_format(PyObject *format)
{
    PyObject *entry = PyDict_GetItemWithError(format_cache, format);

    if (entry != NULL) {
        return Py_NewRef(entry);
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    entry = compile_format(format);
    if (entry == NULL) {
        return NULL;
    }
    if (PyDict_GET_SIZE(format_cache) >= FORMAT_CACHE_LIMIT) {
        PyDict_Clear(format_cache);
    }
    if (PyDict_SetItem(format_cache, format, entry) < 0) {
        Py_DECREF(entry);
        return NULL;
    }
    return entry;
}

static int
check_format(const char *name, PyObject *format)
{
    if (!PyUnicode_Check(format)) {
        PyErr_Format(PyExc_TypeError,
                     "%s(): the format must be a str, not %.100s", name,
                     Py_TYPE(format)->tp_name);
        return -1;
    }
    return 0;
}

/* The single native code a format names, or 0. */
static int
single_native_code(PyObject *format)
{
    if (PyUnicode_GET_LENGTH(format) == 1) {
        Py_UCS4 code = PyUnicode_READ_CHAR(format, 0);
        if (code < 128 && native_size((int)code) != 0) {
            return (int)code;
        }
    }
    return 0;
}

PyDoc_STRVAR(read_doc,
"read(address, format, /)\n--\n\n"
"Read the value(s) a struct-module format describes at address.\n\n"
"Returns the value itself when the format holds one ('i', '<Q', '16s'),\n"
"a tuple when it holds several ('ii', '2d').");

static PyObject *
read_value(PyObject *Py_UNUSED(module), PyObject *const *args,
           Py_ssize_t nargs)
{
    uintptr_t address;
    hx_fault fault;
    PyObject *entry, *compiled, *raw, *values, *result;
    char buffer[sizeof(long double)];
    size_t size;
    int code;

    if (hx_check_nargs("read", nargs, 2, 2) < 0
        || hx_parse_address(args[0], &address) < 0
        || check_format("read", args[1]) < 0) {
        return NULL;
    }
    code = single_native_code(args[1]);
    if (code != 0) {
        size = native_size(code);
        if (hx_read(buffer, address, size, &fault) < 0) {
            return hx_raise_fault(address, size, HX_READ, &fault);
        }
        return decode_native(code, buffer);
    }
    entry = cached_format(args[1]);
    if (entry == NULL) {
        return NULL;
    }
    compiled = PyTuple_GET_ITEM(entry, 0);
    size = (size_t)PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 2));
    raw = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (raw == NULL) {
        Py_DECREF(entry);
        return NULL;
    }
    if (hx_read(PyBytes_AS_STRING(raw), address, size, &fault) < 0) {
        Py_DECREF(raw);
        Py_DECREF(entry);
        return hx_raise_fault(address, size, HX_READ, &fault);
    }
    values = PyObject_CallMethod(compiled, "unpack", "O", raw);
    Py_DECREF(raw);
    Py_DECREF(entry);
    if (values == NULL || PyTuple_GET_SIZE(values) != 1) {
        return values;
    }
    result = Py_NewRef(PyTuple_GET_ITEM(values, 0));
    Py_DECREF(values);
    return result;
}

PyDoc_STRVAR(write_doc,
"write(address, format, value, /)\n--\n\n"
"Pack value with a struct-module format and write it at address.\n\n"
"value is a single value when the format holds one, a sequence of values\n"
"when it holds several.  Conversion errors are struct.error, as with\n"
"struct.pack; nothing is written then, nor when MemoryFault is raised.");

static PyObject *
write_value(PyObject *Py_UNUSED(module), PyObject *const *args,
            Py_ssize_t nargs)
{
    uintptr_t address;
    hx_fault fault;
    PyObject *entry, *packed, *pack, *values;
    Py_ssize_t count;
    int failed;

    if (hx_check_nargs("write", nargs, 3, 3) < 0
        || hx_parse_address(args[0], &address) < 0
        || check_format("write", args[1]) < 0) {
        return NULL;
    }
    entry = cached_format(args[1]);
    if (entry == NULL) {
        return NULL;
    }
    count = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 1));
    if (count == 1) {
        values = PyTuple_Pack(1, args[2]);
    }
    else {
        values = PySequence_Tuple(args[2]);
    }
    if (values == NULL) {
        Py_DECREF(entry);
        return NULL;
    }
    pack = PyObject_GetAttrString(PyTuple_GET_ITEM(entry, 0), "pack");
    packed = pack == NULL ? NULL : PyObject_Call(pack, values, NULL);
    Py_XDECREF(pack);
    Py_DECREF(values);
    Py_DECREF(entry);
    if (packed == NULL) {
        return NULL;
    }
    failed = hx_write(address, PyBytes_AS_STRING(packed),
                      (size_t)PyBytes_GET_SIZE(packed), &fault) < 0;
    count = PyBytes_GET_SIZE(packed);
    Py_DECREF(packed);
    if (failed) {
        return hx_raise_fault(address, (size_t)count, HX_WRITE, &fault);
    }
    Py_RETURN_NONE;
}


/* ----------------------------------------------------------------------
   Accessibility */

static PyObject *
probe(const char *name, hx_access access, PyObject *const *args,
      Py_ssize_t nargs)
{
    uintptr_t address;
    size_t size = 1;
    hx_fault fault;

    if (hx_check_nargs(name, nargs, 1, 2) < 0
        || hx_parse_address(args[0], &address) < 0
        || (nargs == 2 && hx_parse_size(args[1], &size) < 0)) {
        return NULL;
    }
    return PyBool_FromLong(hx_probe(address, size, access, &fault) == 0);
}

PyDoc_STRVAR(is_readable_doc,
"is_readable(address, size=1, /)\n--\n\n"
"Whether every byte of [address, address + size) can be read now.");

static PyObject *
is_readable(PyObject *Py_UNUSED(module), PyObject *const *args,
            Py_ssize_t nargs)
{
    return probe("is_readable", HX_READ, args, nargs);
}

PyDoc_STRVAR(is_writable_doc,
"is_writable(address, size=1, /)\n--\n\n"
"Whether every byte of [address, address + size) can be written now.\n\n"
"The check changes nothing: it writes no byte of its own.");

static PyObject *
is_writable(PyObject *Py_UNUSED(module), PyObject *const *args,
            Py_ssize_t nargs)
{
    return probe("is_writable", HX_WRITE, args, nargs);
}

int
hx_memory_init(PyObject *Py_UNUSED(module))
{
    PyObject *struct_module = PyImport_ImportModule("struct");

    if (struct_module == NULL) {
        return -1;
    }
    struct_type = PyObject_GetAttrString(struct_module, "Struct");
    Py_DECREF(struct_module);
    format_cache = PyDict_New();
    return struct_type == NULL || format_cache == NULL ? -1 : 0;
}

PyMethodDef hx_memory_methods[] = {
    {"peek", HX_CFUNC(peek), METH_FASTCALL, peek_doc},
    {"poke", HX_CFUNC(poke), METH_FASTCALL, poke_doc},
    {"read", HX_CFUNC(read_value), METH_FASTCALL, read_doc},
    {"write", HX_CFUNC(write_value), METH_FASTCALL, write_doc},
    {"is_readable", HX_CFUNC(is_readable), METH_FASTCALL, is_readable_doc},
    {"is_writable", HX_CFUNC(is_writable), METH_FASTCALL, is_writable_doc},
    {NULL, NULL, 0, NULL}
};
