/* layout_text.c - layouts of str, bytes and bytearray.
 *
 * A str is one of three shapes (Include/cpython/unicodeobject.h):
 *   compact ASCII   a PyASCIIObject, the characters right after it;
 *   compact         a PyCompactUnicodeObject, the characters after it, of
 *                   1, 2 or 4 bytes each (its kind);
 *   legacy          a PyUnicodeObject whose data pointer leads to the
 *                   characters (instances of str subclasses; up to 3.11
 *                   also strings made by the old Py_UNICODE API, which
 *                   hold only a wchar_t copy until they are made ready).
 * The state bit fields say which shape a string has.
 *
 * bytes keep their bytes in place, bytearray in a buffer of their own.
 */
#include "layout.h"

#include <string.h>

/* ----------------------------------------------------------------------
   The state bit fields of str */

/* The named bit fields of PyASCIIObject.state, in declaration order.  The
   last one is `ready` up to 3.11 and `statically_allocated` from 3.12. */
enum {
    STATE_INTERNED,
    STATE_KIND,
    STATE_COMPACT,
    STATE_ASCII,
    STATE_LAST,
    STATE_FIELDS
};

typedef struct {
    unsigned char bit, width;
} bit_place;

/* Where the compiler put each bit field, found once, at first use. */
static bit_place state_places[STATE_FIELDS];
static int state_places_found;

#define STATE_SIZE sizeof(((PyASCIIObject *)0)->state)

static uint32_t
state_word(const PyASCIIObject *probe)
{
    uint32_t word;

    Py_BUILD_ASSERT(STATE_SIZE == sizeof(word));
    memcpy(&word, &probe->state, sizeof(word));
    return word;
}

/* The first bit and the width of the run of set bits in `bits`. */
static bit_place
place_of(uint32_t bits)
{
    bit_place place = {0, 0};

    while (place.bit < 32 && !((bits >> place.bit) & 1)) {
        place.bit++;
    }
    while (place.bit + place.width < 32
           && ((bits >> (place.bit + place.width)) & 1)) {
        place.width++;
    }
    return place;
}

/* Set one bit field of a zeroed PyASCIIObject to all ones (0 - 1 wraps to
   the field's largest value), and see which bits of the state changed. */
#define FIND_PLACE(index, member)                                       \
    do {                                                                \
        memset(&probe, 0, sizeof(probe));                               \
        probe.state.member -= 1;                                        \
        state_places[(index)] = place_of(state_word(&probe));           \
    } while (0)

static void
find_state_places(void)
{
    PyASCIIObject probe;

    if (state_places_found) {
        return;
    }
    FIND_PLACE(STATE_INTERNED, interned);
    FIND_PLACE(STATE_KIND, kind);
    FIND_PLACE(STATE_COMPACT, compact);
    FIND_PLACE(STATE_ASCII, ascii);
#if PY_VERSION_HEX >= 0x030C0000
    FIND_PLACE(STATE_LAST, statically_allocated);
#else
    FIND_PLACE(STATE_LAST, ready);
#endif
    state_places_found = 1;
}

#undef FIND_PLACE

/* The meanings below spell out these values. */
#if PY_VERSION_HEX >= 0x030C0000
#  define CHECK_VERSION_STATE_VALUES()                                  \
    Py_BUILD_ASSERT(SSTATE_INTERNED_IMMORTAL_STATIC == 3)
#else
#  define CHECK_VERSION_STATE_VALUES()                                  \
    Py_BUILD_ASSERT(PyUnicode_WCHAR_KIND == 0)
#endif

#define CHECK_STATE_VALUES()                                            \
    do {                                                                \
        Py_BUILD_ASSERT(SSTATE_NOT_INTERNED == 0);                      \
        Py_BUILD_ASSERT(SSTATE_INTERNED_MORTAL == 1);                   \
        Py_BUILD_ASSERT(SSTATE_INTERNED_IMMORTAL == 2);                 \
        Py_BUILD_ASSERT(PyUnicode_1BYTE_KIND == 1);                     \
        Py_BUILD_ASSERT(PyUnicode_2BYTE_KIND == 2);                     \
        Py_BUILD_ASSERT(PyUnicode_4BYTE_KIND == 4);                     \
        CHECK_VERSION_STATE_VALUES();                                   \
    } while (0)

static const struct {
    const char *name;
    const char *meaning;
} state_fields[STATE_FIELDS] = {
#if PY_VERSION_HEX >= 0x030C0000
    {"state.interned",
     "interned: 0 not, 1 mortal, 2 immortal, 3 immortal and static"},
    {"state.kind",
     "bytes per character: 1 Latin-1, 2 UCS-2, 4 UCS-4"},
#else
    {"state.interned",
     "interned: 0 not, 1 mortal (dropped when no longer used), "
     "2 immortal"},
    {"state.kind",
     "bytes per character: 1 Latin-1, 2 UCS-2, 4 UCS-4; 0: not ready, "
     "only wstr holds the text"},
#endif
    {"state.compact",
     "1: the characters follow the header in the same block; 0: a legacy "
     "string, its characters are in a block of their own, at data"},
    {"state.ascii",
     "1: every character is ASCII, below 128"},
#if PY_VERSION_HEX >= 0x030C0000
    {"state.statically_allocated",
     "1: a static object of the interpreter, never allocated or freed"},
#else
    {"state.ready",
     "1: length, kind and the characters are set; 0: a legacy string "
     "not made ready yet, only wstr holds the text"},
#endif
};

static int
describe_state(hx_builder *b)
{
    const Py_ssize_t offset = offsetof(PyASCIIObject, state);
    int i;

    CHECK_STATE_VALUES();
    find_state_places();
    for (i = 0; i < STATE_FIELDS; i++) {
        hx_field *f = hx_add(b, offset, STATE_SIZE, state_fields[i].name,
                             "unsigned int", HX_V_BITS,
                             state_fields[i].meaning);
        if (f == NULL) {
            return -1;
        }
        f->bit = state_places[i].bit;
        f->width = state_places[i].width;
    }
    return 0;
}


/* ----------------------------------------------------------------------
   Characters, in place or in a block */

/* What a run of items is: each item, the zero item after them, and the
   field that counts those past HX_MAX_DESCRIBED_ITEMS. */
typedef struct {
    const char *name;           /* with the item's index, e.g. "data[%zd]" */
    const char *ctype;
    Py_ssize_t size;            /* bytes per item */
    hx_value_kind value;
    const char *meaning;
    const char *terminator;     /* the meaning of the zero item */
    const char *rest;           /* a format for the number not described */
} item_kind;

#define CHARACTERS(ctype, size, meaning)                                \
    {"data[%zd]", (ctype), (size), HX_V_TEXT, (meaning),                \
     "the terminating NUL, not counted in length",                      \
     "%zd more characters, not described"}

static const item_kind ascii_chars =
    CHARACTERS("Py_UCS1", sizeof(Py_UCS1), "an ASCII character");
static const item_kind latin1_chars =
    CHARACTERS("Py_UCS1", sizeof(Py_UCS1), "a Latin-1 character, 1 byte");
static const item_kind ucs2_chars =
    CHARACTERS("Py_UCS2", sizeof(Py_UCS2), "a UCS-2 character, 2 bytes");
static const item_kind ucs4_chars =
    CHARACTERS("Py_UCS4", sizeof(Py_UCS4), "a UCS-4 character, 4 bytes");

#undef CHARACTERS

static const item_kind utf8_bytes = {
    "utf8[%zd]", "char", 1, HX_V_BYTES, "a byte of the UTF-8 encoding",
    "the terminating NUL, not counted in utf8_length",
    "%zd more bytes, not described"};

#if PY_VERSION_HEX < 0x030C0000
static const item_kind wstr_chars = {
    "wstr[%zd]", "wchar_t", sizeof(wchar_t), HX_V_TEXT,
    "a wchar_t of the text",
    "the terminating NUL, not counted in the length",
    "%zd more wchar_t, not described"};
#endif

static const item_kind sval_bytes = {
    "ob_sval[%zd]", "char", 1, HX_V_BYTES, "",
    "the terminating NUL, not counted in ob_size",
    "%zd more bytes, not described"};

static const item_kind bytearray_bytes = {
    "ob_start[%zd]", "char", 1, HX_V_BYTES, "",
    "the trailing NUL, not counted in ob_size",
    "%zd more bytes, not described"};

/* The characters of a string of this kind, or NULL if kind is none. */
static const item_kind *
chars_of_kind(int kind, int ascii)
{
    switch (kind) {
    case PyUnicode_1BYTE_KIND:
        return ascii ? &ascii_chars : &latin1_chars;
    case PyUnicode_2BYTE_KIND:
        return &ucs2_chars;
    case PyUnicode_4BYTE_KIND:
        return &ucs4_chars;
    default:
        return NULL;
    }
}

static hx_field *
add_item(hx_builder *b, const item_kind *kind, Py_ssize_t offset,
         Py_ssize_t index, hx_value_kind value, const char *meaning)
{
    hx_field *f = hx_add(b, offset, kind->size, kind->name, kind->ctype,
                         value, meaning);

    if (f != NULL) {
        f->index = index;
        f->arg0 = kind->size;   /* bytes per character, for HX_V_TEXT */
    }
    return f;
}

/* One field for each of `count` items from `start`, up to
   HX_MAX_DESCRIBED_ITEMS of them; then the zero item that ends them, or
   if there were too many, one field that says how many more there are. */
static int
describe_items(hx_builder *b, const item_kind *kind, Py_ssize_t start,
               Py_ssize_t count)
{
    Py_ssize_t i, shown = hx_shown(count);

    for (i = 0; i < shown; i++) {
        if (add_item(b, kind, start + i * kind->size, i, kind->value,
                     kind->meaning) == NULL) {
            return -1;
        }
    }
    if (count > shown) {
        return hx_add_rest(b, start + shown * kind->size, kind->size,
                           count - shown, kind->rest);
    }
    return add_item(b, kind, start + shown * kind->size, shown, HX_V_UINT,
                    kind->terminator) == NULL ? -1 : 0;
}

static int
describe_chars(hx_builder *b, Py_ssize_t start, Py_ssize_t length,
               int kind, int ascii)
{
    const item_kind *chars = chars_of_kind(kind, ascii);

    if (chars == NULL) {
        return 0;   /* no characters: not a ready string */
    }
    return describe_items(b, chars, start, length);
}

/* The block a legacy string's data points to: params.count characters of
   params.aux bytes each, and the NUL after them. */
static int
describe_data_block(hx_builder *b)
{
    return describe_chars(b, 0, b->params.count, (int)b->params.aux, 0);
}

/* The UTF-8 cache: params.count bytes and a NUL. */
static int
describe_utf8_block(hx_builder *b)
{
    return describe_items(b, &utf8_bytes, 0, b->params.count);
}

#if PY_VERSION_HEX < 0x030C0000
/* The wchar_t copy of the text: params.count wchar_t and a NUL. */
static int
describe_wstr_block(hx_builder *b)
{
    return describe_items(b, &wstr_chars, 0, b->params.count);
}
#endif


/* ----------------------------------------------------------------------
   str */

/* What the fields of a string say about its shape, read once. */
typedef struct {
    Py_ssize_t length;
    int kind, compact, ascii, ready;
    uintptr_t wstr, utf8, data;
    Py_ssize_t utf8_length, wstr_length;
} str_shape;

/* The header, then (unless the str is compact ASCII, whose characters
   come next) the rest of the struct its state names: never more than the
   string has, so that a string at the end of a mapping can be read. */
static int
read_shape(hx_builder *b, str_shape *shape)
{
    union {
        PyASCIIObject head;
        PyCompactUnicodeObject compact;
        PyUnicodeObject legacy;
    } u;

    memset(shape, 0, sizeof(*shape));
    if (hx_fetch(b, 0, &u.head, sizeof(u.head)) < 0) {
        return -1;
    }
    shape->length = u.head.length;
    shape->kind = u.head.state.kind;
    shape->compact = u.head.state.compact;
    shape->ascii = u.head.state.ascii;
#if PY_VERSION_HEX >= 0x030C0000
    shape->ready = 1;
#else
    shape->ready = u.head.state.ready;
    shape->wstr = (uintptr_t)u.head.wstr;
#endif
    if (shape->compact && shape->ascii) {
        return 0;
    }
    if (hx_fetch(b, sizeof(u.head), (char *)&u + sizeof(u.head),
                 (shape->compact ? sizeof(u.compact) : sizeof(u.legacy))
                 - sizeof(u.head)) < 0) {
        return -1;
    }
    shape->utf8_length = u.compact.utf8_length;
    shape->utf8 = (uintptr_t)u.compact.utf8;
#if PY_VERSION_HEX < 0x030C0000
    shape->wstr_length = u.compact.wstr_length;
#endif
    if (!shape->compact) {
        shape->data = (uintptr_t)u.legacy.data.any;
    }
    return 0;
}

/* length, hash, state and (up to 3.11) wstr: the fields of every str. */
static int
describe_ascii_fields(hx_builder *b, const str_shape *shape)
{
    Py_ssize_t state_end = offsetof(PyASCIIObject, state) + STATE_SIZE;
    hx_field *length;

    length = HX_MEMBER(b, PyASCIIObject, length, "Py_ssize_t", HX_V_INT,
                       "number of characters, in code points");
    if (length == NULL
        || HX_MEMBER(b, PyASCIIObject, hash, "Py_hash_t", HX_V_HASH,
                     "cached hash of the string; -1: not computed yet")
           == NULL
        || describe_state(b) < 0) {
        return -1;
    }
    if (shape != NULL && !shape->ready) {
        length->meaning = "0 until the string is made ready; wstr_length "
                          "counts its characters";
    }
#if PY_VERSION_HEX < 0x030C0000
    if (hx_add_unnamed(b, state_end, offsetof(PyASCIIObject, wstr),
                       "padding") < 0) {
        return -1;
    }
    return 0;
#else
    return hx_add_unnamed(b, state_end, sizeof(PyASCIIObject), "padding");
#endif
}

#if PY_VERSION_HEX < 0x030C0000
static int
describe_wstr(hx_builder *b, const str_shape *shape)
{
    hx_field *wstr = HX_MEMBER(b, PyASCIIObject, wstr, "wchar_t *",
                               HX_V_ADDRESS,
                               "the text as wchar_t, for the deprecated "
                               "Py_UNICODE API; NULL: not made");

    if (wstr == NULL) {
        return -1;
    }
    hx_set_follow(wstr, describe_wstr_block, "wchar_t text", 0, 0);
    if (shape == NULL) {
        return 0;
    }
    /* A compact ASCII string has no wstr_length: it equals length. */
    wstr->follow.count = shape->compact && shape->ascii ? shape->length
                                                        : shape->wstr_length;
    if (shape->wstr != 0 && shape->wstr == shape->data) {
        wstr->meaning = "the text as wchar_t: the same memory as data";
    }
    else if (shape->wstr != 0 && shape->compact
             && shape->wstr == b->address + sizeof(PyCompactUnicodeObject)) {
        wstr->meaning = "the text as wchar_t: the characters after the "
                        "header, which are wchar_t already";
    }
    return 0;
}
#endif

/* utf8_length, utf8 and (up to 3.11) wstr_length: the fields a string has
   unless it is compact ASCII. */
static int
describe_compact_fields(hx_builder *b, const str_shape *shape)
{
    hx_field *utf8;

    if (HX_MEMBER(b, PyCompactUnicodeObject, utf8_length, "Py_ssize_t",
                  HX_V_INT, "bytes in utf8, not counting its NUL; 0 while "
                  "utf8 is NULL") == NULL) {
        return -1;
    }
    utf8 = HX_MEMBER(b, PyCompactUnicodeObject, utf8, "char *",
                     HX_V_ADDRESS, "the UTF-8 encoding, cached once asked "
                     "for; NULL: not made yet");
    if (utf8 == NULL) {
        return -1;
    }
    hx_set_follow(utf8, describe_utf8_block, "UTF-8 cache", 0, 0);
    if (shape != NULL) {
        utf8->follow.count = shape->utf8_length;
        if (shape->utf8 != 0 && shape->utf8 == shape->data) {
            utf8->meaning = "the UTF-8 encoding: the same memory as data, "
                            "as the text is ASCII";
        }
    }
#if PY_VERSION_HEX < 0x030C0000
    if (HX_MEMBER(b, PyCompactUnicodeObject, wstr_length, "Py_ssize_t",
                  HX_V_INT, "wchar_t in wstr, not counting its NUL; 0 "
                  "while wstr is NULL") == NULL) {
        return -1;
    }
#endif
    return 0;
}

static int
describe_legacy_fields(hx_builder *b, const str_shape *shape)
{
    hx_field *data;

    if (describe_compact_fields(b, shape) < 0) {
        return -1;
    }
    data = HX_MEMBER(b, PyUnicodeObject, data, "void *", HX_V_ADDRESS,
                     "the characters, in a block of their own; NULL: not "
                     "ready yet");
    if (data == NULL) {
        return -1;
    }
    if (shape == NULL || chars_of_kind(shape->kind, 0) != NULL) {
        hx_set_follow(data, describe_data_block, "characters", 0, 0);
    }
    if (shape != NULL) {
        data->follow.count = shape->length;
        data->follow.aux = shape->kind;
    }
    return hx_describe_extras(b, PyUnicode_Type.tp_basicsize);
}

static int
describe_str_schema(hx_builder *b)
{
    if (describe_ascii_fields(b, NULL) < 0) {
        return -1;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (describe_wstr(b, NULL) < 0) {
        return -1;
    }
#endif
    /* Instances of str itself are compact, and their fields depend on
       their characters; those of subclasses are legacy strings. */
    if (b->type == &PyUnicode_Type) {
        return 0;
    }
    return describe_legacy_fields(b, NULL);
}

int
hx_describe_str(hx_builder *b)
{
    str_shape shape;

    if (hx_describe_header(b, 0) < 0) {
        return -1;
    }
    if (b->schema) {
        return describe_str_schema(b);
    }
    if (read_shape(b, &shape) < 0 || describe_ascii_fields(b, &shape) < 0) {
        return -1;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (describe_wstr(b, &shape) < 0) {
        return -1;
    }
#endif
    if (!shape.compact) {
        return describe_legacy_fields(b, &shape);
    }
    if (shape.ascii) {
        return describe_chars(b, sizeof(PyASCIIObject), shape.length,
                              PyUnicode_1BYTE_KIND, 1);
    }
    if (describe_compact_fields(b, &shape) < 0) {
        return -1;
    }
    return describe_chars(b, sizeof(PyCompactUnicodeObject), shape.length,
                          shape.kind, 0);
}


/* ----------------------------------------------------------------------
   bytes */

#define SVAL_OFFSET ((Py_ssize_t)offsetof(PyBytesObject, ob_sval))

static int
describe_bytes_fields(hx_builder *b)
{
    hx_field *f;

    if (HX_MEMBER(b, PyVarObject, ob_size, "Py_ssize_t", HX_V_INT,
                  "number of bytes, not counting the NUL after them")
        == NULL) {
        return -1;
    }
    /* ob_shash is deprecated (3.11+) for use, but still kept up to date. */
_Py_COMP_DIAG_PUSH
_Py_COMP_DIAG_IGNORE_DEPR_DECLS
    f = HX_MEMBER(b, PyBytesObject, ob_shash, "Py_hash_t", HX_V_HASH,
                  "cached hash of the bytes; -1: not computed yet");
_Py_COMP_DIAG_POP
    return f == NULL ? -1 : 0;
}

int
hx_describe_bytes(hx_builder *b)
{
    Py_ssize_t size = 0;
    hx_field *f;

    if (hx_describe_header(b, 0) < 0 || describe_bytes_fields(b) < 0) {
        return -1;
    }
    if (b->schema) {
        f = add_item(b, &sval_bytes, SVAL_OFFSET, 0, HX_V_BYTES,
                     "the first byte: ob_size bytes, then a NUL");
        if (f == NULL) {
            return -1;
        }
        return hx_describe_extras(b, PyBytes_Type.tp_basicsize);
    }
    if (hx_fetch(b, offsetof(PyVarObject, ob_size), &size,
                 sizeof(size)) < 0) {
        return -1;
    }
    /* No bytes object holds more bytes than memory can (the size may
       have changed since the object was checked). */
    if (size < 0 || size > PY_SSIZE_T_MAX / 2) {
        size = 0;
    }
    if (describe_items(b, &sval_bytes, SVAL_OFFSET, size) < 0) {
        return -1;
    }
    /* Up to 3.11 a subclass keeps its __dict__ after the NUL: extras finds
       it there. */
    return hx_describe_extras(b, SVAL_OFFSET + size + 1);
}


/* ----------------------------------------------------------------------
   bytearray */

/* The buffer of a bytearray: params.count bytes allocated, the contents
   starting params.aux bytes in, params.aux2 of them, then a NUL and the
   unused capacity. */
static int
describe_bytearray_buffer(hx_builder *b)
{
    Py_ssize_t alloc = Py_MAX(b->params.count, 0);
    Py_ssize_t skipped = Py_MIN(Py_MAX(b->params.aux, 0), alloc);
    Py_ssize_t used = Py_MAX(b->params.aux2, 0), spare;
    hx_field *f;

    if (alloc - skipped < 1) {
        return 0;   /* no room for contents: nothing to describe */
    }
    used = Py_MIN(used, alloc - skipped - 1);   /* leave room for the NUL */
    if (skipped > 0) {
        f = hx_add(b, 0, skipped, "", "char", HX_V_NONE,
                   "%zd byte(s) deleted from the front, before ob_start; "
                   "not reclaimed yet");
        if (f == NULL) {
            return -1;
        }
        f->arg0 = skipped;
    }
    if (describe_items(b, &bytearray_bytes, skipped, used) < 0) {
        return -1;
    }
    spare = alloc - (skipped + used + 1);
    if (used > HX_MAX_DESCRIBED_ITEMS || spare == 0) {
        return 0;
    }
    f = hx_add(b, skipped + used + 1, Py_MIN(spare, HX_MAX_DESCRIBED_ITEMS),
               "", "char", HX_V_NONE, spare > HX_MAX_DESCRIBED_ITEMS
               ? "unused capacity: %zd bytes to grow into (the first %zd "
                 "shown)"
               : "unused capacity: %zd byte(s) to grow into");
    if (f == NULL) {
        return -1;
    }
    f->arg0 = spare;
    f->arg1 = HX_MAX_DESCRIBED_ITEMS;
    return 0;
}

static int
describe_bytearray_fields(hx_builder *b, hx_field **bytes, hx_field **start)
{
    if (HX_MEMBER(b, PyVarObject, ob_size, "Py_ssize_t", HX_V_INT,
                  "number of bytes in use") == NULL
        || HX_MEMBER(b, PyByteArrayObject, ob_alloc, "Py_ssize_t", HX_V_INT,
                     "bytes allocated at ob_bytes, the trailing NUL "
                     "included; 0: no buffer") == NULL) {
        return -1;
    }
    *bytes = HX_MEMBER(b, PyByteArrayObject, ob_bytes, "char *",
                       HX_V_ADDRESS, "the buffer; NULL while ob_alloc is 0");
    *start = HX_MEMBER(b, PyByteArrayObject, ob_start, "char *",
                       HX_V_ADDRESS, "where the contents start in the "
                       "buffer");
    if (*bytes == NULL || *start == NULL
        || HX_MEMBER(b, PyByteArrayObject, ob_exports, "Py_ssize_t",
                     HX_V_INT, "buffers exported, e.g. to memoryviews: "
                     "while not 0 the bytearray cannot resize") == NULL) {
        return -1;
    }
    hx_set_follow(*bytes, describe_bytearray_buffer, "bytearray buffer",
                  0, 0);
    return 0;
}

int
hx_describe_bytearray(hx_builder *b)
{
    PyByteArrayObject array;
    hx_field *bytes, *start;

    if (hx_describe_header(b, 0) < 0
        || describe_bytearray_fields(b, &bytes, &start) < 0) {
        return -1;
    }
    if (!b->schema) {
        if (hx_fetch(b, 0, &array, sizeof(array)) < 0) {
            return -1;
        }
        bytes->follow.count = array.ob_alloc;
        bytes->follow.aux = (Py_ssize_t)((uintptr_t)array.ob_start
                                         - (uintptr_t)array.ob_bytes);
        bytes->follow.aux2 = array.ob_base.ob_size;
        if (array.ob_start == NULL) {
            start->meaning = "NULL: no buffer";
        }
        else {
            start->meaning = "where the contents start: ob_bytes + %zd";
            start->arg0 = bytes->follow.aux;
        }
    }
    return hx_describe_extras(b, PyByteArray_Type.tp_basicsize);
}
