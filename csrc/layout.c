/* layout.c - the layout engine: builders, the Layout and Field types,
 * following pointers, and layout() itself.
 *
 * layout(obj) picks the describer for obj's type, lets it describe the
 * fields, takes one guarded snapshot of the extent they cover, and returns
 * a Layout.  Field objects are made from the snapshot only when asked for,
 * so looking at one field of a big object costs one field.
 */
#include "layout.h"
#include "render.h"

#include <stdarg.h>
#include <string.h>
#if PY_VERSION_HEX < 0x030C0000
#  include "structmember.h"     /* PyMemberDef; in Python.h from 3.12 */
#endif
#if PY_VERSION_HEX < 0x030B0000
#  include "frameobject.h"      /* PyFrame_Type; in Python.h from 3.11 */
#endif

/* Bytes shown of memory that holds no object, unless asked for more. */
#define RAW_DEFAULT_SIZE 64

/* No part of an object lies further than this from its start: the 47-bit
   user address space.  Counts read from memory that put a field further
   away are no object's. */
#define MAX_DISTANCE ((Py_ssize_t)1 << 47)

static PyTypeObject LayoutType;
static PyTypeObject FieldType;


/* ----------------------------------------------------------------------
   Building */

hx_field *
hx_add(hx_builder *b, Py_ssize_t offset, Py_ssize_t size, const char *name,
       const char *ctype, hx_value_kind value, const char *meaning)
{
    hx_field *field;

    if (size < 0 || size > MAX_DISTANCE || offset < -MAX_DISTANCE
        || offset > MAX_DISTANCE) {
        PyErr_Format(hx_HexrayError, "the memory at %p puts its %s %zd "
                     "bytes away, %zd bytes long: no object is that big",
                     (void *)b->address, name[0] ? name : "bytes", offset,
                     size);
        return NULL;
    }
    if (b->count == b->capacity) {
        Py_ssize_t capacity = b->capacity ? 2 * b->capacity : 16;
        hx_field *bigger = PyMem_Realloc(b->fields,
                                         (size_t)capacity * sizeof(hx_field));
        if (bigger == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        b->fields = bigger;
        b->capacity = capacity;
    }
    field = &b->fields[b->count++];
    memset(field, 0, sizeof(*field));
    field->offset = offset;
    field->size = size;
    field->name = name;
    field->index = -1;
    field->ctype = ctype;
    field->meaning = meaning;
    field->value = value;
    if (value == HX_V_OBJECT) {
        field->follow.describe = hx_follow_object;
    }
    hx_cover(b, offset, offset + size);
    return field;
}

hx_field *
hx_add_indexed(hx_builder *b, Py_ssize_t offset, Py_ssize_t size,
               const char *name, Py_ssize_t index, const char *ctype,
               hx_value_kind value, const char *meaning)
{
    hx_field *f = hx_add(b, offset, size, name, ctype, value, meaning);

    if (f != NULL) {
        f->index = index;
        f->arg0 = index;
    }
    return f;
}

hx_field *
hx_add_member(hx_builder *b, const hx_member *row)
{
    return hx_add(b, row->offset, row->size, row->name, row->ctype,
                  row->value, row->meaning);
}

int
hx_add_members(hx_builder *b, const hx_member *table, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        if (hx_add_member(b, &table[i]) == NULL) {
            return -1;
        }
    }
    return 0;
}

hx_field *
hx_field_named(hx_builder *b, const char *name)
{
    Py_ssize_t i;

    for (i = 0; i < b->count; i++) {
        if (b->fields[i].index < 0 && strcmp(b->fields[i].name, name) == 0) {
            return &b->fields[i];
        }
    }
    return NULL;
}

const char *
hx_kept_name(hx_builder *b, PyObject *name)
{
    const char *text;

    if (name == NULL || !PyUnicode_CheckExact(name)
        || PyUnicode_IsIdentifier(name) != 1) {
        return NULL;
    }
    text = PyUnicode_AsUTF8(name);
    return text == NULL ? NULL : hx_keep(b, "%s", text);
}

void
hx_set_follow(hx_field *f, hx_describe_fn describe, const char *title,
              Py_ssize_t count, Py_ssize_t aux)
{
    f->follow.describe = describe;
    f->follow.title = title;
    f->follow.count = count;
    f->follow.aux = aux;
}

int
hx_fetch(hx_builder *b, Py_ssize_t offset, void *dst, size_t size)
{
    if (b->schema) {
        PyErr_SetString(PyExc_SystemError,
                        "a type's schema has no memory to read");
        return -1;
    }
    return hx_read_at(b->address + (uintptr_t)offset, dst, size);
}

int
hx_read_at(uintptr_t address, void *dst, size_t size)
{
    hx_fault fault;

    if (hx_read(dst, address, size, &fault) < 0) {
        hx_raise_fault(address, size, HX_READ, &fault);
        return -1;
    }
    return 0;
}

int
hx_fetch_owner(hx_builder *b, void *dst, size_t size)
{
    return hx_read_at(b->owner, dst, size);
}

int
hx_wrong_owner(hx_builder *b, const char *what)
{
    PyErr_Format(PyExc_TypeError, "a %s is described for the %s that owns "
                 "it", b->kind, what);
    return -1;
}

int
hx_check_owner(hx_builder *b, PyTypeObject *base)
{
    if (b->owner == 0 || b->owner_type == NULL
        || !PyType_IsSubtype(b->owner_type, base)) {
        return hx_wrong_owner(b, base->tp_name);
    }
    return 0;
}

void
hx_cover(hx_builder *b, Py_ssize_t start, Py_ssize_t end)
{
    if (b->start == b->end) {
        b->start = start;
        b->end = end;
        return;
    }
    if (start < b->start) {
        b->start = start;
    }
    if (end > b->end) {
        b->end = end;
    }
}

int
hx_add_unnamed(hx_builder *b, Py_ssize_t start, Py_ssize_t end,
               const char *meaning)
{
    const Py_ssize_t word = sizeof(void *);
    Py_ssize_t words = 0;

    while (start < end) {
        if (++words > HX_MAX_DESCRIBED_ITEMS) {
            /* So many words: the rest is one field. */
            return hx_add(b, start, end - start, "", "", HX_V_NONE,
                          meaning) == NULL ? -1 : 0;
        }
        /* Up to the next word boundary, so each dumped word gets its own
           annotation. */
        Py_ssize_t stop = (start / word + 1) * word;

        if (stop > end) {
            stop = end;
        }
        if (hx_add(b, start, stop - start, "", "", HX_V_NONE,
                   meaning) == NULL) {
            return -1;
        }
        start = stop;
    }
    return 0;
}

Py_ssize_t
hx_shown(Py_ssize_t count)
{
    return Py_MAX(Py_MIN(count, HX_MAX_DESCRIBED_ITEMS), 0);
}

int
hx_add_rest(hx_builder *b, Py_ssize_t offset, Py_ssize_t size,
            Py_ssize_t rest, const char *meaning)
{
    hx_field *f;

    if (rest <= 0) {
        return 0;
    }
    f = hx_add(b, offset, size, "", "", HX_V_NONE, meaning);
    if (f == NULL) {
        return -1;
    }
    f->arg0 = rest;
    return 0;
}

int
hx_end_run(hx_builder *b, const hx_run *run)
{
    Py_ssize_t count = Py_MAX(run->count, 0), shown = hx_shown(count);
    Py_ssize_t unused, spare;

    if (count > shown) {
        return hx_add_rest(b, run->offset + shown * run->unit, run->unit,
                           count - shown, run->rest);
    }
    unused = run->room > count ? run->room - count : 0;
    if (run->spare == NULL || unused == 0) {
        return 0;
    }
    spare = Py_MIN(unused, HX_MAX_DESCRIBED_ITEMS - shown);
    if (spare > 0
        && hx_add_unnamed(b, run->offset + count * run->unit,
                          run->offset + (count + spare) * run->unit,
                          run->spare) < 0) {
        return -1;
    }
    return hx_add_rest(b, run->offset + (count + spare) * run->unit,
                       run->unit, unused - spare, run->spare_rest);
}

/* Never called: marks fields whose pointer leads to an object, whose
   layout is then made the usual way. */
static int
follow_object_marker(hx_builder *Py_UNUSED(b))
{
    return 0;
}

const hx_describe_fn hx_follow_object = follow_object_marker;

/* ----------------------------------------------------------------------
   Text made at run time, and the format language of names and meanings */

struct hx_text_chunk {
    hx_text_chunk *next;
    size_t used, size;
    char text[];
};

#define TEXT_CHUNK_SIZE 4096

static char *
text_room(hx_builder *b, size_t length)
{
    hx_text_chunk *chunk = b->texts;

    if (chunk == NULL || chunk->size - chunk->used < length) {
        size_t size = length > TEXT_CHUNK_SIZE ? length : TEXT_CHUNK_SIZE;
        chunk = PyMem_Malloc(sizeof(hx_text_chunk) + size);
        if (chunk == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        chunk->next = b->texts;
        chunk->used = 0;
        chunk->size = size;
        b->texts = chunk;
    }
    chunk->used += length;
    return chunk->text + chunk->used - length;
}

static void
free_texts(hx_text_chunk *chunk)
{
    while (chunk != NULL) {
        hx_text_chunk *next = chunk->next;
        PyMem_Free(chunk);
        chunk = next;
    }
}

const char *
hx_keep(hx_builder *b, const char *format, ...)
{
    char text[512], *kept;
    size_t length;
    va_list args;

    va_start(args, format);
    PyOS_vsnprintf(text, sizeof(text), format, args);
    va_end(args);
    length = strlen(text);
    kept = text_room(b, length + 1);
    if (kept != NULL) {
        memcpy(kept, text, length + 1);
    }
    return kept;
}

/* value in decimal, at the end of number[24]; returns where it starts. */
static const char *
decimal(char number[24], Py_ssize_t value)
{
    size_t magnitude = value < 0 ? (size_t)0 - (size_t)value : (size_t)value;
    char *at = number + 24;

    do {
        *--at = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0) {
        *--at = '-';
    }
    return at;
}

size_t
hx_format(char *dst, size_t cap, const char *format, Py_ssize_t a0,
          Py_ssize_t a1)
{
    Py_ssize_t args[2];
    size_t length = 0;
    int used = 0;

    args[0] = a0;
    args[1] = a1;
    while (length + 1 < cap) {
        const char *percent = strchr(format, '%');
        size_t run = percent ? (size_t)(percent - format) : strlen(format);
        char number[24];

        /* The text up to the next directive, then the directive. */
        if (run > cap - 1 - length) {
            run = cap - 1 - length;
        }
        memcpy(dst + length, format, run);
        length += run;
        if (percent == NULL || length + 1 >= cap) {
            break;
        }
        if (strncmp(percent, "%zd", 3) == 0) {
            const char *digits = decimal(number, args[used < 2 ? used : 1]);
            size_t n = (size_t)(number + sizeof(number) - digits);

            used++;
            n = n < cap - 1 - length ? n : cap - 1 - length;
            memcpy(dst + length, digits, n);
            length += n;
            format = percent + 3;
        }
        else {
            dst[length++] = '%';    /* "%%", or a lone '%' */
            format = percent + (percent[1] == '%' ? 2 : 1);
        }
    }
    dst[length] = '\0';
    return length;
}


/* Fields in address order; fields at the same offset (bit fields) keep
   the order they were described in.  Describers add them nearly in order,
   so an insertion sort does little work. */
static void
sort_fields(hx_builder *b)
{
    Py_ssize_t i, j;

    for (i = 1; i < b->count; i++) {
        hx_field moving = b->fields[i];

        for (j = i; j > 0 && b->fields[j - 1].offset > moving.offset; j--) {
            b->fields[j] = b->fields[j - 1];
        }
        b->fields[j] = moving;
    }
}

static void
builder_clear(hx_builder *b)
{
    PyMem_Free(b->fields);
    b->fields = NULL;
    b->count = b->capacity = 0;
    free_texts(b->texts);
    b->texts = NULL;
}


/* ----------------------------------------------------------------------
   The header, and what the allocator put before it */

/* Whether this object (or, for a schema, instances of this type) carries
   a GC header.  Where that is unknown (see hx_has_gc_header), it is taken
   to carry one. */
static int
has_gc_header(hx_builder *b)
{
    int gc;

    if (b->schema) {
        return PyType_HasFeature(b->type, Py_TPFLAGS_HAVE_GC);
    }
    gc = hx_has_gc_header(b->address, b->type);
    return gc < 0 ? 1 : gc;
}

static int
describe_gc_header(hx_builder *b)
{
    Py_ssize_t head = -(Py_ssize_t)hx_gc_head_size();
    hx_field *next, *prev;

    next = hx_add(b, head + (Py_ssize_t)hx_gc_next_offset(),
                  sizeof(uintptr_t), "_gc_next", "uintptr_t", HX_V_ADDRESS,
                  "GC header: the next object the collector tracks "
                  "(0: not tracked)");
    prev = hx_add(b, head + (Py_ssize_t)hx_gc_prev_offset(),
                  sizeof(uintptr_t), "_gc_prev", "uintptr_t", HX_V_HEX,
                  "GC header: the previous tracked object; low 2 bits are "
                  "flags (1: finalized, 2: being collected)");
    return next == NULL || prev == NULL ? -1 : 0;
}

static int
describe_preheader(hx_builder *b)
{
    size_t before = hx_preheader_size(b->type);
    int gc = has_gc_header(b);

    if (gc && describe_gc_header(b) < 0) {
        return -1;
    }
    if (before > (PyType_HasFeature(b->type, Py_TPFLAGS_HAVE_GC)
                  ? hx_gc_head_size() : 0)) {
        return hx_describe_managed(b);
    }
    return 0;
}

int
hx_describe_header(hx_builder *b, int with_ob_size)
{
    hx_field *type;

    if (describe_preheader(b) < 0
        || HX_MEMBER(b, PyObject, ob_refcnt, "Py_ssize_t", HX_V_REFCNT,
                     "number of references to this object") == NULL) {
        return -1;
    }
    type = HX_MEMBER(b, PyObject, ob_type, "PyTypeObject *", HX_V_OBJECT,
                     "the object's type");
    if (type == NULL) {
        return -1;
    }
    type->follow.on_request = 1;
    if (with_ob_size
        && HX_MEMBER(b, PyVarObject, ob_size, "Py_ssize_t", HX_V_INT,
                     "number of items") == NULL) {
        return -1;
    }
    return 0;
}


/* ----------------------------------------------------------------------
   What a subclass adds to its builtin base */

hx_field *
hx_field_over(hx_builder *b, Py_ssize_t offset)
{
    Py_ssize_t i;

    for (i = 0; i < b->count; i++) {
        hx_field *f = &b->fields[i];
        if (f->offset <= offset && offset < f->offset + f->size) {
            return f;
        }
    }
    return NULL;
}

int
hx_fill_gaps(hx_builder *b, Py_ssize_t start, Py_ssize_t end,
             const char *meaning)
{
    while (start < end) {
        Py_ssize_t stop = start;
        hx_field *f;

        while (stop < end && hx_field_over(b, stop) == NULL) {
            stop++;
        }
        if (stop > start && hx_add_unnamed(b, start, stop, meaning) < 0) {
            return -1;
        }
        start = stop;
        while (start < end && (f = hx_field_over(b, start)) != NULL) {
            start = f->offset + f->size;
        }
    }
    return 0;
}

int
hx_describe_extras(hx_builder *b, Py_ssize_t base_size)
{
    PyTypeObject *type = b->type;
    Py_ssize_t size = type->tp_basicsize;

    /* __slots__ and other PyMemberDefs (layout_types.c) */
    if (hx_describe_members(b, base_size) < 0) {
        return -1;
    }
    if (type->tp_dictoffset > 0
        && hx_field_over(b, type->tp_dictoffset) == NULL
        && hx_add(b, type->tp_dictoffset, sizeof(PyObject *), "__dict__",
                  "PyObject *", HX_V_OBJECT,
                  "the instance's attribute dict (NULL until needed)")
           == NULL) {
        return -1;
    }
    if (type->tp_weaklistoffset > 0
        && hx_field_over(b, type->tp_weaklistoffset) == NULL
        && hx_add(b, type->tp_weaklistoffset, sizeof(PyObject *),
                  "__weakref__", "PyObject *", HX_V_OBJECT,
                  "the list of weak references to the instance") == NULL) {
        return -1;
    }
    /* A var-sized instance may keep its __dict__ after its items; the
       word tp_basicsize counts for it is then not past the base. */
    switch (hx_describe_var_dict(b)) {
    case -1:
        return -1;
    case 1:
        size = base_size;
        break;
    default:
        break;
    }
    /* Whatever else lies past the base: bytes with no public name. */
    if (hx_fill_gaps(b, base_size, size,
                     "part of the instance, no public name") < 0) {
        return -1;
    }
    /* 3.13: attribute values inside the object, past tp_basicsize */
    return hx_describe_inline_values(b);
}


/* ----------------------------------------------------------------------
   Which describer */

static int
is_exactly(PyTypeObject *type, PyObject *singleton)
{
    return type == Py_TYPE(singleton);
}

static hx_describe_fn
describer_for(PyTypeObject *type)
{
    static const struct {
        unsigned long flag;
        hx_describe_fn describe;
    } by_flag[] = {
        {Py_TPFLAGS_LONG_SUBCLASS, hx_describe_int},
        {Py_TPFLAGS_UNICODE_SUBCLASS, hx_describe_str},
        {Py_TPFLAGS_BYTES_SUBCLASS, hx_describe_bytes},
        {Py_TPFLAGS_TUPLE_SUBCLASS, hx_describe_tuple},
        {Py_TPFLAGS_LIST_SUBCLASS, hx_describe_list},
        {Py_TPFLAGS_DICT_SUBCLASS, hx_describe_dict},
        {Py_TPFLAGS_TYPE_SUBCLASS, hx_describe_type},
    };
    static const struct {
        PyTypeObject *base;
        hx_describe_fn describe;
    } by_base[] = {
        {&PyFloat_Type, hx_describe_float},
        {&PyComplex_Type, hx_describe_complex},
        {&PyByteArray_Type, hx_describe_bytearray},
        {&PySet_Type, hx_describe_set},
        {&PyFrozenSet_Type, hx_describe_set},
        {&PyRange_Type, hx_describe_range},
        {&PySlice_Type, hx_describe_slice},
        {&PyFunction_Type, hx_describe_function},
        {&PyCode_Type, hx_describe_code},
        {&PyFrame_Type, hx_describe_frame},
        {&PyModule_Type, hx_describe_module},
    };
    size_t i;

    for (i = 0; i < Py_ARRAY_LENGTH(by_flag); i++) {
        if (PyType_HasFeature(type, by_flag[i].flag)) {
            return by_flag[i].describe;
        }
    }
    for (i = 0; i < Py_ARRAY_LENGTH(by_base); i++) {
        if (PyType_IsSubtype(type, by_base[i].base)) {
            return by_base[i].describe;
        }
    }
    if (hx_is_array_type(type)) {
        return hx_describe_array;
    }
    if (is_exactly(type, Py_None) || is_exactly(type, Py_Ellipsis)
        || is_exactly(type, Py_NotImplemented)) {
        return hx_describe_singleton;
    }
    return hx_describe_instance;
}

/* Describe the object at b->address (or a type's schema) into b. */
static int
describe_object(hx_builder *b)
{
    b->kind = "object";
    return describer_for(b->type)(b);
}


/* ----------------------------------------------------------------------
   Decoding a field from the snapshot */

const unsigned char *
hx_bytes_of(hx_LayoutObject *layout, const hx_field *f)
{
    return (const unsigned char *)PyBytes_AS_STRING(layout->raw)
           + (f->offset - layout->start);
}

/* The field's bytes as an unsigned integer (native order). */
uint64_t
hx_unsigned_of(const unsigned char *p, Py_ssize_t size)
{
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;

    switch (size) {
    case 1: memcpy(&u8, p, 1); return u8;
    case 2: memcpy(&u16, p, 2); return u16;
    case 4: memcpy(&u32, p, 4); return u32;
    default:
        /* Other sizes: the low bytes of a little-endian word. */
        u64 = 0;
        memcpy(&u64, p, size < 8 ? (size_t)size : 8);
        return u64;
    }
}

int64_t
hx_signed_of(const unsigned char *p, Py_ssize_t size)
{
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;

    switch (size) {
    case 1: memcpy(&i8, p, 1); return i8;
    case 2: memcpy(&i16, p, 2); return i16;
    case 4: memcpy(&i32, p, 4); return i32;
    case 8: memcpy(&i64, p, 8); return i64;
    default:
        return (int64_t)hx_unsigned_of(p, size);
    }
}

static PyObject *
decode_object(uintptr_t address, PyObject **note)
{
    char why[256];
    PyTypeObject *type;

    if (address == 0) {
        Py_RETURN_NONE;
    }
    if (!hx_validate_typed_object(address, &type, why, sizeof(why))) {
        *note = PyUnicode_FromFormat("not a live object: %s", why);
        Py_RETURN_NONE;
    }
    return Py_NewRef((PyObject *)address);
}

/* The bytes of a C string a field shows at most (a docstring fits). */
#define CSTRING_MAX 8192

static PyObject *
decode_cstring(uintptr_t address, PyObject **note)
{
    char *text;
    hx_fault fault;
    long length;
    PyObject *decoded;

    if (address == 0) {
        Py_RETURN_NONE;
    }
    text = PyMem_Malloc(CSTRING_MAX);
    if (text == NULL) {
        return PyErr_NoMemory();
    }
    length = hx_read_cstring(text, CSTRING_MAX, address, &fault);
    if (length < 0) {
        PyMem_Free(text);
        *note = PyUnicode_FromString("the text it points to is unreadable");
        Py_RETURN_NONE;
    }
    decoded = PyUnicode_DecodeUTF8(text, length, "replace");
    if (decoded != NULL && length == CSTRING_MAX - 1) {
        *note = PyUnicode_FromFormat("cut at %ld bytes: no NUL ends the "
                                     "text before that", length);
        if (*note == NULL) {
            Py_CLEAR(decoded);
        }
    }
    PyMem_Free(text);
    return decoded;
}

int
hx_valid_characters(const unsigned char *p, Py_ssize_t count, int width)
{
    Py_ssize_t i;
    uint32_t c;

    if (width != 1 && width != 2 && width != 4) {
        return 0;
    }
    for (i = 0; width == 4 && i < count; i++) {
        memcpy(&c, p + i * 4, sizeof(c));
        if (c > 0x10FFFF) {
            return 0;
        }
    }
    return 1;
}

static PyObject *
decode_text(const unsigned char *p, const hx_field *f, PyObject **note)
{
    int width = f->arg0 > 0 ? (int)f->arg0 : 1;
    Py_ssize_t count = f->size / width;

    if (!hx_valid_characters(p, count, width)) {
        *note = PyUnicode_FromString("not valid characters");
        Py_RETURN_NONE;
    }
    return PyUnicode_FromKindAndData(width, p, count);
}

PyObject *
hx_field_value(hx_LayoutObject *layout, const hx_field *f, PyObject **note)
{
    const unsigned char *p;
    uint64_t bits;

    *note = NULL;
    if (layout->raw == NULL) {
        Py_RETURN_NONE;     /* a schema has no values */
    }
    p = hx_bytes_of(layout, f);
    switch (f->value) {
    case HX_V_INT:
    case HX_V_HASH:
        return PyLong_FromLongLong(hx_signed_of(p, f->size));
    case HX_V_UINT:
    case HX_V_HEX:
    case HX_V_TYPE_FLAGS:
    case HX_V_ADDRESS:
    case HX_V_FUNCTION:
        return PyLong_FromUnsignedLongLong(hx_unsigned_of(p, f->size));
    case HX_V_REFCNT:
        return PyLong_FromSsize_t((Py_ssize_t)hx_signed_of(p, f->size));
    case HX_V_FLOAT:
        if (f->size == sizeof(float)) {
            float value;
            memcpy(&value, p, sizeof(value));
            return PyFloat_FromDouble(value);
        }
        else {
            double value;
            memcpy(&value, p, sizeof(value));
            return PyFloat_FromDouble(value);
        }
    case HX_V_OBJECT:
        return decode_object((uintptr_t)hx_unsigned_of(p, f->size), note);
    case HX_V_CSTRING:
        return decode_cstring((uintptr_t)hx_unsigned_of(p, f->size), note);
    case HX_V_TEXT:
        return decode_text(p, f, note);
    case HX_V_BYTES:
        return PyBytes_FromStringAndSize((const char *)p, f->size);
    case HX_V_BITS:
        bits = hx_unsigned_of(p, f->size) >> f->bit;
        if (f->width < 64) {
            bits &= ((uint64_t)1 << f->width) - 1;
        }
        return PyLong_FromUnsignedLongLong(bits);
    case HX_V_NONE:
    default:
        Py_RETURN_NONE;
    }
}

/* A name or meaning, filled in, as a str. */
static PyObject *
formatted(const char *format, Py_ssize_t a0, Py_ssize_t a1)
{
    char text[1024];
    size_t length = hx_format(text, sizeof(text), format, a0, a1);

    return PyUnicode_DecodeUTF8(text, (Py_ssize_t)length, "replace");
}

PyObject *
hx_field_name(const hx_field *f)
{
    return formatted(f->name, f->index, 0);
}

/* Names of the Py_TPFLAGS_* bits this CPython defines. */
static const struct {
    unsigned long flag;
    const char *name;
} type_flags[] = {
#ifdef Py_TPFLAGS_INLINE_VALUES
    {Py_TPFLAGS_INLINE_VALUES, "INLINE_VALUES"},
#endif
#ifdef Py_TPFLAGS_MANAGED_WEAKREF
    {Py_TPFLAGS_MANAGED_WEAKREF, "MANAGED_WEAKREF"},
#endif
#ifdef Py_TPFLAGS_MANAGED_DICT
    {Py_TPFLAGS_MANAGED_DICT, "MANAGED_DICT"},
#endif
#ifdef Py_TPFLAGS_SEQUENCE
    {Py_TPFLAGS_SEQUENCE, "SEQUENCE"},
    {Py_TPFLAGS_MAPPING, "MAPPING"},
#endif
#ifdef Py_TPFLAGS_DISALLOW_INSTANTIATION
    {Py_TPFLAGS_DISALLOW_INSTANTIATION, "DISALLOW_INSTANTIATION"},
#endif
#ifdef Py_TPFLAGS_IMMUTABLETYPE
    {Py_TPFLAGS_IMMUTABLETYPE, "IMMUTABLETYPE"},
#endif
    {Py_TPFLAGS_HEAPTYPE, "HEAPTYPE"},
    {Py_TPFLAGS_BASETYPE, "BASETYPE"},
    {Py_TPFLAGS_HAVE_VECTORCALL, "HAVE_VECTORCALL"},
    {Py_TPFLAGS_READY, "READY"},
    {Py_TPFLAGS_READYING, "READYING"},
    {Py_TPFLAGS_HAVE_GC, "HAVE_GC"},
    {Py_TPFLAGS_METHOD_DESCRIPTOR, "METHOD_DESCRIPTOR"},
    {Py_TPFLAGS_IS_ABSTRACT, "IS_ABSTRACT"},
#ifdef Py_TPFLAGS_ITEMS_AT_END
    {Py_TPFLAGS_ITEMS_AT_END, "ITEMS_AT_END"},
#endif
#ifdef _Py_TPFLAGS_MATCH_SELF
    {_Py_TPFLAGS_MATCH_SELF, "_MATCH_SELF"},
#endif
    {Py_TPFLAGS_VALID_VERSION_TAG, "VALID_VERSION_TAG"},
    {Py_TPFLAGS_HAVE_VERSION_TAG, "HAVE_VERSION_TAG"},
#ifdef _Py_TPFLAGS_STATIC_BUILTIN
    {_Py_TPFLAGS_STATIC_BUILTIN, "_STATIC_BUILTIN"},
#endif
    {Py_TPFLAGS_HAVE_FINALIZE, "HAVE_FINALIZE"},
    {Py_TPFLAGS_LONG_SUBCLASS, "LONG_SUBCLASS"},
    {Py_TPFLAGS_LIST_SUBCLASS, "LIST_SUBCLASS"},
    {Py_TPFLAGS_TUPLE_SUBCLASS, "TUPLE_SUBCLASS"},
    {Py_TPFLAGS_BYTES_SUBCLASS, "BYTES_SUBCLASS"},
    {Py_TPFLAGS_UNICODE_SUBCLASS, "UNICODE_SUBCLASS"},
    {Py_TPFLAGS_DICT_SUBCLASS, "DICT_SUBCLASS"},
    {Py_TPFLAGS_BASE_EXC_SUBCLASS, "BASE_EXC_SUBCLASS"},
    {Py_TPFLAGS_TYPE_SUBCLASS, "TYPE_SUBCLASS"},
};

/* The names of the set bits of tp_flags, joined by "|", into buf. */
static void
flag_names(unsigned long flags, char *buf, size_t size)
{
    size_t i, used = 0;

    buf[0] = '\0';
    for (i = 0; i < Py_ARRAY_LENGTH(type_flags) && used < size; i++) {
        if (flags & type_flags[i].flag) {
            int n = PyOS_snprintf(buf + used, size - used, "%s%s",
                                  used ? "|" : "", type_flags[i].name);

            used += n > 0 ? (size_t)n : 0;
        }
    }
}

const char *
hx_meaning_extra(hx_LayoutObject *layout, const hx_field *f, char *buf,
                 size_t size)
{
    uint64_t value;

    if (layout->raw == NULL
        || (f->value != HX_V_TYPE_FLAGS && f->value != HX_V_REFCNT)) {
        return NULL;
    }
    value = hx_unsigned_of(hx_bytes_of(layout, f), f->size);
    if (f->value == HX_V_TYPE_FLAGS) {
        flag_names((unsigned long)value, buf, size);
        return buf;
    }
#if PY_VERSION_HEX >= 0x030C0000
    if ((int32_t)(uint32_t)value < 0) {
        return "immortal: the count is pinned and never changes";
    }
#endif
    return NULL;
}

PyObject *
hx_field_meaning(hx_LayoutObject *layout, const hx_field *f)
{
    char buf[HX_MEANING_EXTRA_SIZE];
    PyObject *meaning = formatted(f->meaning, f->arg0, f->arg1), *joined;
    const char *extra = hx_meaning_extra(layout, f, buf, sizeof(buf));

    if (meaning == NULL || extra == NULL) {
        return meaning;
    }
    joined = PyUnicode_FromFormat("%U; %s", meaning, extra);
    Py_DECREF(meaning);
    return joined;
}


/* ----------------------------------------------------------------------
   Field: one field of a Layout, made on demand */

typedef struct {
    PyObject_HEAD
    hx_LayoutObject *layout;    /* owned */
    Py_ssize_t index;           /* into layout->fields */
    PyObject *value;            /* decoded on first use */
    PyObject *note;
} FieldObject;

static const hx_field *
field_of(FieldObject *self)
{
    return &self->layout->fields[self->index];
}

static PyObject *
new_field(hx_LayoutObject *layout, Py_ssize_t index)
{
    FieldObject *self = PyObject_GC_New(FieldObject, &FieldType);

    if (self == NULL) {
        return NULL;
    }
    self->layout = (hx_LayoutObject *)Py_NewRef((PyObject *)layout);
    self->index = index;
    self->value = NULL;
    self->note = NULL;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int
field_decode(FieldObject *self)
{
    if (self->value == NULL) {
        self->value = hx_field_value(self->layout, field_of(self),
                                     &self->note);
    }
    return self->value == NULL ? -1 : 0;
}

static int
Field_traverse(FieldObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->layout);
    Py_VISIT(self->value);
    return 0;
}

static int
Field_clear(FieldObject *self)
{
    Py_CLEAR(self->layout);
    Py_CLEAR(self->value);
    Py_CLEAR(self->note);
    return 0;
}

static void
Field_dealloc(FieldObject *self)
{
    PyObject_GC_UnTrack(self);
    Field_clear(self);
    PyObject_GC_Del(self);
}

static PyObject *
Field_get_name(FieldObject *self, void *Py_UNUSED(closure))
{
    return hx_field_name(field_of(self));
}

static PyObject *
Field_get_offset(FieldObject *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(field_of(self)->offset);
}

static PyObject *
Field_get_size(FieldObject *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(field_of(self)->size);
}

static PyObject *
Field_get_address(FieldObject *self, void *Py_UNUSED(closure))
{
    if (self->layout->raw == NULL) {
        Py_RETURN_NONE;
    }
    return PyLong_FromSize_t((size_t)(self->layout->address
                                      + (uintptr_t)field_of(self)->offset));
}

static PyObject *
Field_get_ctype(FieldObject *self, void *Py_UNUSED(closure))
{
    return PyUnicode_FromString(field_of(self)->ctype);
}

static PyObject *
Field_get_raw(FieldObject *self, void *Py_UNUSED(closure))
{
    const hx_field *f = field_of(self);

    if (self->layout->raw == NULL) {
        Py_RETURN_NONE;
    }
    return PyBytes_FromStringAndSize(
        (const char *)hx_bytes_of(self->layout, f), f->size);
}

static PyObject *
Field_get_value(FieldObject *self, void *Py_UNUSED(closure))
{
    return field_decode(self) < 0 ? NULL : Py_NewRef(self->value);
}

static PyObject *
Field_get_note(FieldObject *self, void *Py_UNUSED(closure))
{
    if (field_decode(self) < 0) {
        return NULL;
    }
    return Py_NewRef(self->note != NULL ? self->note : Py_None);
}

static PyObject *
Field_get_meaning(FieldObject *self, void *Py_UNUSED(closure))
{
    if (field_decode(self) < 0) {
        return NULL;
    }
    return hx_field_meaning(self->layout, field_of(self));
}

static int
is_pointer(const hx_field *f)
{
    return f->value == HX_V_OBJECT || f->value == HX_V_ADDRESS
           || f->value == HX_V_FUNCTION || f->value == HX_V_CSTRING;
}

static PyObject *
Field_get_pointer(FieldObject *self, void *Py_UNUSED(closure))
{
    const hx_field *f = field_of(self);

    if (!is_pointer(f) || self->layout->raw == NULL) {
        Py_RETURN_NONE;
    }
    return PyLong_FromUnsignedLongLong(
        hx_unsigned_of(hx_bytes_of(self->layout, f), f->size));
}

static PyObject *
Field_get_follows(FieldObject *self, void *Py_UNUSED(closure))
{
    const hx_field *f = field_of(self);

    if (f->follow.describe == NULL) {
        Py_RETURN_NONE;
    }
    if (f->follow.describe == hx_follow_object) {
        return PyUnicode_FromString("object");
    }
    return PyUnicode_FromString(f->follow.title);
}

static PyObject *
Field_get_on_request(FieldObject *self, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(field_of(self)->follow.on_request);
}

static PyObject *
Field_get_bits(FieldObject *self, void *Py_UNUSED(closure))
{
    const hx_field *f = field_of(self);

    if (f->value != HX_V_BITS) {
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(ii)", f->bit, f->width);
}

static PyObject *
Field_repr(FieldObject *self)
{
    const hx_field *f = field_of(self);
    PyObject *name = hx_field_name(f), *repr;
    char where[64];

    if (name == NULL) {
        return NULL;
    }
    /* PyUnicode_FromFormat() knows no %+zd. */
    PyOS_snprintf(where, sizeof(where), "%+zd, %zd byte%s", f->offset,
                  f->size, f->size == 1 ? "" : "s");
    repr = PyUnicode_FromFormat("<hexray.Field %R at %s>", name, where);
    Py_DECREF(name);
    return repr;
}

static PyObject *Layout_follow_field(hx_LayoutObject *layout,
                                     const hx_field *f);

PyDoc_STRVAR(Field_follow_doc,
"follow()\n--\n\n"
"The Layout of the memory this pointer field points to.");

static PyObject *
Field_follow(FieldObject *self, PyObject *Py_UNUSED(unused))
{
    return Layout_follow_field(self->layout, field_of(self));
}

static PyGetSetDef Field_getset[] = {
    {"name", (getter)Field_get_name, NULL,
     "The C name of the field ('' for bytes with no public name).", NULL},
    {"offset", (getter)Field_get_offset, NULL,
     "Offset from the start of the object (negative before it).", NULL},
    {"size", (getter)Field_get_size, NULL, "Size in bytes.", NULL},
    {"address", (getter)Field_get_address, NULL,
     "Where the field is in memory (None in a schema).", NULL},
    {"ctype", (getter)Field_get_ctype, NULL, "The field's C type.", NULL},
    {"raw", (getter)Field_get_raw, NULL, "The field's bytes.", NULL},
    {"value", (getter)Field_get_value, NULL,
     "The decoded value: an int, a str, the object pointed to...", NULL},
    {"note", (getter)Field_get_note, NULL,
     "What was wrong with the memory, if the value could not be decoded.",
     NULL},
    {"meaning", (getter)Field_get_meaning, NULL,
     "What the field means, in one line.", NULL},
    {"pointer", (getter)Field_get_pointer, NULL,
     "The address a pointer field holds; None for other fields.", NULL},
    {"follows", (getter)Field_get_follows, NULL,
     "What follow() leads to ('object', or a block's name), or None.",
     NULL},
    {"on_request", (getter)Field_get_on_request, NULL,
     "Whether dump(follow=...) leaves this pointer alone (ob_type): it is "
     "followed only when asked for by name.", NULL},
    {"bits", (getter)Field_get_bits, NULL,
     "(first bit, width) for a bit field, else None.", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMethodDef Field_methods[] = {
    {"follow", (PyCFunction)Field_follow, METH_NOARGS, Field_follow_doc},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject FieldType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "hexray.Field",
    .tp_basicsize = sizeof(FieldObject),
    .tp_dealloc = (destructor)Field_dealloc,
    .tp_repr = (reprfunc)Field_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "One field of a Layout: where it is, its bytes, its value.",
    .tp_traverse = (traverseproc)Field_traverse,
    .tp_clear = (inquiry)Field_clear,
    .tp_methods = Field_methods,
    .tp_getset = Field_getset,
};


/* ----------------------------------------------------------------------
   Layout */

/* Make a Layout from a finished builder: snapshot its extent.  Takes over
   the builder's fields (also on failure). */
static PyObject *
new_layout(hx_builder *b, PyObject *object, PyObject *owner,
           const char *kind)
{
    hx_LayoutObject *self;
    hx_fault fault;
    Py_ssize_t size = b->end - b->start;

    sort_fields(b);
    self = PyObject_GC_New(hx_LayoutObject, &LayoutType);
    if (self == NULL) {
        builder_clear(b);
        return NULL;
    }
    self->object = object ? Py_NewRef(object) : NULL;
    self->owner = owner ? Py_NewRef(owner) : NULL;
    self->type = b->type ? (PyTypeObject *)Py_NewRef((PyObject *)b->type)
                         : NULL;
    self->owner_type = owner && b->owner_type
        ? (PyTypeObject *)Py_NewRef((PyObject *)b->owner_type) : NULL;
    self->address = b->address;
    self->start = b->start;
    self->end = b->end;
    self->fields = b->fields;   /* the layout owns them now, */
    self->count = b->count;
    self->texts = b->texts;     /* and the text they borrow */
    b->fields = NULL;
    b->count = b->capacity = 0;
    b->texts = NULL;
    self->cache = NULL;
    self->note = NULL;
    self->region = NULL;
    self->kind = kind;
    self->title = b->type ? b->type->tp_name : b->kind;
    self->raw = NULL;
    PyObject_GC_Track(self);
    if (b->schema) {
        return (PyObject *)self;
    }
    /* Memory is set aside for the snapshot only if its last byte can be
       read: a size that crafted memory claims then fails as a MemoryFault
       that names the address, not as a MemoryError. */
    if (size > 0 && hx_probe(b->address + (uintptr_t)b->end - 1, 1, HX_READ,
                             &fault) < 0) {
        Py_DECREF(self);
        return hx_raise_fault(b->address + (uintptr_t)b->start, (size_t)size,
                              HX_READ, &fault);
    }
    self->raw = PyBytes_FromStringAndSize(NULL, size);
    if (self->raw == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    if (hx_read(PyBytes_AS_STRING(self->raw),
                b->address + (uintptr_t)b->start, (size_t)size, &fault) < 0) {
        Py_DECREF(self);
        return hx_raise_fault(b->address + (uintptr_t)b->start, (size_t)size,
                              HX_READ, &fault);
    }
    return (PyObject *)self;
}

/* The layout of a live object of a known type (the caller holds a
   reference to it). */
static PyObject *
layout_of_object(PyObject *object, PyTypeObject *type)
{
    hx_builder b;

    memset(&b, 0, sizeof(b));
    b.address = (uintptr_t)object;
    b.type = type;
    b.object = object;
    if (describe_object(&b) < 0) {
        builder_clear(&b);
        return NULL;
    }
    return new_layout(&b, object, NULL, "object");
}

/* Memory that holds no object: unnamed words, and where it is mapped. */
static PyObject *
layout_of_memory(uintptr_t address, Py_ssize_t size, const char *why)
{
    hx_builder b;
    hx_LayoutObject *layout;

    memset(&b, 0, sizeof(b));
    b.address = address;
    b.kind = "raw memory";
    if (hx_add_unnamed(&b, 0, size, "raw memory") < 0) {
        builder_clear(&b);
        return NULL;
    }
    layout = (hx_LayoutObject *)new_layout(&b, NULL, NULL, "memory");
    if (layout == NULL) {
        return NULL;
    }
    layout->note = why ? PyUnicode_FromFormat("no live object here: %s", why)
                       : NULL;
    layout->region = hx_region_of(address);
    if ((why != NULL && layout->note == NULL) || layout->region == NULL) {
        Py_DECREF(layout);
        return NULL;
    }
    return (PyObject *)layout;
}

int
hx_no_longer_used(hx_builder *b)
{
    PyErr_Format(hx_HexrayError, "the %s at %p is no longer the one the %s "
                 "at %p uses: it changed after the layout was made, and this "
                 "memory may be free or reused; make a new layout",
                 b->kind, (void *)b->address,
                 b->owner_type ? b->owner_type->tp_name : "object",
                 (void *)b->owner);
    return -1;
}

/* A block is described only while the field its pointer was read from
   still holds that pointer: once the owner lets go of a block (a list
   that grew, a bytearray resized, a str's UTF-8 cache), it may be free or
   reused.  0, or -1 with an exception set. */
static int
check_still_pointed_to(hx_LayoutObject *from, const hx_field *f,
                       hx_builder *b)
{
    unsigned char now[sizeof(void *)];

    if (f->size > (Py_ssize_t)sizeof(now)) {
        return hx_no_longer_used(b);
    }
    if (hx_read_at(from->address + (uintptr_t)f->offset, now,
                   (size_t)f->size) < 0) {
        return -1;
    }
    if ((uintptr_t)hx_unsigned_of(now, f->size) != b->address) {
        return hx_no_longer_used(b);
    }
    return 0;
}

/* The layout of a block a pointer field leads to. */
static PyObject *
layout_of_block(hx_LayoutObject *from, const hx_field *f, uintptr_t address)
{
    hx_builder b;
    PyObject *owner = from->object ? from->object : from->owner;

    memset(&b, 0, sizeof(b));
    b.address = address;
    b.kind = f->follow.title;
    b.params = f->follow;
    b.owner = (uintptr_t)owner;
    b.owner_type = from->object ? from->type : from->owner_type;
    if (check_still_pointed_to(from, f, &b) < 0
        || f->follow.describe(&b) < 0) {
        builder_clear(&b);
        return NULL;
    }
    return new_layout(&b, NULL, owner, "block");
}

static const hx_field *
find_field(hx_LayoutObject *self, PyObject *key)
{
    const char *want;
    char name[128];
    Py_ssize_t i;

    if (PyLong_Check(key)) {
        i = PyLong_AsSsize_t(key);
        if (i < 0 && !PyErr_Occurred()) {
            i += self->count;
        }
        if (i >= 0 && i < self->count) {
            return &self->fields[i];
        }
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_IndexError, "the layout has %zd fields",
                         self->count);
        }
        return NULL;
    }
    want = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
    if (want == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "fields are found by name (str) or "
                         "position (int), not %.100s", Py_TYPE(key)->tp_name);
        }
        return NULL;
    }
    for (i = 0; i < self->count; i++) {
        const hx_field *f = &self->fields[i];

        hx_format(name, sizeof(name), f->name, f->index, 0);
        if (name[0] != '\0' && strcmp(name, want) == 0) {
            return f;
        }
    }
    PyErr_Format(PyExc_KeyError, "%R: the %s layout has no such field", key,
                 self->title);
    return NULL;
}

/* The layout of the object at address if one of a known type starts
   there (held while it is described), else of size bytes of raw memory
   with a note that says why. */
static PyObject *
layout_at_address(uintptr_t address, Py_ssize_t size)
{
    char why[256];
    PyTypeObject *type;
    PyObject *object, *result;

    if (!hx_validate_typed_object(address, &type, why, sizeof(why))) {
        return layout_of_memory(address, size, why);
    }
    object = Py_NewRef((PyObject *)address);
    result = layout_of_object(object, type);
    Py_DECREF(object);
    return result;
}

static PyObject *
Layout_follow_field(hx_LayoutObject *self, const hx_field *f)
{
    PyObject *name;
    uintptr_t address;

    if (f->follow.describe == NULL || self->raw == NULL) {
        name = hx_field_name(f);
        if (name != NULL) {
            PyErr_Format(PyExc_ValueError, "%U is not a pointer that can be "
                         "followed%s", name,
                         self->raw == NULL ? " in a schema" : "");
            Py_DECREF(name);
        }
        return NULL;
    }
    address = (uintptr_t)hx_unsigned_of(hx_bytes_of(self, f), f->size);
    if (address == 0) {
        name = hx_field_name(f);
        if (name != NULL) {
            PyErr_Format(hx_NullPointerError, "%U is NULL: there is nothing "
                         "to follow", name);
            Py_DECREF(name);
        }
        return NULL;
    }
    if (f->follow.describe != hx_follow_object) {
        return layout_of_block(self, f, address);
    }
    return layout_at_address(address, RAW_DEFAULT_SIZE);
}

static int
Layout_traverse(hx_LayoutObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->object);
    Py_VISIT(self->owner);
    Py_VISIT(self->type);
    Py_VISIT(self->owner_type);
    Py_VISIT(self->cache);
    return 0;
}

static int
Layout_clear(hx_LayoutObject *self)
{
    Py_CLEAR(self->object);
    Py_CLEAR(self->owner);
    Py_CLEAR(self->cache);
    Py_CLEAR(self->note);
    Py_CLEAR(self->region);
    /* The title may be the type's tp_name: keep the type while it is
       still printed, and drop it last. */
    return 0;
}

static void
Layout_dealloc(hx_LayoutObject *self)
{
    PyObject_GC_UnTrack(self);
    Layout_clear(self);
    Py_CLEAR(self->raw);
    Py_CLEAR(self->type);
    Py_CLEAR(self->owner_type);
    PyMem_Free(self->fields);
    free_texts(self->texts);
    PyObject_GC_Del(self);
}

static PyObject *
Layout_fields(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    Py_ssize_t i;

    if (self->cache == NULL) {
        PyObject *fields = PyTuple_New(self->count);
        for (i = 0; fields != NULL && i < self->count; i++) {
            PyObject *field = new_field(self, i);
            if (field == NULL) {
                Py_CLEAR(fields);
                break;
            }
            PyTuple_SET_ITEM(fields, i, field);  /* the tuple owns it */
        }
        self->cache = fields;
    }
    return self->cache == NULL ? NULL : Py_NewRef(self->cache);
}

PyDoc_STRVAR(Layout_field_doc,
"field(name)\n--\n\n"
"The Field called name (e.g. 'ob_refcnt', 'ob_digit[0]'), or at a\n"
"position (an int).  layout[name] does the same.");

static PyObject *
Layout_field(hx_LayoutObject *self, PyObject *key)
{
    const hx_field *f = find_field(self, key);
    return f == NULL ? NULL : new_field(self, f - self->fields);
}

PyDoc_STRVAR(Layout_follow_doc,
"follow(name)\n--\n\n"
"The Layout of the memory a pointer field leads to: the object it\n"
"points to, or a block such as a list's item array or a dict's keys.");

static PyObject *
Layout_follow(hx_LayoutObject *self, PyObject *key)
{
    const hx_field *f = find_field(self, key);
    return f == NULL ? NULL : Layout_follow_field(self, f);
}

PyDoc_STRVAR(Layout_render_doc,
"render(bytes=False, color=False, rows=64)\n--\n\n"
"The annotated dump of this layout alone, as text: one 8-byte word per\n"
"row (16 bytes per row with bytes=True), each annotated with the fields\n"
"it holds.  rows limits the rows shown (None: all).");

static PyObject *
Layout_render(hx_LayoutObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"bytes", "color", "rows", NULL};
    int bytes_mode = 0, color = 0;
    PyObject *rows = Py_None;
    Py_ssize_t max_rows = -1;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|ppO:render", keywords,
                                     &bytes_mode, &color, &rows)) {
        return NULL;
    }
    if (rows != Py_None) {
        max_rows = PyLong_AsSsize_t(rows);
        if (max_rows == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    return hx_render(self, bytes_mode, color, max_rows);
}

/* A value the engine made (a number, text, bytes, None) as JSON-ready
   data. */
static PyObject *
jsonable(PyObject *value)
{
    if (PyBytes_CheckExact(value)) {
        return PyObject_CallMethod(value, "hex", NULL);
    }
    return Py_NewRef(value);
}

/* An object a pointer field leads to, as JSON-ready data: None, True and
   False as themselves; an int, float or str as its value and bytes as
   their hex, copied from memory (values.c); any other object as {type,
   address, repr}, its repr what a dump shows.  The object is checked
   again, as its memory may have changed since it was decoded. */
static PyObject *
jsonable_object(PyObject *value)
{
    uintptr_t address = (uintptr_t)value;
    PyTypeObject *type;
    PyObject *copy, *text, *result;
    char why[256], name[256];
    int complete;

    if (value == Py_None || value == Py_True || value == Py_False) {
        return Py_NewRef(value);
    }
    if (!hx_validate_typed_object(address, &type, why, sizeof(why))) {
        return Py_BuildValue("{s:O,s:N,s:s}", "type", Py_None, "address",
                             PyLong_FromVoidPtr(value), "note", why);
    }
    copy = hx_plain_copy(address, type, &complete);
    if (copy != NULL && complete && type != &PyComplex_Type) {
        result = jsonable(copy);
        Py_DECREF(copy);
        return result;
    }
    if (copy == NULL && PyErr_Occurred()) {
        return NULL;
    }
    /* The copy made above, or none: what a dump shows. */
    text = copy != NULL ? hx_copy_text(copy, PY_SSIZE_T_MAX, complete)
                        : hx_object_text(address, type, PY_SSIZE_T_MAX);
    Py_XDECREF(copy);
    if (text == NULL) {
        return NULL;
    }
    hx_type_name(type, name, sizeof(name));
    return Py_BuildValue("{s:s,s:N,s:N}", "type", name, "address",
                         PyLong_FromVoidPtr(value), "repr", text);
}

static PyObject *
field_dict(hx_LayoutObject *self, Py_ssize_t i)
{
    FieldObject *field = (FieldObject *)new_field(self, i);
    static const char *names[] = {"name", "offset", "size", "ctype",
                                  "meaning", "pointer", "follows", "bits",
                                  "note"};
    PyObject *dict, *item;
    size_t k;

    if (field == NULL) {
        return NULL;
    }
    dict = PyDict_New();
    for (k = 0; dict != NULL && k < Py_ARRAY_LENGTH(names); k++) {
        item = PyObject_GetAttrString((PyObject *)field, names[k]);
        if (item == NULL || PyDict_SetItemString(dict, names[k], item) < 0) {
            Py_CLEAR(dict);
        }
        Py_XDECREF(item);
    }
    if (dict != NULL && self->raw != NULL) {
        item = Field_get_raw(field, NULL);
        if (item != NULL) {
            Py_SETREF(item, PyObject_CallMethod(item, "hex", NULL));
        }
        if (item == NULL || PyDict_SetItemString(dict, "raw", item) < 0) {
            Py_CLEAR(dict);
        }
        Py_XDECREF(item);
    }
    if (dict != NULL) {
        const hx_field *f = field_of(field);

        item = field_decode(field) < 0 ? NULL
               : f->value == HX_V_OBJECT ? jsonable_object(field->value)
               : jsonable(field->value);
        if (item == NULL || PyDict_SetItemString(dict, "value", item) < 0) {
            Py_CLEAR(dict);
        }
        Py_XDECREF(item);
    }
    Py_DECREF(field);
    return dict;
}

PyDoc_STRVAR(Layout_to_dict_doc,
"to_dict()\n--\n\n"
"The layout as plain data (dicts, lists, str, int), ready for JSON.");

static PyObject *
Layout_to_dict(hx_LayoutObject *self, PyObject *Py_UNUSED(unused))
{
    PyObject *fields = PyList_New(self->count), *raw = Py_None, *result;
    Py_ssize_t i;

    for (i = 0; fields != NULL && i < self->count; i++) {
        PyObject *field = field_dict(self, i);
        if (field == NULL) {
            Py_CLEAR(fields);
            break;
        }
        PyList_SET_ITEM(fields, i, field);  /* the list owns it */
    }
    if (fields == NULL) {
        return NULL;
    }
    if (self->raw != NULL) {
        raw = PyObject_CallMethod(self->raw, "hex", NULL);
        if (raw == NULL) {
            Py_DECREF(fields);
            return NULL;
        }
    }
    else {
        Py_INCREF(raw);
    }
    result = Py_BuildValue(
        "{s:s,s:s,s:N,s:s,s:n,s:n,s:N,s:O,s:N}",
        "title", self->title, "kind", self->kind,
        "address", self->raw ? PyLong_FromSize_t(self->address)
                             : Py_NewRef(Py_None),
        "type", self->type ? self->type->tp_name : NULL,
        "start", self->start, "size", self->end - self->start,
        "raw", raw,
        "note", self->note ? self->note : Py_None,
        "fields", fields);
    return result;
}

static PyObject *
Layout_subscript(hx_LayoutObject *self, PyObject *key)
{
    return Layout_field(self, key);
}

static Py_ssize_t
Layout_length(hx_LayoutObject *self)
{
    return self->count;
}

static PyObject *
Layout_iter(hx_LayoutObject *self)
{
    PyObject *fields = Layout_fields(self, NULL), *iterator;

    if (fields == NULL) {
        return NULL;
    }
    iterator = PyObject_GetIter(fields);
    Py_DECREF(fields);
    return iterator;
}

static PyObject *
Layout_repr(hx_LayoutObject *self)
{
    if (self->raw == NULL) {
        return PyUnicode_FromFormat("<hexray.Layout of %s instances: %zd "
                                    "fields>", self->title, self->count);
    }
    return PyUnicode_FromFormat("<hexray.Layout of %s at %p: %zd bytes, "
                                "%zd fields>", self->title,
                                (void *)self->address,
                                self->end - self->start, self->count);
}

static PyObject *
Layout_get_address(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    if (self->raw == NULL) {
        Py_RETURN_NONE;
    }
    return PyLong_FromSize_t((size_t)self->address);
}

static PyObject *
Layout_get_type(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->type ? (PyObject *)self->type : Py_None);
}

static PyObject *
Layout_get_object(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->object ? self->object : Py_None);
}

static PyObject *
Layout_get_owner(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->owner ? self->owner : Py_None);
}

static PyObject *
Layout_get_title(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return PyUnicode_FromString(self->title);
}

static PyObject *
Layout_get_kind(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return PyUnicode_FromString(self->kind);
}

static PyObject *
Layout_get_start(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(self->start);
}

static PyObject *
Layout_get_size(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(self->end - self->start);
}

static PyObject *
Layout_get_raw(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->raw ? self->raw : Py_None);
}

static PyObject *
Layout_get_note(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->note ? self->note : Py_None);
}

static PyObject *
Layout_get_region(hx_LayoutObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->region ? self->region : Py_None);
}

static PyGetSetDef Layout_getset[] = {
    {"address", (getter)Layout_get_address, NULL,
     "Where offset 0 is (None for a schema).", NULL},
    {"type", (getter)Layout_get_type, NULL,
     "The object's type; None for a block or raw memory.", NULL},
    {"object", (getter)Layout_get_object, NULL,
     "The object described, or None.", NULL},
    {"owner", (getter)Layout_get_owner, NULL,
     "For a block: the object it belongs to.", NULL},
    {"title", (getter)Layout_get_title, NULL,
     "What is laid out: a type name, or a block's name.", NULL},
    {"kind", (getter)Layout_get_kind, NULL,
     "'object', 'block', 'memory' (no object there) or 'schema'.", NULL},
    {"start", (getter)Layout_get_start, NULL,
     "Offset of the first byte shown (negative when a GC header or other "
     "words precede the object).", NULL},
    {"size", (getter)Layout_get_size, NULL,
     "Bytes from start to the end of the last field.", NULL},
    {"raw", (getter)Layout_get_raw, NULL,
     "The bytes from start, as read in one snapshot.", NULL},
    {"fields", (getter)Layout_fields, NULL, "The fields, in order.", NULL},
    {"note", (getter)Layout_get_note, NULL,
     "Why raw memory is not an object, or None.", NULL},
    {"region", (getter)Layout_get_region, NULL,
     "For raw memory: the mapping that holds it.", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMethodDef Layout_methods[] = {
    {"field", (PyCFunction)Layout_field, METH_O, Layout_field_doc},
    {"follow", (PyCFunction)Layout_follow, METH_O, Layout_follow_doc},
    {"render", HX_CFUNC(Layout_render), METH_VARARGS | METH_KEYWORDS,
     Layout_render_doc},
    {"to_dict", (PyCFunction)Layout_to_dict, METH_NOARGS,
     Layout_to_dict_doc},
    {NULL, NULL, 0, NULL}
};

static PyMappingMethods Layout_as_mapping = {
    .mp_length = (lenfunc)Layout_length,
    .mp_subscript = (binaryfunc)Layout_subscript,
};

static PyTypeObject LayoutType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "hexray.Layout",
    .tp_basicsize = sizeof(hx_LayoutObject),
    .tp_dealloc = (destructor)Layout_dealloc,
    .tp_repr = (reprfunc)Layout_repr,
    .tp_as_mapping = &Layout_as_mapping,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The memory of an object (or of a block it points to), field "
              "by field.",
    .tp_traverse = (traverseproc)Layout_traverse,
    .tp_clear = (inquiry)Layout_clear,
    .tp_iter = (getiterfunc)Layout_iter,
    .tp_methods = Layout_methods,
    .tp_getset = Layout_getset,
};


/* ----------------------------------------------------------------------
   The module's functions */

PyDoc_STRVAR(layout_doc,
"layout(obj, /)\n--\n\n"
"The memory of obj, field by field, as a Layout.");

static PyObject *
layout(PyObject *Py_UNUSED(module), PyObject *obj)
{
    return layout_of_object(obj, Py_TYPE(obj));
}

PyDoc_STRVAR(layout_at_doc,
"layout_at(address, size=64, /)\n--\n\n"
"The Layout of the live object at address, or if none starts there, of\n"
"size bytes of raw memory (with a note saying why it is no object).");

static PyObject *
layout_at(PyObject *Py_UNUSED(module), PyObject *const *args,
          Py_ssize_t nargs)
{
    uintptr_t address;
    size_t size = RAW_DEFAULT_SIZE;

    if (hx_check_nargs("layout_at", nargs, 1, 2) < 0
        || hx_parse_address(args[0], &address) < 0
        || (nargs == 2 && hx_parse_size(args[1], &size) < 0)) {
        return NULL;
    }
    return layout_at_address(address, (Py_ssize_t)size);
}

PyDoc_STRVAR(schema_doc,
"schema(type, /)\n--\n\n"
"The fixed fields of instances of type, without an instance: names,\n"
"offsets, sizes, C types and meanings (values are None).");

static PyObject *
schema(PyObject *Py_UNUSED(module), PyObject *type)
{
    hx_builder b;

    if (!PyType_Check(type)) {
        return PyErr_Format(PyExc_TypeError, "schema() needs a type, not "
                            "%.100s", Py_TYPE(type)->tp_name);
    }
    memset(&b, 0, sizeof(b));
    b.type = (PyTypeObject *)type;
    b.schema = 1;
    if (describe_object(&b) < 0) {
        builder_clear(&b);
        return NULL;
    }
    return new_layout(&b, NULL, NULL, "schema");
}

PyMethodDef hx_layout_methods[] = {
    {"layout", layout, METH_O, layout_doc},
    {"layout_at", HX_CFUNC(layout_at), METH_FASTCALL, layout_at_doc},
    {"schema", schema, METH_O, schema_doc},
    {NULL, NULL, 0, NULL}
};

int
hx_layout_init(PyObject *module)
{
    if (PyType_Ready(&LayoutType) < 0 || PyType_Ready(&FieldType) < 0) {
        return -1;
    }
    Py_INCREF(&LayoutType);
    if (PyModule_AddObject(module, "Layout", (PyObject *)&LayoutType) < 0) {
        Py_DECREF(&LayoutType);
        return -1;
    }
    Py_INCREF(&FieldType);
    if (PyModule_AddObject(module, "Field", (PyObject *)&FieldType) < 0) {
        Py_DECREF(&FieldType);
        return -1;
    }
    return 0;
}
