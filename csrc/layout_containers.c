/* layout_containers.c - layouts of tuple, list, dict (with its keys and
 * values), set and frozenset.
 *
 * A tuple keeps its items inside itself; a list points to an item array; a
 * dict points to a keys object (hash table slots, then entries) and, for a
 * split table, to the values of its instance; a set keeps a small table
 * inside itself and points to a bigger one when it grows.  Those blocks are
 * described when their pointer is followed, from the object that owns them:
 * a block the owner no longer uses is not described at all, since its
 * memory may have been freed or reused.
 *
 * The keys object of 3.9 and 3.10 is declared in private.h; that of 3.11+,
 * and its values, only in CPython's internal headers, measured for us in
 * internal_dict.c.
 */
#include "layout.h"
#include "private.h"

#include <string.h>

#define WORD ((Py_ssize_t)sizeof(PyObject *))


/* ----------------------------------------------------------------------
   Helpers shared by the containers */

/* `size` bytes at `offset` from the builder's address, into a new buffer
   (PyMem_Free it), or NULL with an exception set. */
static unsigned char *
fetch_bytes(hx_builder *b, Py_ssize_t offset, Py_ssize_t size)
{
    unsigned char *bytes = PyMem_Malloc(size > 0 ? (size_t)size : 1);

    if (bytes == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (size > 0 && hx_fetch(b, offset, bytes, (size_t)size) < 0) {
        PyMem_Free(bytes);
        return NULL;
    }
    return bytes;
}

/* A block is described for the object that owns it (layout_of_block has
   checked that the owner still points to it).  The owner may be bytes
   that imitate an object, so its fields are read through the guarded core
   (hx_fetch_owner), into a copy of `size` bytes at dst.  0, or -1 with an
   exception set. */
static int
read_owner(hx_builder *b, PyTypeObject *base, void *dst, size_t size)
{
    if (hx_check_owner(b, base) < 0) {
        return -1;
    }
    return hx_fetch_owner(b, dst, size);
}

/* a - b, or the nearest Py_ssize_t when that overflows (counts read from
   memory can be anything). */
static Py_ssize_t
difference(Py_ssize_t a, Py_ssize_t b)
{
    if (b < 0 && a > PY_SSIZE_T_MAX + b) {
        return PY_SSIZE_T_MAX;
    }
    if (b > 0 && a < PY_SSIZE_T_MIN + b) {
        return PY_SSIZE_T_MIN;
    }
    return a - b;
}

/* `count` object pointers from `offset`, the items; then up to `room`
   slots in all, the unused ones. */
static int
describe_items(hx_builder *b, Py_ssize_t offset, Py_ssize_t count,
               Py_ssize_t room, const char *name, const char *meaning)
{
    const hx_run run = {
        .offset = offset, .unit = WORD, .count = count, .room = room,
        .rest = "%zd more items, not described",
        .spare = "unused slot: room to grow, not an item (its bytes mean "
                 "nothing)",
        .spare_rest = "%zd more unused slots, not described",
    };
    Py_ssize_t i, n = hx_shown(count);

    for (i = 0; i < n; i++) {
        if (hx_add_indexed(b, offset + i * WORD, WORD, name, i, "PyObject *",
                           HX_V_OBJECT, meaning) == NULL) {
            return -1;
        }
    }
    return hx_end_run(b, &run);
}


/* ----------------------------------------------------------------------
   tuple */

int
hx_describe_tuple(hx_builder *b)
{
    const Py_ssize_t items = offsetof(PyTupleObject, ob_item);
    Py_ssize_t count = 0;

    if (hx_describe_header(b, 1) < 0) {
        return -1;
    }
    if (b->schema) {
        if (hx_add_indexed(b, items, WORD, "ob_item[%zd]", 0, "PyObject *",
                           HX_V_OBJECT, "item %zd: the first of ob_size "
                           "items, one after the other") == NULL) {
            return -1;
        }
        return hx_describe_extras(b, PyTuple_Type.tp_basicsize);
    }
    if (hx_fetch(b, offsetof(PyVarObject, ob_size), &count,
                 sizeof(count)) < 0) {
        return -1;
    }
    if (count < 0) {
        count = 0;      /* not a tuple's size: describe no items */
    }
    if (describe_items(b, items, count, count, "ob_item[%zd]",
                       "item %zd") < 0) {
        return -1;
    }
    /* A subclass's __dict__ may follow the items: the extras find it. */
    return hx_describe_extras(b, PyTuple_Type.tp_basicsize);
}


/* ----------------------------------------------------------------------
   list */

static int
describe_item_array(hx_builder *b)
{
    PyListObject list;

    if (read_owner(b, &PyList_Type, &list, sizeof(list)) < 0) {
        return -1;
    }
    return describe_items(b, 0, list.ob_base.ob_size, list.allocated,
                          "ob_item[%zd]", "item %zd");
}

int
hx_describe_list(hx_builder *b)
{
    PyListObject list;
    hx_field *items, *allocated;

    if (hx_describe_header(b, 1) < 0) {
        return -1;
    }
    items = HX_MEMBER(b, PyListObject, ob_item, "PyObject **", HX_V_ADDRESS,
                      "the item array: ob_size items, in room for "
                      "allocated");
    allocated = HX_MEMBER(b, PyListObject, allocated, "Py_ssize_t",
                          HX_V_INT, "slots in the item array; those past "
                          "ob_size are over-allocated, room to grow");
    if (items == NULL || allocated == NULL) {
        return -1;
    }
    hx_set_follow(items, describe_item_array, "item array", 0, 0);
    if (!b->schema) {
        if (hx_fetch(b, 0, &list, sizeof(list)) < 0) {
            return -1;
        }
        items->meaning = list.ob_item == NULL
            ? "NULL: no item array (nothing allocated yet)"
            : "the item array: %zd items, in room for %zd";
        items->arg0 = list.ob_base.ob_size;
        items->arg1 = list.allocated;
        allocated->meaning = "slots in the item array: %zd more than the "
                             "items (over-allocation, room to grow)";
        allocated->arg0 = difference(list.allocated, list.ob_base.ob_size);
    }
    return hx_describe_extras(b, PyList_Type.tp_basicsize);
}


/* ----------------------------------------------------------------------
   dict: the shape of a keys object */

typedef struct {
    Py_ssize_t size;        /* slots in dk_indices, a power of 2 */
    Py_ssize_t ixsize;      /* bytes per slot */
    Py_ssize_t indices;     /* offset of dk_indices */
    Py_ssize_t entries;     /* offset of the entries */
    Py_ssize_t capacity;    /* entries allocated: USABLE_FRACTION(size) */
    Py_ssize_t usable, nentries;
    int kind;               /* 3.11+ DictKeysKind; 3.9/3.10: -1 */
    int general;            /* entries are PyDictKeyEntry, with me_hash */
} keys_shape;

/* Where the parts of an entry are; hash.size is 0 for PyDictUnicodeEntry. */
typedef struct {
    Py_ssize_t size;
    hx_span hash, key, value;
} entry_shape;

static int
not_keys(uintptr_t address, const char *why)
{
    PyErr_Format(hx_HexrayError, "no dict keys object at %p: %s",
                 (void *)address, why);
    return -1;
}

#if PY_VERSION_HEX >= 0x030B0000
static uint64_t
keys_member(const unsigned char *head, const hx_span *m)
{
    return hx_unsigned_of(head + m->offset, m->size);
}

/* The shape of the keys object at address, from its header (3.11+). */
static int
read_shape(uintptr_t address, keys_shape *s)
{
    const hx_dict_facts *d = &hx_dict_internals;
    unsigned char head[64];
    uint64_t log2_size, log2_bytes;

    if ((size_t)d->keys_size > sizeof(head)) {
        return not_keys(address, "its header is bigger than expected");
    }
    if (hx_read_at(address, head, (size_t)d->keys_size) < 0) {
        return -1;
    }
    log2_size = keys_member(head, &d->dk_log2_size);
    log2_bytes = keys_member(head, &d->dk_log2_index_bytes);
    s->kind = (int)keys_member(head, &d->dk_kind);
    s->usable = (Py_ssize_t)keys_member(head, &d->dk_usable);
    s->nentries = (Py_ssize_t)keys_member(head, &d->dk_nentries);
    if (log2_size > 40 || log2_bytes < log2_size || log2_bytes > log2_size + 3
        || (s->kind != d->kind_general && s->kind != d->kind_unicode
            && s->kind != d->kind_split)) {
        return not_keys(address, "its sizes or kind make no sense");
    }
    s->size = (Py_ssize_t)1 << log2_size;
    s->ixsize = (Py_ssize_t)1 << (log2_bytes - log2_size);
    s->indices = d->dk_indices;
    s->entries = d->dk_indices + ((Py_ssize_t)1 << log2_bytes);
    s->general = s->kind == d->kind_general;
    s->capacity = HX_USABLE_FRACTION(s->size);
    if (s->nentries < 0 || s->nentries > s->capacity || s->usable < 0
        || s->usable > s->capacity) {
        return not_keys(address, "more entries than it has room for");
    }
    return 0;
}

static void
entry_shape_of(const keys_shape *s, entry_shape *e)
{
    const hx_dict_facts *d = &hx_dict_internals;

    if (s->general) {
        e->size = d->entry_size;
        e->hash = d->me_hash;
        e->key = d->me_key;
        e->value = d->me_value;
    }
    else {
        e->size = d->unicode_entry_size;
        e->hash.offset = e->hash.size = 0;
        e->key = d->unicode_me_key;
        e->value = d->unicode_me_value;
    }
}

static const char *const kind_meanings[] = {
    "DICT_KEYS_GENERAL: keys of any type; entries keep each key's hash",
    "DICT_KEYS_UNICODE: str keys only; entries leave the hash to the str",
    "DICT_KEYS_SPLIT: str keys shared by the instances of a class; each "
    "dict keeps its own values",
};

static hx_field *
add_keys_member(hx_builder *b, const hx_span *m, const char *name,
                const char *ctype, const char *meaning)
{
    return hx_add(b, m->offset, m->size, name, ctype, HX_V_UINT, meaning);
}

static int
describe_keys_header(hx_builder *b, const keys_shape *s)
{
    const hx_dict_facts *d = &hx_dict_internals;
    hx_field *size, *bytes, *kind;

    if (hx_add(b, d->dk_refcnt.offset, d->dk_refcnt.size, "dk_refcnt",
               "Py_ssize_t", HX_V_REFCNT, "number of dicts (and classes) "
               "using this keys object") == NULL) {
        return -1;
    }
    size = add_keys_member(b, &d->dk_log2_size, "dk_log2_size", "uint8_t",
                           "log2 of the slots in dk_indices: %zd slots");
    bytes = add_keys_member(b, &d->dk_log2_index_bytes,
                            "dk_log2_index_bytes", "uint8_t",
                            "log2 of the bytes of dk_indices: %zd bytes, "
                            "%zd per slot");
    kind = add_keys_member(b, &d->dk_kind, "dk_kind", "uint8_t",
                           "what keys and entries the table holds");
    if (size == NULL || bytes == NULL || kind == NULL
        || add_keys_member(b, &d->dk_version, "dk_version", "uint32_t",
                           "version of the keys for specialized code (0: "
                           "none given yet)") == NULL) {
        return -1;
    }
    size->arg0 = s->size;
    bytes->arg0 = s->size * s->ixsize;
    bytes->arg1 = s->ixsize;
    kind->meaning = kind_meanings[s->kind == d->kind_general ? 0
                                  : s->kind == d->kind_unicode ? 1 : 2];
    if (hx_add_unnamed(b, d->dk_kind.offset + d->dk_kind.size,
                       d->dk_version.offset, "padding") < 0
        || hx_add(b, d->dk_usable.offset, d->dk_usable.size, "dk_usable",
                  "Py_ssize_t", HX_V_INT, "entries still free before the "
                  "table must grow") == NULL
        || hx_add(b, d->dk_nentries.offset, d->dk_nentries.size,
                  "dk_nentries", "Py_ssize_t", HX_V_INT, "entries used so "
                  "far, deleted ones included") == NULL) {
        return -1;
    }
    return 0;
}

#else   /* 3.9, 3.10 */

/* The shape of the keys object at address, from its header. */
static int
read_shape(uintptr_t address, keys_shape *s)
{
    hx_PyDictKeysObject head;

    if (hx_read_at(address, &head, sizeof(head)) < 0) {
        return -1;
    }
    if (head.dk_size <= 0 || head.dk_size > ((Py_ssize_t)1 << 40)
        || (head.dk_size & (head.dk_size - 1)) != 0) {
        return not_keys(address, "dk_size is not a power of 2");
    }
    s->size = head.dk_size;
    s->ixsize = HX_DK_IXSIZE(head.dk_size);
    s->indices = offsetof(hx_PyDictKeysObject, dk_indices);
    s->entries = s->indices + s->size * s->ixsize;
    s->capacity = HX_USABLE_FRACTION(s->size);
    s->usable = head.dk_usable;
    s->nentries = head.dk_nentries;
    s->kind = -1;
    s->general = 1;
    if (s->nentries < 0 || s->nentries > s->capacity || s->usable < 0
        || s->usable > s->capacity) {
        return not_keys(address, "more entries than it has room for");
    }
    return 0;
}

static void
entry_shape_of(const keys_shape *Py_UNUSED(s), entry_shape *e)
{
    e->size = sizeof(hx_PyDictKeyEntry);
    e->hash.offset = offsetof(hx_PyDictKeyEntry, me_hash);
    e->hash.size = sizeof(Py_hash_t);
    e->key.offset = offsetof(hx_PyDictKeyEntry, me_key);
    e->key.size = sizeof(PyObject *);
    e->value.offset = offsetof(hx_PyDictKeyEntry, me_value);
    e->value.size = sizeof(PyObject *);
}

static int
describe_keys_header(hx_builder *b, const keys_shape *Py_UNUSED(s))
{
    if (HX_MEMBER(b, hx_PyDictKeysObject, dk_refcnt, "Py_ssize_t",
                  HX_V_REFCNT, "number of dicts (and classes) using this "
                  "keys object") == NULL
        || HX_MEMBER(b, hx_PyDictKeysObject, dk_size, "Py_ssize_t",
                     HX_V_INT, "slots in dk_indices, a power of 2") == NULL
        || HX_MEMBER(b, hx_PyDictKeysObject, dk_lookup, "dict_lookup_func",
                     HX_V_FUNCTION, "the lookup function for this kind of "
                     "table (lookdict, lookdict_unicode, "
                     "lookdict_unicode_nodummy or lookdict_split)") == NULL
        || HX_MEMBER(b, hx_PyDictKeysObject, dk_usable, "Py_ssize_t",
                     HX_V_INT, "entries still free before the table must "
                     "grow") == NULL
        || HX_MEMBER(b, hx_PyDictKeysObject, dk_nentries, "Py_ssize_t",
                     HX_V_INT, "entries used so far, deleted ones "
                     "included") == NULL) {
        return -1;
    }
    return 0;
}
#endif


/* ----------------------------------------------------------------------
   dict: the keys object's hash table and entries */

static const char *
index_ctype(Py_ssize_t ixsize)
{
    switch (ixsize) {
    case 1: return "int8_t";
    case 2: return "int16_t";
    case 4: return "int32_t";
    default: return "int64_t";
    }
}

static const char *
index_meaning(int64_t ix, const keys_shape *s)
{
    if (ix == HX_DKIX_EMPTY) {
        return "DKIX_EMPTY: a free slot";
    }
    if (ix == HX_DKIX_DUMMY) {
        return "DKIX_DUMMY: a deleted key was here; lookups probe past it";
    }
    if (ix >= 0 && ix < s->nentries) {
        return "slot %zd: the key in entry %zd";
    }
    return "slot %zd: not an index this table can hold";
}

static int
describe_indices(hx_builder *b, const keys_shape *s)
{
    Py_ssize_t i, n = hx_shown(s->size);
    unsigned char *slots = fetch_bytes(b, s->indices, n * s->ixsize);
    int result = 0;

    if (slots == NULL) {
        return -1;
    }
    for (i = 0; i < n && result == 0; i++) {
        int64_t ix = hx_signed_of(slots + i * s->ixsize, s->ixsize);
        hx_field *f = hx_add_indexed(b, s->indices + i * s->ixsize, s->ixsize,
                                     "dk_indices[%zd]", i,
                                     index_ctype(s->ixsize), HX_V_INT,
                                     index_meaning(ix, s));
        if (f == NULL) {
            result = -1;
        }
        else {
            f->arg1 = (Py_ssize_t)ix;
        }
    }
    PyMem_Free(slots);
    if (result < 0) {
        return -1;
    }
    return hx_add_rest(b, s->indices + n * s->ixsize, s->ixsize,
                       s->size - n, "%zd more slots, not described");
}

/* What an entry's parts mean: by whether it is in use, deleted, or (in a
   split table) only a shared key. */
typedef struct {
    const char *hash, *key, *value;
} entry_meanings;

static const entry_meanings in_use = {
    "entry %zd: the key's hash",
    "entry %zd: the key",
    "entry %zd: the value",
};

static const entry_meanings in_use_str = {
    "",
    "entry %zd: the key, a str (which caches its own hash)",
    "entry %zd: the value",
};

static const entry_meanings shared = {
    "entry %zd: the key's hash",
    "entry %zd: a key the instances' dicts share; each dict keeps its "
    "value in its values, at index %zd",
    "entry %zd: unused in a split table (the values are the dicts' own)",
};

static const entry_meanings deleted = {
    "entry %zd, deleted: no longer used",
    "entry %zd, deleted: NULL (its slot in dk_indices is DKIX_DUMMY)",
    "entry %zd, deleted: NULL",
};

static int
describe_entry(hx_builder *b, const keys_shape *s, const entry_shape *e,
               Py_ssize_t i, const entry_meanings *m)
{
    Py_ssize_t at = s->entries + i * e->size;
    hx_field *key;

    if (e->hash.size > 0
        && hx_add_indexed(b, at + e->hash.offset, e->hash.size,
                          "dk_entries[%zd].me_hash", i, "Py_hash_t",
                          HX_V_HASH, m->hash) == NULL) {
        return -1;
    }
    key = hx_add_indexed(b, at + e->key.offset, e->key.size,
                         "dk_entries[%zd].me_key", i, "PyObject *",
                         HX_V_OBJECT, m->key);
    if (key == NULL
        || hx_add_indexed(b, at + e->value.offset, e->value.size,
                          "dk_entries[%zd].me_value", i, "PyObject *",
                          HX_V_OBJECT, m->value) == NULL) {
        return -1;
    }
    key->arg1 = i;
    return 0;
}

static int
describe_entries(hx_builder *b, const keys_shape *s, int split)
{
    entry_shape e;
    hx_run run = {
        .offset = s->entries, .count = s->nentries, .room = s->capacity,
        .rest = "%zd more entries, not described",
        .spare = "free entry: not used yet",
        .spare_rest = "%zd more free entries, not described",
    };
    Py_ssize_t i, n = hx_shown(s->nentries);
    unsigned char *entries;
    int result = 0;

    entry_shape_of(s, &e);
    entries = fetch_bytes(b, s->entries, n * e.size);
    if (entries == NULL) {
        return -1;
    }
    for (i = 0; i < n && result == 0; i++) {
        uintptr_t key = (uintptr_t)hx_unsigned_of(
            entries + i * e.size + e.key.offset, WORD);
        const entry_meanings *m = key == 0 ? &deleted
                                  : split ? &shared
                                  : s->general ? &in_use : &in_use_str;
        result = describe_entry(b, s, &e, i, m);
    }
    PyMem_Free(entries);
    if (result < 0) {
        return -1;
    }
    run.unit = e.size;
    return hx_end_run(b, &run);
}

static int
describe_keys(hx_builder *b)
{
    PyDictObject dict;
    keys_shape s;

    if (read_owner(b, &PyDict_Type, &dict, sizeof(dict)) < 0) {
        return -1;
    }
    if (read_shape(b->address, &s) < 0 || describe_keys_header(b, &s) < 0
        || describe_indices(b, &s) < 0) {
        return -1;
    }
    return describe_entries(b, &s, dict.ma_values != NULL);
}


/* ----------------------------------------------------------------------
   dict: the values of a split table */

#if PY_VERSION_HEX >= 0x030B0000
/* 3.11+: the values and what comes with them, in layout_values.c. */
static int
describe_values_of(hx_builder *b, const keys_shape *s)
{
    const hx_values_owner owner = {.entries = s->nentries,
                                   .usable = s->usable};

    return hx_describe_values(b, 0, &owner);
}

#else
/* 3.9, 3.10: a plain array of USABLE_FRACTION(dk_size) values.  Empty
   dicts all share a static array of one NULL, with the empty keys. */
static int
describe_values_of(hx_builder *b, const keys_shape *s)
{
    if (s->capacity == 0) {
        return hx_add_indexed(b, 0, WORD, "values[%zd]", 0, "PyObject *",
                              HX_V_OBJECT, "the one slot of the static array "
                              "every empty dict shares: always NULL")
               == NULL ? -1 : 0;
    }
    return hx_describe_value_slots(b, 0, s->nentries, s->capacity);
}
#endif

static int
describe_values(hx_builder *b)
{
    PyDictObject dict;
    keys_shape s;

    if (read_owner(b, &PyDict_Type, &dict, sizeof(dict)) < 0) {
        return -1;
    }
    if (read_shape((uintptr_t)dict.ma_keys, &s) < 0) {
        return -1;
    }
    return describe_values_of(b, &s);
}


/* ----------------------------------------------------------------------
   dict */

static int
describe_version_tag(hx_builder *b)
{
    hx_field *f;

_Py_COMP_DIAG_PUSH
_Py_COMP_DIAG_IGNORE_DEPR_DECLS
#if PY_VERSION_HEX >= 0x030D0000
    f = HX_MEMBER(b, PyDictObject, ma_version_tag, "uint64_t", HX_V_HEX,
                  "version: steps of %zd, a new one after each change; the "
                  "low %zd bits say which dict watchers watch the dict, the "
                  "bits above them count changes to a watched dict");
#elif PY_VERSION_HEX >= 0x030C0000
    f = HX_MEMBER(b, PyDictObject, ma_version_tag, "uint64_t", HX_V_HEX,
                  "version: steps of %zd, a new one after each change; the "
                  "low %zd bits say which dict watchers watch the dict");
#else
    f = HX_MEMBER(b, PyDictObject, ma_version_tag, "uint64_t", HX_V_UINT,
                  "version: a new, globally unique number after each "
                  "change");
#endif
_Py_COMP_DIAG_POP
    if (f == NULL) {
        return -1;
    }
#if PY_VERSION_HEX >= 0x030C0000
    f->arg0 = hx_dict_internals.version_increment;
    f->arg1 = hx_dict_internals.watcher_bits;
#endif
    return 0;
}

/* What ma_keys and ma_values point to, in words. */
static int
explain_tables(hx_builder *b, hx_field *keys, hx_field *values)
{
    uintptr_t keys_at, values_at;
    keys_shape s;

    if (hx_fetch(b, keys->offset, &keys_at, sizeof(keys_at)) < 0
        || hx_fetch(b, values->offset, &values_at, sizeof(values_at)) < 0
        || read_shape(keys_at, &s) < 0) {
        return -1;
    }
    keys->arg0 = s.size;
    keys->arg1 = s.nentries;
    if (values_at == 0) {
        keys->meaning = s.capacity == 0
            ? "the keys object every empty dict shares"
            : "the keys object: a hash table of %zd slots, and %zd entries "
              "with the keys and values";
        values->meaning = "NULL: a combined table, the values are in the "
                          "keys object's entries";
    }
    else if (s.capacity == 0) {
        keys->meaning = "the keys object every empty dict shares";
        values->meaning = "the static values array every empty dict shares";
    }
    else {
        keys->meaning = "the keys object, shared by the instances of a "
                        "class: a hash table of %zd slots, %zd keys";
        values->meaning = "this dict's values: a split table, whose keys "
                          "are shared";
    }
    return 0;
}

int
hx_describe_dict(hx_builder *b)
{
    hx_field *keys, *values;

    if (hx_describe_header(b, 0) < 0
        || HX_MEMBER(b, PyDictObject, ma_used, "Py_ssize_t", HX_V_INT,
                     "number of items") == NULL
        || describe_version_tag(b) < 0) {
        return -1;
    }
    keys = HX_MEMBER(b, PyDictObject, ma_keys, "PyDictKeysObject *",
                     HX_V_ADDRESS, "the keys object: hash table and "
                     "entries");
#if PY_VERSION_HEX >= 0x030B0000
    values = HX_MEMBER(b, PyDictObject, ma_values, "PyDictValues *",
                       HX_V_ADDRESS, "a split table's values (NULL: the "
                       "table is combined)");
#else
    values = HX_MEMBER(b, PyDictObject, ma_values, "PyObject **",
                       HX_V_ADDRESS, "a split table's values (NULL: the "
                       "table is combined)");
#endif
    if (keys == NULL || values == NULL) {
        return -1;
    }
    hx_set_follow(keys, describe_keys, "keys object", 0, 0);
    hx_set_follow(values, describe_values, "values", 0, 0);
    if (!b->schema && explain_tables(b, keys, values) < 0) {
        return -1;
    }
    return hx_describe_extras(b, PyDict_Type.tp_basicsize);
}


/* ----------------------------------------------------------------------
   set and frozenset */

/* One setentry at `offset`: `i` names it; `in_table` is 0 for the inline
   smalltable while the entries are elsewhere (it then holds leftovers). */
static int
describe_set_entry(hx_builder *b, Py_ssize_t offset, const char *key_name,
                   const char *hash_name, Py_ssize_t i, uintptr_t key,
                   int in_table)
{
    const char *key_meaning, *hash_meaning;
    hx_value_kind kind = HX_V_OBJECT;

    if (!in_table) {
        key_meaning = "unused while the table is elsewhere: left over from "
                      "before it grew";
        hash_meaning = "unused while the table is elsewhere";
        kind = HX_V_ADDRESS;
    }
    else if (key == 0) {
        key_meaning = "NULL: a free slot";
        hash_meaning = "a free slot's hash: 0";
    }
    else if (key == (uintptr_t)hx_set_dummy()) {
        /* A static object of a type never made ready: no member, and not
           an object hexray would call live. */
        key_meaning = "_PySet_Dummy: a deleted key was here; lookups probe "
                      "past it";
        hash_meaning = "a deleted key's hash: -1";
        kind = HX_V_ADDRESS;
    }
    else {
        key_meaning = "slot %zd: a member";
        hash_meaning = "slot %zd: the member's hash";
    }
    if (hx_add_indexed(b, offset + offsetof(setentry, key), WORD, key_name, i,
                       "PyObject *", kind, key_meaning) == NULL) {
        return -1;
    }
    return hx_add_indexed(b, offset + offsetof(setentry, hash),
                          sizeof(Py_hash_t), hash_name, i, "Py_hash_t",
                          HX_V_HASH, hash_meaning) == NULL ? -1 : 0;
}

/* `count` setentry from `offset`, read from memory first. */
static int
describe_set_entries(hx_builder *b, Py_ssize_t offset, Py_ssize_t count,
                     const char *key_name, const char *hash_name,
                     int in_table)
{
    Py_ssize_t i, n = hx_shown(count);
    unsigned char *entries = fetch_bytes(b, offset,
                                         n * (Py_ssize_t)sizeof(setentry));
    int result = 0;

    if (entries == NULL) {
        return -1;
    }
    for (i = 0; i < n && result == 0; i++) {
        const unsigned char *entry = entries + i * sizeof(setentry);
        result = describe_set_entry(
            b, offset + i * (Py_ssize_t)sizeof(setentry), key_name,
            hash_name, i, (uintptr_t)hx_unsigned_of(
                entry + offsetof(setentry, key), WORD),
            in_table);
    }
    PyMem_Free(entries);
    if (result < 0) {
        return -1;
    }
    return hx_add_rest(b, offset + n * (Py_ssize_t)sizeof(setentry),
                       sizeof(setentry), count - n,
                       "%zd more slots, not described");
}

/* The slots of a table whose mask is this: mask + 1, or none if that
   is no table's size. */
static Py_ssize_t
slots_of(Py_ssize_t mask)
{
    return mask >= 0 && mask < PY_SSIZE_T_MAX ? mask + 1 : 0;
}

static int
describe_set_table(hx_builder *b)
{
    PySetObject set;

    /* A frozenset keeps its table as a set does. */
    if (read_owner(b, b->owner_type != NULL
                      && PyType_IsSubtype(b->owner_type, &PyFrozenSet_Type)
                      ? &PyFrozenSet_Type : &PySet_Type,
                   &set, sizeof(set)) < 0) {
        return -1;
    }
    /* The smalltable is described with the set, never as a block. */
    if (b->address == b->owner + offsetof(PySetObject, smalltable)) {
        return hx_no_longer_used(b);
    }
    return describe_set_entries(b, 0, slots_of(set.mask), "table[%zd].key",
                                "table[%zd].hash", 1);
}

/* The schema's smalltable: what each entry is for. */
static int
describe_smalltable_schema(hx_builder *b)
{
    Py_ssize_t i;

    for (i = 0; i < PySet_MINSIZE; i++) {
        Py_ssize_t at = offsetof(PySetObject, smalltable)
                        + i * (Py_ssize_t)sizeof(setentry);
        if (hx_add_indexed(b, at + offsetof(setentry, key), WORD,
                           "smalltable[%zd].key", i, "PyObject *", HX_V_OBJECT,
                           "slot %zd of the table while the set is small: a "
                           "member, NULL (free) or _PySet_Dummy (deleted)")
                == NULL
            || hx_add_indexed(b, at + offsetof(setentry, hash),
                              sizeof(Py_hash_t), "smalltable[%zd].hash", i,
                              "Py_hash_t", HX_V_HASH, "slot %zd: the member's "
                              "hash") == NULL) {
            return -1;
        }
    }
    return 0;
}

static int
describe_set_fields(hx_builder *b, hx_field **table)
{
    int frozen = PyType_IsSubtype(b->type, &PyFrozenSet_Type);

    if (HX_MEMBER(b, PySetObject, fill, "Py_ssize_t", HX_V_INT,
                  "slots in use: members and deleted (dummy) keys") == NULL
        || HX_MEMBER(b, PySetObject, used, "Py_ssize_t", HX_V_INT,
                     "number of members") == NULL
        || HX_MEMBER(b, PySetObject, mask, "Py_ssize_t", HX_V_INT,
                     "slots in the table, minus 1") == NULL) {
        return -1;
    }
    *table = HX_MEMBER(b, PySetObject, table, "setentry *", HX_V_ADDRESS,
                       "the table: smalltable while the set is small, "
                       "else one allocated apart");
    if (*table == NULL
        || HX_MEMBER(b, PySetObject, hash, "Py_hash_t", HX_V_HASH,
                     frozen ? "the frozenset's hash, computed once, then "
                              "kept here (-1: not yet)"
                            : "unused: a set has no hash (-1)") == NULL
        || HX_MEMBER(b, PySetObject, finger, "Py_ssize_t", HX_V_INT,
                     "where pop() looks for a member next") == NULL
        || HX_MEMBER(b, PySetObject, weakreflist, "PyObject *",
                     HX_V_OBJECT, "the list of weak references to the set "
                     "(NULL: none)") == NULL) {
        return -1;
    }
    return 0;
}

int
hx_describe_set(hx_builder *b)
{
    const Py_ssize_t small = offsetof(PySetObject, smalltable);
    PySetObject set;
    hx_field *table;
    int inline_table;

    if (hx_describe_header(b, 0) < 0 || describe_set_fields(b, &table) < 0) {
        return -1;
    }
    if (b->schema) {
        if (describe_smalltable_schema(b) < 0) {
            return -1;
        }
        return hx_describe_extras(b, PySet_Type.tp_basicsize);
    }
    if (hx_fetch(b, 0, &set, sizeof(set)) < 0) {
        return -1;
    }
    inline_table = (uintptr_t)set.table == b->address + (uintptr_t)small;
    table->arg0 = slots_of(set.mask);
    if (inline_table) {
        table->meaning = "the table: smalltable, inside the set (%zd slots)";
    }
    else {
        table->meaning = "the table, allocated apart: %zd slots";
        hx_set_follow(table, describe_set_table, "hash table", 0, 0);
    }
    if (describe_set_entries(b, small, PySet_MINSIZE, "smalltable[%zd].key",
                             "smalltable[%zd].hash", inline_table) < 0) {
        return -1;
    }
    return hx_describe_extras(b, PySet_Type.tp_basicsize);
}
