/* render.c - the annotated dump of a Layout.
 *
 *   int object at 0x7f2a3c0591b0: 28 bytes
 *      offset  address         8-byte word         ascii     field
 *          +0  0x7f2a3c0591b0  0x0000000000000003  ........  ob_refcnt = 3
 *          +8  0x7f2a3c0591b8  0x00007f2a3c98b620   .<*....  ob_type = ...
 *
 * Each row shows one 8-byte word (16 single bytes in byte mode); every
 * field that starts in the row gets a line of its own beside it.  Text is
 * written as UTF-8 into one growing buffer, straight from the layout's
 * snapshot and the fields' C strings: numbers, names and meanings need no
 * Python objects, so a dump costs little more than its text.
 */
#include "render.h"

#include <string.h>

#define WORD ((Py_ssize_t)sizeof(void *))
#define VALUE_LIMIT 60      /* characters of a value shown in a dump */

static const char hex_digits[] = "0123456789abcdef";


/* ----------------------------------------------------------------------
   The text buffer */

typedef struct {
    char *data;
    size_t length, capacity;
    int failed;
} buffer_t;

static int
grow(buffer_t *out, size_t more)
{
    char *bigger;
    size_t capacity;

    if (out->failed) {
        return -1;
    }
    if (out->length + more < out->capacity) {
        return 0;
    }
    capacity = out->capacity ? out->capacity : 4096;
    while (capacity <= out->length + more) {
        capacity *= 2;
    }
    bigger = PyMem_Realloc(out->data, capacity);
    if (bigger == NULL) {
        out->failed = 1;
        return -1;
    }
    out->data = bigger;
    out->capacity = capacity;
    return 0;
}

/* Room for n more bytes, written by the caller; NULL if none. */
static char *
reserve(buffer_t *out, size_t n)
{
    char *at;

    if (grow(out, n) < 0) {
        return NULL;
    }
    at = out->data + out->length;
    out->length += n;
    return at;
}

static void
put(buffer_t *out, const char *text, size_t length)
{
    if (grow(out, length) == 0) {
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
put_char(buffer_t *out, char c, size_t count)
{
    if (grow(out, count) == 0) {
        memset(out->data + out->length, c, count);
        out->length += count;
    }
}

/* value in hex, at least `digits` digits. */
static void
put_hex(buffer_t *out, uint64_t value, int digits)
{
    char text[16];
    int n = 0;

    do {
        text[15 - n++] = hex_digits[value & 0xf];
        value >>= 4;
    } while (value != 0 || n < digits);
    put(out, text + 16 - n, (size_t)n);
}

static void
put_unsigned(buffer_t *out, uint64_t value)
{
    char text[20];
    int n = 0;

    do {
        text[19 - n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    put(out, text + 20 - n, (size_t)n);
}

static void
put_signed(buffer_t *out, int64_t value)
{
    if (value < 0) {
        put(out, "-", 1);
        put_unsigned(out, (uint64_t)0 - (uint64_t)value);
    }
    else {
        put_unsigned(out, (uint64_t)value);
    }
}

/* A signed offset like "+16" or "-8", right-aligned in `width`. */
static void
put_offset(buffer_t *out, Py_ssize_t offset, size_t width)
{
    char text[24];
    uint64_t magnitude = offset < 0 ? (uint64_t)0 - (uint64_t)offset
                                    : (uint64_t)offset;
    size_t n = 0;

    do {
        text[23 - n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    text[23 - n++] = offset < 0 ? '-' : '+';
    if (n < width) {
        put_char(out, ' ', width - n);
    }
    put(out, text + 24 - n, n);
}

/* A name or meaning, filled in (see hx_format). */
static void
put_format(buffer_t *out, const char *format, Py_ssize_t a0, Py_ssize_t a1)
{
    char text[1024];

    if (strchr(format, '%') == NULL) {
        puts_(out, format);
        return;
    }
    put(out, text, hx_format(text, sizeof(text), format, a0, a1));
}

/* A str, as UTF-8. */
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
    if (color && code != NULL) {
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
   Values and meanings, as a dump shows them */

/* text (a new reference, or NULL with an exception set, shown as "?"),
   then let go of. */
static void
put_text(buffer_t *out, PyObject *text)
{
    if (text == NULL) {
        PyErr_Clear();
        puts_(out, "?");
        return;
    }
    put_str(out, text);
    Py_DECREF(text);
}

/* The object a pointer field points to: checked as a layout checks an
   object before it uses its type, then shown as values.c says, never by
   running the object's own code. */
static void
put_pointer_to_object(buffer_t *out, hx_LayoutObject *layout,
                      uintptr_t address)
{
    char why[256];
    PyTypeObject *type;

    if (address == 0) {
        puts_(out, "NULL");
        return;
    }
    if (address == (uintptr_t)layout->type
        && !PyType_HasFeature(layout->type, Py_TPFLAGS_HEAPTYPE)) {
        /* The layout's own static type: known, and held by the layout, so
           it needs no check; shown as values.c shows one. */
        puts_(out, "<class '");
        puts_(out, layout->type->tp_name);
        puts_(out, "'>");
        return;
    }
    if (address == (uintptr_t)layout->type) {
        type = Py_TYPE((PyObject *)layout->type);   /* as above */
    }
    else if (!hx_validate_typed_object(address, &type, why, sizeof(why))) {
        puts_(out, "0x");
        put_hex(out, address, 1);
        puts_(out, " (not a live object: ");
        puts_(out, why);
        puts_(out, ")");
        return;
    }
    put_text(out, hx_object_text(address, type, VALUE_LIMIT));
}

static void
put_double(buffer_t *out, double value)
{
    char *text = PyOS_double_to_string(value, 'r', 0, Py_DTSF_ADD_DOT_0,
                                       NULL);

    if (text == NULL) {
        PyErr_Clear();
        puts_(out, "?");
        return;
    }
    puts_(out, text);
    PyMem_Free(text);
}

/* repr(value) of a value hexray made, cut to VALUE_LIMIT characters. */
static void
put_repr(buffer_t *out, PyObject *value)
{
    put_text(out, hx_copy_text(value, VALUE_LIMIT, 1));
}

/* Values kept as Python objects that the engine made (text, bytes, C
   strings): decoded the engine's way. */
static void
put_decoded(buffer_t *out, hx_LayoutObject *layout, const hx_field *f)
{
    PyObject *note, *value = hx_field_value(layout, f, &note);

    if (value == NULL) {
        PyErr_Clear();
        puts_(out, "?");
        return;
    }
    if (note != NULL) {
        put_str(out, note);
        Py_DECREF(note);
    }
    else if (value == Py_None) {
        puts_(out, "NULL");
    }
    else {
        put_repr(out, value);
    }
    Py_DECREF(value);
}

/* One printable ASCII character in place (a str's or a bytes'), written as
   its repr would be, without making the objects: 'a', b'a'.  0 if the
   field is not that. */
static int
put_one_character(buffer_t *out, const hx_field *f, const unsigned char *p)
{
    Py_ssize_t width = f->value == HX_V_TEXT && f->arg0 > 0 ? f->arg0 : 1;
    uint64_t code;
    char text[4];

    if ((f->value != HX_V_TEXT && f->value != HX_V_BYTES)
        || f->size != width) {
        return 0;
    }
    code = hx_unsigned_of(p, width);
    if (code < 0x20 || code >= 0x7f || code == '\'' || code == '\\') {
        return 0;
    }
    if (f->value == HX_V_BYTES) {
        puts_(out, "b");
    }
    text[0] = text[2] = '\'';
    text[1] = (char)code;
    put(out, text, 3);
    return 1;
}

static void
put_value(buffer_t *out, hx_LayoutObject *layout, const hx_field *f)
{
    const unsigned char *p = hx_bytes_of(layout, f);
    uint64_t bits;

    switch (f->value) {
    case HX_V_INT:
    case HX_V_HASH:
    case HX_V_REFCNT:
        put_signed(out, hx_signed_of(p, f->size));
        return;
    case HX_V_UINT:
        put_unsigned(out, hx_unsigned_of(p, f->size));
        return;
    case HX_V_BITS:
        bits = hx_unsigned_of(p, f->size) >> f->bit;
        if (f->width < 64) {
            bits &= ((uint64_t)1 << f->width) - 1;
        }
        put_unsigned(out, bits);
        return;
    case HX_V_HEX:
    case HX_V_ADDRESS:
    case HX_V_FUNCTION:
    case HX_V_TYPE_FLAGS:
        puts_(out, "0x");
        put_hex(out, hx_unsigned_of(p, f->size), 1);
        return;
    case HX_V_FLOAT:
        if (f->size == sizeof(float)) {
            float value;
            memcpy(&value, p, sizeof(value));
            put_double(out, value);
        }
        else {
            double value;
            memcpy(&value, p, sizeof(value));
            put_double(out, value);
        }
        return;
    case HX_V_OBJECT:
        put_pointer_to_object(out, layout,
                              (uintptr_t)hx_unsigned_of(p, f->size));
        return;
    default:
        if (!put_one_character(out, f, p)) {
            put_decoded(out, layout, f);
        }
        return;
    }
}

static void
put_meaning(buffer_t *out, hx_LayoutObject *layout, const hx_field *f)
{
    char buf[HX_MEANING_EXTRA_SIZE];
    const char *extra = hx_meaning_extra(layout, f, buf, sizeof(buf));

    put_format(out, f->meaning, f->arg0, f->arg1);
    if (extra != NULL) {
        puts_(out, "; ");
        puts_(out, extra);
    }
}

static void
put_name(buffer_t *out, const hx_field *f)
{
    if (f->index >= 0) {
        put_format(out, f->name, f->index, 0);
    }
    else {
        puts_(out, f->name);
    }
}

/* "name = value  (meaning)" */
static void
annotate(buffer_t *out, hx_LayoutObject *layout, Py_ssize_t i, int color)
{
    const hx_field *f = &layout->fields[i];
    const char *code = field_colour(layout->fields, i);

    if (code != NULL) {
        colour(out, color, BOLD);
        colour(out, color, code);
        put_name(out, f);
        colour(out, color, RESET);
    }
    if (f->value != HX_V_NONE) {
        puts_(out, " = ");
        put_value(out, layout, f);
    }
    if (f->meaning[0] != '\0') {
        colour(out, color, DIM);
        puts_(out, code != NULL ? "  (" : "(");
        put_meaning(out, layout, f);
        puts_(out, ")");
        colour(out, color, RESET);
    }
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
    puts_(out, "  ");
    put_offset(out, offset, 7);
    puts_(out, "  0x");
    put_hex(out, layout->address + (uintptr_t)offset, 12);
    puts_(out, "  ");
    colour(out, color, RESET);
}

/* Columns of a row: as many characters as the hex of `width` bytes takes,
   with the spaces after it. */
static size_t
hex_column_width(Py_ssize_t width, int bytes_mode)
{
    return bytes_mode ? 3 * (size_t)width + 2 : 2 + 2 * (size_t)width + 2;
}

/* A byte in hex, in the colour of its field. */
static void
put_byte_hex(buffer_t *out, hx_LayoutObject *layout, const Py_ssize_t *owner,
             Py_ssize_t offset)
{
    unsigned char byte = (unsigned char)PyBytes_AS_STRING(layout->raw)
                         [offset - layout->start];
    const char *code = field_colour(layout->fields,
                                    owner[offset - layout->start]);
    char text[2];

    text[0] = hex_digits[byte >> 4];
    text[1] = hex_digits[byte & 0xf];
    colour(out, 1, code);
    put(out, text, 2);
    if (code != NULL) {
        colour(out, 1, RESET);
    }
}

/* The ascii column of a row, each byte in the colour of its field. */
static void
put_ascii(buffer_t *out, hx_LayoutObject *layout, const Py_ssize_t *owner,
          Py_ssize_t from, Py_ssize_t to, Py_ssize_t width)
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
        colour(out, 1, code);
        put(out, &c, 1);
        if (code != NULL) {
            colour(out, 1, RESET);
        }
    }
}

/* The hex and ascii columns of a row, without colours: written in place,
   a row at a time. */
static void
put_plain_columns(buffer_t *out, hx_LayoutObject *layout, Py_ssize_t from,
                  Py_ssize_t to, Py_ssize_t width, int bytes_mode)
{
    const unsigned char *raw = (const unsigned char *)
        PyBytes_AS_STRING(layout->raw) - layout->start;
    size_t hex = hex_column_width(width, bytes_mode);
    char *at = reserve(out, hex + (size_t)width);
    Py_ssize_t k;

    if (at == NULL) {
        return;
    }
    memset(at, ' ', hex + (size_t)width);
    if (!bytes_mode) {
        at[0] = '0';
        at[1] = 'x';
    }
    for (k = from; k < to; k++) {
        unsigned char byte = raw[k];
        /* Bytes left to right; a word's bytes right to left, as the
           little-endian number they make. */
        char *digits = bytes_mode
            ? at + 3 * (k - from) + (k - from >= 8)
            : at + 2 + 2 * (width - 1 - (k - from));
        digits[0] = hex_digits[byte >> 4];
        digits[1] = hex_digits[byte & 0xf];
        at[hex + (size_t)(k - from)] = byte >= 0x20 && byte < 0x7f
                                        ? (char)byte : '.';
    }
}

/* One row: [from, to) of the extent, shown as a little-endian word or as
   bytes; then the fields that start in it, one line each. */
static void
put_row(buffer_t *out, hx_LayoutObject *layout, const Py_ssize_t *owner,
        Py_ssize_t from, Py_ssize_t to, Py_ssize_t width, int bytes_mode,
        int color, Py_ssize_t *next_field)
{
    /* The width of the offset and address columns, then of the words or
       bytes, then of the ascii column. */
    const size_t pad = (2 + 7 + 2 + 14 + 2)
                       + hex_column_width(width, bytes_mode) + (size_t)width;
    Py_ssize_t k, i, lines = 0;

    put_offset_and_address(out, layout, from, color);
    if (!color) {
        put_plain_columns(out, layout, from, to, width, bytes_mode);
    }
    else if (bytes_mode) {
        for (k = from; k < from + width; k++) {
            if (k < to) {
                put_byte_hex(out, layout, owner, k);
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
                put_byte_hex(out, layout, owner, k);
            }
            else {
                puts_(out, "  ");
            }
        }
        puts_(out, "  ");
    }
    if (color) {
        put_ascii(out, layout, owner, from, to, width);
    }
    /* Fields are in address order: those starting in this row are next. */
    for (i = *next_field; i < layout->count; i++) {
        if (layout->fields[i].offset >= to) {
            break;
        }
        if (lines++ > 0) {
            puts_(out, "\n");
            put_char(out, ' ', pad);
        }
        puts_(out, "  ");
        annotate(out, layout, i, color);
    }
    *next_field = i;
    puts_(out, "\n");
}

static void
put_region(buffer_t *out, PyObject *region)
{
    PyObject *path = PyObject_GetAttrString(region, "path");
    PyObject *perms = PyObject_GetAttrString(region, "perms");

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

static void
put_title(buffer_t *out, hx_LayoutObject *layout, int color)
{
    colour(out, color, BOLD);
    puts_(out, layout->title);
    colour(out, color, RESET);
    if (layout->object != NULL) {
        puts_(out, " object");
    }
    puts_(out, " at 0x");
    put_hex(out, layout->address, 1);
    puts_(out, ": ");
    put_unsigned(out, (uint64_t)(layout->end - layout->start));
    puts_(out, " bytes");
    if (layout->start < 0) {
        puts_(out, " (");
        put_unsigned(out, (uint64_t)-layout->start);
        puts_(out, " of them before the object)");
    }
    if (layout->owner != NULL) {
        puts_(out, ", of the ");
        puts_(out, layout->owner_type->tp_name);
        puts_(out, " at 0x");
        put_hex(out, (uintptr_t)layout->owner, 1);
    }
    if (layout->region != NULL && layout->region != Py_None) {
        put_region(out, layout->region);
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
    char name[160];

    colour(out, color, BOLD);
    puts_(out, layout->title);
    colour(out, color, RESET);
    puts_(out, " instances\n");
    puts_(out, "   offset  size  field                     C type\n");
    for (i = 0; i < layout->count; i++) {
        const hx_field *f = &layout->fields[i];
        size_t length;

        puts_(out, "  ");
        put_offset(out, f->offset, 7);
        puts_(out, "  ");
        PyOS_snprintf(name, sizeof(name), "%4zd", f->size);
        puts_(out, name);
        puts_(out, "  ");
        length = hx_format(name, sizeof(name), f->name, f->index, 0);
        colour(out, color, field_colour(layout->fields, i));
        puts_(out, name);
        colour(out, color, field_colour(layout->fields, i) ? RESET : NULL);
        put_char(out, ' ', length < 24 ? 24 - length : 0);
        puts_(out, "  ");
        puts_(out, f->ctype);
        length = strlen(f->ctype);
        put_char(out, ' ', length < 18 ? 18 - length : 0);
        colour(out, color, DIM);
        puts_(out, "  ");
        put_meaning(out, layout, f);
        colour(out, color, RESET);
        puts_(out, "\n");
    }
}

static void
put_rows(buffer_t *out, hx_LayoutObject *layout, int bytes_mode, int color,
         Py_ssize_t max_rows)
{
    const char *label = bytes_mode ? "bytes" : "8-byte word";
    Py_ssize_t width = bytes_mode ? 2 * WORD : WORD, from, rows = 0;
    Py_ssize_t next_field = 0;
    /* Which field each byte belongs to, for colouring bytes by field. */
    Py_ssize_t *owner = color ? owners_of_bytes(layout) : NULL;

    if (color && owner == NULL) {
        out->failed = 1;
        return;
    }
    put_title(out, layout, color);
    colour(out, color, DIM);
    puts_(out, "   offset  address         ");
    puts_(out, label);
    /* Byte mode has one more space, between the halves of a row. */
    put_char(out, ' ', hex_column_width(width, bytes_mode)
                       + (bytes_mode != 0) - strlen(label));
    puts_(out, "ascii");
    put_char(out, ' ', (size_t)width - 5 + 2);
    puts_(out, "field\n");
    colour(out, color, RESET);
    for (from = layout->start; from < layout->end; from += width) {
        Py_ssize_t to = from + width < layout->end ? from + width
                                                   : layout->end;
        if (max_rows >= 0 && rows == max_rows) {
            puts_(out, "  ... ");
            put_unsigned(out, (uint64_t)(layout->end - from));
            puts_(out, " more bytes not shown\n");
            break;
        }
        put_row(out, layout, owner, from, to, width, bytes_mode, color,
                &next_field);
        rows++;
    }
    PyMem_Free(owner);
}

PyObject *
hx_render(hx_LayoutObject *layout, int bytes_mode, int color,
          Py_ssize_t max_rows)
{
    buffer_t out = {NULL, 0, 0, 0};
    PyObject *text;

    if (layout->raw == NULL) {
        put_schema(&out, layout, color);
    }
    else {
        put_rows(&out, layout, bytes_mode, color, max_rows);
    }
    if (out.failed) {
        PyMem_Free(out.data);
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    }
    text = PyUnicode_DecodeUTF8(out.data, (Py_ssize_t)out.length, "replace");
    PyMem_Free(out.data);
    return text;
}
