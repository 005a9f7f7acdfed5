/* layout_values.c - the values of a split table: a plain array of value
 * slots on 3.9 and 3.10, a PyDictValues from 3.11.
 *
 * A dict with split keys points to them (ma_values); so, until its
 * __dict__ is made, does an instance of a class that manages its dict:
 * from the words before it on 3.11 and 3.12, and on 3.13 they lie inside
 * the instance.  It is the same memory whoever leads to it, so one
 * describer serves both: values[i] is the value of the key in entry i of
 * the shared keys, named by that key where an instance's values are shown.
 *
 *   3.11, 3.12  bytes before values[0]: [-1] the size of this prefix,
 *               [-2] how many values are set, from [-3] down the insertion
 *               order; the capacity is not stored
 *   3.13        a header (capacity, size, embedded, valid), values[capacity],
 *               then the insertion order, a byte each, up to a whole word
 *
 * The offsets come from CPython's internal headers, through
 * hx_dict_internals (internal_dict.c).
 */
#include "layout.h"

#define WORD ((Py_ssize_t)sizeof(void *))

/* ----------------------------------------------------------------------
   A dict's value slots, every version */

int
hx_describe_value_slots(hx_builder *b, Py_ssize_t at, Py_ssize_t entries,
                        Py_ssize_t capacity)
{
    hx_run run = {
        .offset = at, .unit = WORD, .count = Py_MIN(entries, capacity),
        .room = capacity,
        .rest = "%zd more values, not described",
        .spare = "room for the value of a key the shared keys do not have "
                 "yet",
        .spare_rest = "%zd more slots, not described",
    };
    Py_ssize_t i, n = hx_shown(run.count);

    for (i = 0; i < n; i++) {
        if (hx_add_indexed(b, at + i * WORD, WORD, "values[%zd]", i,
                           "PyObject *", HX_V_OBJECT, "the value of the key "
                           "in entry %zd (NULL: this dict does not have it)")
            == NULL) {
            return -1;
        }
    }
    return hx_end_run(b, &run);
}

#if PY_VERSION_HEX >= 0x030B0000

/* ----------------------------------------------------------------------
   values[i] */

/* values[i] of an instance, named by its attribute where that name is
   free in the layout; the class's shared keys name `named` values. */
static hx_field *
add_attribute_value(hx_builder *b, const hx_values_owner *o, Py_ssize_t at,
                    Py_ssize_t i, Py_ssize_t named, int valid)
{
    const char *name = hx_kept_name(b, hx_shared_key(o->type, i));
    const char *meaning =
        !valid ? "stale value %zd: the __dict__ holds the attributes now"
        : i >= named
            ? "room for value %zd: no attribute has this index yet"
            : "the value of attribute %zd of the class's shared keys "
              "(NULL: not set)";
    hx_field *f;

    if (name == NULL && PyErr_Occurred()) {
        return NULL;
    }
    if (name != NULL && hx_field_named(b, name) != NULL) {
        name = NULL;    /* a C name of this layout: keep it unambiguous */
    }
    f = hx_add(b, at, WORD, name ? name : "values[%zd]", "PyObject *",
               HX_V_OBJECT, meaning);
    if (f != NULL) {
        f->index = name ? -1 : i;
        f->arg0 = i;
    }
    return f;
}

/* An instance's values: `count` slots, each named by its attribute. */
static int
describe_attribute_values(hx_builder *b, const hx_values_owner *o,
                          Py_ssize_t at, Py_ssize_t count, int valid)
{
    Py_ssize_t i, named = hx_shared_key_count(o->type);

    for (i = 0; i < count; i++) {
        if (add_attribute_value(b, o, at + i * WORD, i, named, valid)
            == NULL) {
            return -1;
        }
    }
    return 0;
}

/* The slots, for whoever owns them: `capacity` of them at most. */
static int
describe_slots(hx_builder *b, const hx_values_owner *o, Py_ssize_t at,
               Py_ssize_t capacity, int valid)
{
    if (o->type == NULL) {
        return hx_describe_value_slots(b, at, o->entries, capacity);
    }
    return describe_attribute_values(b, o, at, capacity, valid);
}

/* order[k]: the index of the k-th value set, one byte each from `at`,
   `step` bytes apart (-1: they run backwards). */
static int
describe_order(hx_builder *b, Py_ssize_t at, Py_ssize_t step,
               Py_ssize_t size, const unsigned char *bytes)
{
    Py_ssize_t k;

    for (k = 0; k < size; k++) {
        hx_field *f = hx_add_indexed(b, at + k * step, 1, "order[%zd]", k,
                                     "uint8_t", HX_V_UINT, "value %zd in "
                                     "insertion order is values[%zd]");
        if (f == NULL) {
            return -1;
        }
        f->arg1 = bytes[k * step];
    }
    return 0;
}

#endif /* 3.11+ */

#if PY_VERSION_HEX >= 0x030D0000

/* ----------------------------------------------------------------------
   3.13: header, values, order */

static int
describe_header(hx_builder *b, Py_ssize_t at, int valid)
{
    const hx_dict_facts *d = &hx_dict_internals;
    static const char *const valid_meanings[] = {
        "0: stale; the dict that shared them holds its values itself now",
        "1: in use (a dict, once made, shares them)",
    };

    if (hx_add(b, at + d->capacity.offset, d->capacity.size, "capacity",
               "uint8_t", HX_V_UINT, "slots in values[], fixed when they "
               "were made") == NULL
        || hx_add(b, at + d->size.offset, d->size.size, "size", "uint8_t",
                  HX_V_UINT, "values set, in the insertion order after "
                  "values[]") == NULL
        || hx_add(b, at + d->embedded.offset, d->embedded.size, "embedded",
                  "uint8_t", HX_V_UINT, "1: the values live inside the "
                  "instance whose attributes they are") == NULL
        || hx_add(b, at + d->valid.offset, d->valid.size, "valid", "uint8_t",
                  HX_V_UINT, b->schema ? "1: in use; 0: stale"
                                       : valid_meanings[valid != 0])
           == NULL) {
        return -1;
    }
    return hx_fill_gaps(b, at, at + d->values, "padding");
}

/* What a schema shows: the header and the first value. */
static int
describe_schema(hx_builder *b, Py_ssize_t at)
{
    hx_field *f;

    if (describe_header(b, at, 1) < 0) {
        return -1;
    }
    f = hx_add(b, at + hx_dict_internals.values, WORD, "values[%zd]",
               "PyObject *", HX_V_OBJECT, "the first value (capacity of "
               "them, then the insertion order)");
    if (f == NULL) {
        return -1;
    }
    f->index = 0;
    return 0;
}

int
hx_describe_values(hx_builder *b, Py_ssize_t at, const hx_values_owner *o)
{
    const hx_dict_facts *d = &hx_dict_internals;
    unsigned char head[16], order[256];
    Py_ssize_t capacity, size, values = at + d->values, end;
    int valid;

    if (b->schema) {
        return describe_schema(b, at);
    }
    if ((size_t)d->values > sizeof(head)
        || hx_fetch(b, at, head, (size_t)d->values) < 0) {
        return -1;
    }
    capacity = (Py_ssize_t)hx_unsigned_of(head + d->capacity.offset,
                                          d->capacity.size);
    size = (Py_ssize_t)hx_unsigned_of(head + d->size.offset, d->size.size);
    valid = hx_unsigned_of(head + d->valid.offset, d->valid.size) != 0;
    if (capacity > d->shared_keys_max || size > capacity) {
        return hx_add_unnamed(b, at, values, "a values header that makes no "
                              "sense: more values set than there is room "
                              "for, or more room than shared keys have");
    }
    end = values + capacity * WORD;
    if (describe_header(b, at, valid) < 0
        || describe_slots(b, o, values, capacity, valid) < 0
        || hx_fetch(b, end, order, (size_t)size) < 0
        || describe_order(b, end, 1, size, order) < 0) {
        return -1;
    }
    return hx_add_unnamed(b, end + size,
                          end + _Py_SIZE_ROUND_UP(capacity, WORD),
                          "room for the order of values to come");
}

#elif PY_VERSION_HEX >= 0x030B0000

/* ----------------------------------------------------------------------
   3.11, 3.12: the prefix before the values */

/* The slots there can be: a dict's keys tell (entries it has, and can
   still take); an instance's class names as many as its shared keys
   have, or the order bytes show. */
static Py_ssize_t
capacity_of(const hx_values_owner *o, Py_ssize_t room,
            const unsigned char *order, Py_ssize_t size)
{
    Py_ssize_t count, k;

    if (o->type == NULL) {
        count = o->entries + o->usable;
    }
    else {
        count = hx_shared_key_count(o->type);
        for (k = 0; k < size; k++) {
            count = Py_MAX(count, (Py_ssize_t)order[-k] + 1);
        }
    }
    return Py_MIN(count, Py_MIN(room, hx_dict_internals.shared_keys_max));
}

int
hx_describe_values(hx_builder *b, Py_ssize_t at, const hx_values_owner *o)
{
    unsigned char tail[2], prefix[256];
    Py_ssize_t size, length;

    if (hx_fetch(b, at - 2, tail, sizeof(tail)) < 0) {
        return -1;
    }
    size = tail[0];
    length = tail[1];
    if (hx_add(b, at - 1, 1, "prefix_size", "uint8_t", HX_V_UINT,
               "bytes before values[0]: this prefix") == NULL
        || hx_add(b, at - 2, 1, "size", "uint8_t", HX_V_UINT,
                  "values set, in the insertion order before it") == NULL) {
        return -1;
    }
    if (length < 2 || length % WORD != 0 || size > length - 2) {
        return 0;   /* no values (any more): nothing else to say */
    }
    if (hx_fetch(b, at - length, prefix, (size_t)length) < 0
        || describe_order(b, at - 3, -1, size, prefix + length - 3) < 0
        || hx_add_unnamed(b, at - length, at - 2 - size, "room for the "
                          "order of values to come") < 0) {
        return -1;
    }
    return describe_slots(b, o, at + hx_dict_internals.values,
                          capacity_of(o, length - 2, prefix + length - 3,
                                      size), 1);
}

#endif
