/* render.c - the annotated dump of a Layout.
 *
 *   int object at 0x7f2a3c0591b0: 28 bytes
 *      offset  address         8-byte word         ascii     field
 *          +0  0x7f2a3c0591b0  0x0000000000000003  ........  ob_refcnt = 3
 *          +8  0x7f2a3c0591b8  0x00007f2a3c98b620   .<*....  ob_type = ...
 *
 * Each row shows one 8-byte word (16 single bytes in byte mode); every
 * field that starts in the row gets a line of its own beside it.  Text is
 * built as UTF-8 in one growing buffer and decoded once at the end.
 */
#include "render.h"

#include <stdarg.h>
#include <string.h>

#define WORD ((Py_ssize_t)sizeof(void *))
#define VALUE_LIMIT 60      /* characters of a value shown in a dump */

typedef struct {
    char *data;
    size_t length, capacity;
    int failed;
} buffer_t;

static void
grow(buffer_t *out, size_t more)
{
    char *bigger;
    size_t capacity;

    if (out->failed || out->length + more < out->capacity) {
        return;
    }
    capacity = out->capacity ? out->capacity : 1024;
    while (capacity <= out->length + more) {
        capacity *= 2;
    }
    bigger = PyMem_Realloc(out->data, capacity);
    if (bigger == NULL) {
        out->failed = 1;
        return;
    }
    out->data = bigger;
    out->capacity = capacity;
}

static void
put(buffer_t *out, const char *text, size_t length)
{
    grow(out, length + 1);
    if (!out->failed) {
        memcpy(out->data + out->length, text, length);
        out->length += length;
    }
}

static void
puts_(buffer_t *out, const char *text)
{
    put(out, text, strlen(text));
}

static void
printf_(buffer_t *out, const char *format, ...)
{
    char text[256];
    va_list args;
    int n;

    va_start(args, format);
    n = PyOS_vsnprintf(text, sizeof(text), format, args);
    va_end(args);
    if (n > 0) {
        put(out, text, (size_t)n < sizeof(text) ? (size_t)n
                                                : sizeof(text) - 1);
    }
}

/* Append a str, as UTF-8. */
static void
put_str(buffer_t *out, PyObject *text)
{
    Py_ssize_t length;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &length);

    if (utf8 == NULL) {
        PyErr_Clear();
        puts_(out, "?");
        return;
    }
    put(out, utf8, (size_t)length);
}


/* ----------------------------------------------------------------------
   Colours */

static const char *const palette[] = {
    "\033[36m", "\033[33m", "\033[32m", "\033[35m", "\033[34m", "\033[31m",
};
#define RESET "\033[0m"
#define DIM "\033[2m"
#define BOLD "\033[1m"

static void
colour(buffer_t *out, int color, const char *code)
{
    if (color) {
        puts_(out, code);
    }
}

/* The colour of a field, by its position; unnamed bytes have none. */
static const char *
field_colour(const hx_field *fields, Py_ssize_t i)
{
    if (i < 0 || fields[i].name[0] == '\0') {
        return NULL;
    }
    return palette[i % (Py_ssize_t)Py_ARRAY_LENGTH(palette)];
}


/* ----------------------------------------------------------------------
   Values, as a dump shows them */

/* A short text for an object: repr for small plain values, otherwise its
   type and address (repr of a big container could be huge, or run code). */
static PyObject *
object_text(PyObject *value)
{
    PyObject *repr;

    if (value == Py_None || PyBool_Check(value) || PyLong_CheckExact(value)
        || PyFloat_CheckExact(value) || PyType_Check(value)
        || PyUnicode_CheckExact(value) || PyBytes_CheckExact(value)
        || PyComplex_CheckExact(value)) {
        repr = PyObject_Repr(value);
        if (repr != NULL && PyUnicode_GET_LENGTH(repr) > VALUE_LIMIT) {
            PyObject *cut = PyUnicode_Substring(repr, 0, VALUE_LIMIT - 3);
            Py_SETREF(repr, cut == NULL ? NULL
                                        : PyUnicode_FromFormat("%U...", cut));
            Py_XDECREF(cut);
        }
        return repr;
    }
    return PyUnicode_FromFormat("<%s object at %p>", Py_TYPE(value)->tp_name,
                                (void *)value);
}

static void
put_value(buffer_t *out, hx_LayoutObject *layout, const hx_field *f,
          PyObject *value, PyObject *note)
{
    uint64_t number;
    PyObject *text;

    switch (f->value) {
    case HX_V_ADDRESS:
    case HX_V_FUNCTION:
    case HX_V_HEX:
    case HX_V_TYPE_FLAGS:
        number = PyLong_AsUnsignedLongLongMask(value);
        printf_(out, "0x%llx", (unsigned long long)number);
        return;
    case HX_V_OBJECT:
    case HX_V_CSTRING:
        if (value == Py_None) {
            const unsigned char *p = (const unsigned char *)
                PyBytes_AS_STRING(layout->raw) + (f->offset - layout->start);
            uintptr_t address;
            memcpy(&address, p, sizeof(address));
            if (address == 0) {
                puts_(out, "NULL");
            }
            else {
                printf_(out, "0x%llx", (unsigned long long)address);
            }
            if (note != NULL) {
                puts_(out, " (");
                put_str(out, note);
                puts_(out, ")");
            }
            return;
        }
        break;
    default:
        break;
    }
    text = object_text(value);
    if (text == NULL) {
        PyErr_Clear();
        puts_(out, "?");
        return;
    }
    put_str(out, text);
    Py_DECREF(text);
}

/* "name = value  (meaning)" */
static void
annotate(buffer_t *out, hx_LayoutObject *layout, Py_ssize_t i, int color)
{
    const hx_field *f = &layout->fields[i];
    const char *code = field_colour(layout->fields, i);
    PyObject *name, *value, *note = NULL, *meaning;

    name = hx_field_name(f);
    if (name == NULL) {
        out->failed = 1;
        return;
    }
    if (code != NULL) {
        colour(out, color, BOLD);
        colour(out, color, code);
        put_str(out, name);
        colour(out, color, RESET);
    }
    Py_DECREF(name);
    value = hx_field_value(layout, f, &note);
    if (value == NULL) {
        out->failed = 1;
        return;
    }
    if (f->value != HX_V_NONE) {
        puts_(out, " = ");
        put_value(out, layout, f, value, note);
    }
    meaning = hx_field_meaning(layout, f, value);
    if (meaning != NULL && PyUnicode_GET_LENGTH(meaning) > 0) {
        colour(out, color, DIM);
        puts_(out, code != NULL ? "  (" : "(");
        put_str(out, meaning);
        puts_(out, ")");
        colour(out, color, RESET);
    }
    else if (meaning == NULL) {
        PyErr_Clear();
    }
    Py_XDECREF(meaning);
    Py_XDECREF(note);
    Py_DECREF(value);
}


/* ----------------------------------------------------------------------
   Rows */

/* For each byte of the extent, the field it belongs to (-1: none). */
static Py_ssize_t *
owners_of_bytes(hx_LayoutObject *layout)
{
    Py_ssize_t size = layout->end - layout->start, i, k;
    Py_ssize_t *owner = PyMem_Malloc((size_t)(size ? size : 1)
                                     * sizeof(Py_ssize_t));

    if (owner == NULL) {
        return NULL;
    }
    for (k = 0; k < size; k++) {
        owner[k] = -1;
    }
    for (i = layout->count - 1; i >= 0; i--) {
        const hx_field *f = &layout->fields[i];
        for (k = f->offset; k < f->offset + f->size; k++) {
            owner[k - layout->start] = i;
        }
    }
    return owner;
}

static void
put_offset_and_address(buffer_t *out, hx_LayoutObject *layout,
                       Py_ssize_t offset, int color)
{
    colour(out, color, DIM);
    printf_(out, "  %+7zd  0x%012llx  ", offset,
            (unsigned long long)(layout->address + (uintptr_t)offset));
    colour(out, color, RESET);
}

static void
put_byte_hex(buffer_t *out, hx_LayoutObject *layout, const Py_ssize_t *owner,
             Py_ssize_t offset, int color)
{
    const unsigned char *raw = (const unsigned char *)
        PyBytes_AS_STRING(layout->raw);
    const char *code = field_colour(layout->fields,
                                    owner[offset - layout->start]);

    if (code != NULL) {
        colour(out, color, code);
    }
    printf_(out, "%02x", raw[offset - layout->start]);
    if (code != NULL) {
        colour(out, color, RESET);
    }
}

static void
put_ascii(buffer_t *out, hx_LayoutObject *layout, const Py_ssize_t *owner,
          Py_ssize_t from, Py_ssize_t to, Py_ssize_t width, int color)
{
    const unsigned char *raw = (const unsigned char *)
        PyBytes_AS_STRING(layout->raw);
    Py_ssize_t k;

    for (k = from; k < from + width; k++) {
        char c = ' ';
        const char *code = NULL;

        if (k < to) {
            unsigned char byte = raw[k - layout->start];
            c = byte >= 0x20 && byte < 0x7f ? (char)byte : '.';
            code = field_colour(layout->fields, owner[k - layout->start]);
        }
        if (code != NULL) {
            colour(out, color, code);
        }
        put(out, &c, 1);
        if (code != NULL) {
            colour(out, color, RESET);
        }
    }
}

/* One row: [from, to) of the extent, shown as a little-endian word or as
   bytes; then the fields that start in it, one line each. */
static void
put_row(buffer_t *out, hx_LayoutObject *layout, const Py_ssize_t *owner,
        Py_ssize_t from, Py_ssize_t to, Py_ssize_t width, int bytes_mode,
        int color)
{
    Py_ssize_t k, i, lines = 0;
    /* the width of "  %+7zd  0x%012llx  " */
    const size_t indent = 2 + 7 + 2 + 14 + 2;

    put_offset_and_address(out, layout, from, color);
    if (bytes_mode) {
        for (k = from; k < from + width; k++) {
            if (k < to) {
                put_byte_hex(out, layout, owner, k, color);
            }
            else {
                puts_(out, "  ");
            }
            puts_(out, k - from == 7 ? "  " : " ");
        }
        puts_(out, " ");
    }
    else {
        puts_(out, "0x");
        for (k = from + width - 1; k >= from; k--) {
            if (k < to) {
                put_byte_hex(out, layout, owner, k, color);
            }
            else {
                puts_(out, "  ");
            }
        }
        puts_(out, "  ");
    }
    put_ascii(out, layout, owner, from, to, width, color);
    for (i = 0; i < layout->count; i++) {
        const hx_field *f = &layout->fields[i];

        if (f->offset < from || f->offset >= to) {
            continue;
        }
        if (lines++ > 0) {
            size_t pad = indent + (bytes_mode ? 3 * (size_t)width + 2
                                              : 2 + 2 * (size_t)width + 2)
                         + (size_t)width;
            puts_(out, "\n");
            grow(out, pad);
            if (!out->failed) {
                memset(out->data + out->length, ' ', pad);
                out->length += pad;
            }
        }
        puts_(out, "  ");
        annotate(out, layout, i, color);
    }
    puts_(out, "\n");
}

static void
put_title(buffer_t *out, hx_LayoutObject *layout, int color)
{
    colour(out, color, BOLD);
    puts_(out, layout->title);
    colour(out, color, RESET);
    if (layout->object != NULL) {
        puts_(out, " object");
    }
    printf_(out, " at 0x%llx: %zd bytes",
            (unsigned long long)layout->address, layout->end - layout->start);
    if (layout->start < 0) {
        printf_(out, " (%zd of them before the object)", -layout->start);
    }
    if (layout->owner != NULL) {
        printf_(out, ", of the %s at %p", Py_TYPE(layout->owner)->tp_name,
                (void *)layout->owner);
    }
    if (layout->region != NULL && layout->region != Py_None) {
        PyObject *path = PyObject_GetAttrString(layout->region, "path");
        PyObject *perms = PyObject_GetAttrString(layout->region, "perms");
        if (path != NULL && perms != NULL) {
            puts_(out, ", in ");
            if (PyUnicode_GET_LENGTH(path) > 0) {
                put_str(out, path);
            }
            else {
                puts_(out, "an anonymous mapping");
            }
            puts_(out, " (");
            put_str(out, perms);
            puts_(out, ")");
        }
        else {
            PyErr_Clear();
        }
        Py_XDECREF(path);
        Py_XDECREF(perms);
    }
    puts_(out, "\n");
    if (layout->note != NULL) {
        colour(out, color, DIM);
        puts_(out, "  ");
        put_str(out, layout->note);
        colour(out, color, RESET);
        puts_(out, "\n");
    }
}

static void
put_schema(buffer_t *out, hx_LayoutObject *layout, int color)
{
    Py_ssize_t i;

    colour(out, color, BOLD);
    printf_(out, "%s instances\n", layout->title);
    colour(out, color, RESET);
    puts_(out, "   offset  size  field                     C type\n");
    for (i = 0; i < layout->count; i++) {
        const hx_field *f = &layout->fields[i];
        PyObject *name = hx_field_name(f), *meaning;

        if (name == NULL) {
            out->failed = 1;
            return;
        }
        printf_(out, "  %+7zd  %4zd  ", f->offset, f->size);
        colour(out, color, field_colour(layout->fields, i)
                           ? field_colour(layout->fields, i) : "");
        put_str(out, name);
        colour(out, color, RESET);
        if (PyUnicode_GET_LENGTH(name) < 24) {
            printf_(out, "%*s", (int)(24 - PyUnicode_GET_LENGTH(name)), "");
        }
        printf_(out, "  %-18s", f->ctype);
        meaning = hx_field_meaning(layout, f, NULL);
        if (meaning != NULL) {
            colour(out, color, DIM);
            puts_(out, "  ");
            put_str(out, meaning);
            colour(out, color, RESET);
            Py_DECREF(meaning);
        }
        else {
            PyErr_Clear();
        }
        puts_(out, "\n");
        Py_DECREF(name);
    }
}

PyObject *
hx_render(hx_LayoutObject *layout, int bytes_mode, int color,
          Py_ssize_t max_rows)
{
    buffer_t out = {NULL, 0, 0, 0};
    Py_ssize_t width = bytes_mode ? 2 * WORD : WORD, from, rows = 0;
    Py_ssize_t *owner;
    PyObject *text;

    if (layout->raw == NULL) {
        put_schema(&out, layout, color);
    }
    else {
        owner = owners_of_bytes(layout);
        if (owner == NULL) {
            return PyErr_NoMemory();
        }
        put_title(&out, layout, color);
        colour(&out, color, DIM);
        printf_(&out, "   offset  address         %-*s  %-*s  field\n",
                (int)(bytes_mode ? 3 * width + 1 : 2 + 2 * width),
                bytes_mode ? "bytes" : "8-byte word",
                (int)width, "ascii");
        colour(&out, color, RESET);
        for (from = layout->start; from < layout->end; from += width) {
            Py_ssize_t to = from + width < layout->end ? from + width
                                                       : layout->end;
            if (max_rows >= 0 && rows == max_rows) {
                printf_(&out, "  ... %zd more bytes not shown\n",
                        layout->end - from);
                break;
            }
            put_row(&out, layout, owner, from, to, width, bytes_mode, color);
            rows++;
        }
        PyMem_Free(owner);
    }
    if (out.failed || PyErr_Occurred()) {
        PyMem_Free(out.data);
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    }
    text = PyUnicode_DecodeUTF8(out.data, (Py_ssize_t)out.length, "replace");
    PyMem_Free(out.data);
    return text;
}
