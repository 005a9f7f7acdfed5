/* objects.c - the address of an object, and the object at an address.
 *
 * object_at() trusts nothing at the address.  It reads what the memory says
 * through the guarded core and accepts it only if it looks like the start
 * of a live object:
 *   1. the address is aligned like a PyObject and its header is readable;
 *   2. the reference count is plausible for this build (not 0, as for a
 *      freed object; not a pointer, as the allocator leaves in a freed
 *      block's first word);
 *   3. the type pointer leads to a type object whose own type is `type` or
 *      a (ready) metaclass, with a plausible size and a readable name (not
 *      necessarily ready itself: 3.9's functools makes instances of a
 *      static type it never readies);
 *   4. the object lies in readable memory: its fixed part and, for
 *      variable-size objects, as many items as its size field claims, which
 *      must be a number memory could hold;
 *   5. ints, bytes and str keep their invariants (normalised digits, the
 *      trailing NUL, a valid character kind);
 *   6. for objects the garbage collector tracks, the collector's doubly
 *      linked list around the object's GC header links back to it, which
 *      interior words of other objects almost never do;
 *   7. where pymalloc allocated the memory, the object (with what precedes
 *      it) starts a block, as every object pymalloc holds does: the inside
 *      of another object, of a tuple say, does not.
 * What can still fool it is documented in the README: crafted bytes that
 * imitate all of the above, inside a buffer.
 */
#include "hexray.h"

#include <string.h>

/* More references than pointers fit in the 47-bit user address space of
   x86-64 cannot exist; a larger "count" is a pointer or garbage. */
#define MAX_REFCOUNT ((uint64_t)1 << (47 - 3))

/* Far larger than any real instance (a class with a million __slots__
   has 8 MB instances), far smaller than a pointer read as a size. */
#define MAX_BASICSIZE ((Py_ssize_t)1 << 30)

/* No object can be larger than the 47-bit user address space. */
#define MAX_EXTENT ((uint64_t)1 << 47)

static int
refuse(char *why, size_t why_size, const char *format, uintptr_t value)
{
    PyOS_snprintf(why, why_size, format, (unsigned long long)value);
    return 0;
}

/* 1 if the header's reference count is plausible, else 0 with why set. */
static int
check_refcount(const PyObject *header, const char *whose, char *why,
               size_t why_size)
{
    uint64_t count = (uint64_t)Py_REFCNT(header);
    char format[160];

#if PY_VERSION_HEX >= 0x030C0000
    /* The low 32 bits count references and read as a negative int32 when
       the object is immortal; the high 32 bits stay zero. */
    int plausible = (count >> 32) == 0 && (uint32_t)count != 0;
#else
    int plausible = (int64_t)count > 0 && count <= MAX_REFCOUNT;
#endif
    if (plausible) {
        return 1;
    }
    if (count == 0) {
        PyOS_snprintf(format, sizeof(format), "%s reference count is 0: "
                      "freed, or being freed", whose);
    }
    else {
        PyOS_snprintf(format, sizeof(format), "%s first word, 0x%%llx, is "
                      "not a plausible reference count (freed memory, or the "
                      "middle of an object?)", whose);
    }
    return refuse(why, why_size, format, (uintptr_t)count);
}

/* Read the type object at `address` into *type and check that it is one:
   ready, plausible count and size, and its own type is a type. */
static int
read_type(uintptr_t address, PyTypeObject *type, char *why, size_t why_size)
{
    PyTypeObject meta;
    uintptr_t meta_address;

    if (address == 0) {
        return refuse(why, why_size, "its type pointer is NULL", 0);
    }
    if (address % _Alignof(PyTypeObject) != 0) {
        return refuse(why, why_size, "its type pointer 0x%llx is misaligned",
                      address);
    }
    if (hx_peek(address, type, sizeof(*type)) < 0) {
        return refuse(why, why_size, "its type pointer 0x%llx does not lead "
                      "to readable memory", address);
    }
    if (!check_refcount((PyObject *)type, "its type's", why, why_size)) {
        return 0;
    }
    meta_address = (uintptr_t)Py_TYPE(type);
    if (meta_address != (uintptr_t)&PyType_Type) {
        if (meta_address == 0 || meta_address % _Alignof(PyTypeObject) != 0
            || hx_peek(meta_address, &meta, sizeof(meta)) < 0
            || !(meta.tp_flags & Py_TPFLAGS_TYPE_SUBCLASS)
            || !(meta.tp_flags & Py_TPFLAGS_READY)) {
            return refuse(why, why_size, "the memory its type pointer 0x%llx "
                          "leads to is not a type object", address);
        }
    }
    if (type->tp_basicsize < (Py_ssize_t)sizeof(PyObject)
        || type->tp_basicsize > MAX_BASICSIZE || type->tp_itemsize < 0) {
        return refuse(why, why_size, "its type at 0x%llx has an implausible "
                      "instance size", address);
    }
    return 1;
}

/* Any name will do (classes may be called "" or "a\tb"), but it must be
   readable memory, as a type's name always is. */
static int
check_type_name(const PyTypeObject *type, char *why, size_t why_size)
{
    char name[256];
    hx_fault fault;

    if (hx_read_cstring(name, sizeof(name), (uintptr_t)type->tp_name,
                        &fault) < 0) {
        return refuse(why, why_size, "its type's name at 0x%llx cannot be "
                      "read", (uintptr_t)type->tp_name);
    }
    return 1;
}

#if PY_VERSION_HEX >= 0x030C0000
#  define LV_TAG_OFFSET offsetof(PyLongObject, long_value.lv_tag)
_Static_assert(LV_TAG_OFFSET + sizeof(uintptr_t) <= sizeof(PyVarObject),
               "lv_tag lies where ob_size does");
#endif

void
hx_int_shape(const PyVarObject *header, uint64_t *digits, int *sign)
{
#if PY_VERSION_HEX >= 0x030C0000
    uintptr_t tag;

    memcpy(&tag, (const char *)header + LV_TAG_OFFSET, sizeof(tag));
    *digits = tag >> _PyLong_NON_SIZE_BITS;
    if ((tag & _PyLong_SIGN_MASK) == _PyLong_SIGN_MASK) {
        *sign = 2;
    }
    else {
        *sign = 1 - (int)(tag & _PyLong_SIGN_MASK);
    }
#else
    Py_ssize_t size = header->ob_size;

    *digits = size < 0 ? (uint64_t)0 - (uint64_t)size : (uint64_t)size;
    *sign = size < 0 ? -1 : size > 0;
#endif
}

static uint64_t
item_count(const PyVarObject *header, const PyTypeObject *type)
{
    uint64_t digits;
    int sign;

    if (type->tp_flags & Py_TPFLAGS_LONG_SUBCLASS) {
        hx_int_shape(header, &digits, &sign);
        return digits;
    }
    return header->ob_size < 0 ? (uint64_t)0 - (uint64_t)header->ob_size
                               : (uint64_t)header->ob_size;
}

/* Whether instances of `type` start with a PyVarObject header whose
   ob_size counts their items.  A non-zero tp_itemsize alone does not say
   so: from 3.11 frames and generators have one, yet keep a pointer where
   ob_size would be. */
static int
counts_items_in_ob_size(const PyTypeObject *type, uintptr_t type_address)
{
    if (type->tp_flags & (Py_TPFLAGS_LONG_SUBCLASS | Py_TPFLAGS_TUPLE_SUBCLASS
                          | Py_TPFLAGS_BYTES_SUBCLASS
                          | Py_TPFLAGS_TYPE_SUBCLASS)) {
        return 1;
    }
    return type_address == (uintptr_t)&PyCode_Type;
}

/* The object's fixed part, and for variable-size objects the items its
   size field claims, must fit in memory and end in readable memory. */
static int
check_extent(uintptr_t address, const PyTypeObject *type,
             uintptr_t type_address, char *why, size_t why_size)
{
    PyVarObject header;
    /* A str's tp_basicsize is the legacy struct's: compact strings are
       smaller, and only share the PyASCIIObject header. */
    uint64_t items, extent = (type->tp_flags & Py_TPFLAGS_UNICODE_SUBCLASS)
                             ? sizeof(PyASCIIObject)
                             : (uint64_t)type->tp_basicsize;
    uint64_t item_size = (uint64_t)type->tp_itemsize;
    hx_fault fault;

    if (item_size != 0 && counts_items_in_ob_size(type, type_address)) {
        if (hx_peek(address, &header, sizeof(header)) < 0) {
            return refuse(why, why_size, "its size field at 0x%llx cannot be "
                          "read", address + offsetof(PyVarObject, ob_size));
        }
        items = item_count(&header, type);
        if (items > (MAX_EXTENT - extent) / item_size) {
            return refuse(why, why_size, "its size field claims 0x%llx "
                          "items: more than memory can hold", items);
        }
        extent += items * item_size;
    }
    if (hx_probe(address, (size_t)extent, HX_READ, &fault) < 0) {
        return refuse(why, why_size, "an object of its type and size would "
                      "run into unreadable memory at 0x%llx", fault.address);
    }
    return 1;
}

/* An int's sign agrees with its digit count, and its most significant
   digit is non-zero and below PyLong_BASE (ints are kept normalised). */
static int
check_int(uintptr_t address, char *why, size_t why_size)
{
    PyVarObject header;
    uint64_t digits;
    digit top;
    int sign;

    if (hx_peek(address, &header, sizeof(header)) < 0) {
        return refuse(why, why_size, "its header cannot be read", 0);
    }
    hx_int_shape(&header, &digits, &sign);
    if (sign == 2 || (digits == 0) != (sign == 0)) {
        return refuse(why, why_size, "as an int, its sign and digit count "
                      "(0x%llx) disagree", (uintptr_t)digits);
    }
    if (digits == 0) {
        return 1;
    }
    if (hx_peek(address + HX_DIGITS_OFFSET + (digits - 1) * sizeof(digit),
                &top, sizeof(top)) < 0
        || top == 0 || top >= PyLong_BASE) {
        return refuse(why, why_size, "as an int, its most significant digit "
                      "is not normalised (digit count 0x%llx)",
                      (uintptr_t)digits);
    }
    return 1;
}

/* bytes end in a NUL byte after their ob_size bytes. */
static int
check_bytes(uintptr_t address, char *why, size_t why_size)
{
    PyVarObject header;
    char last;

    if (hx_peek(address, &header, sizeof(header)) < 0
        || header.ob_size < 0
        || hx_peek(address + offsetof(PyBytesObject, ob_sval)
                   + (uintptr_t)header.ob_size, &last, 1) < 0
        || last != '\0') {
        return refuse(why, why_size, "as bytes, its contents are not followed "
                      "by the NUL byte bytes objects always have", 0);
    }
    return 1;
}

/* A str's state names a real character kind, and 'ascii' implies the
   one-byte kind. */
static int
check_str(uintptr_t address, char *why, size_t why_size)
{
    PyASCIIObject head;
    unsigned int kind;

    if (hx_peek(address, &head, sizeof(head)) < 0) {
        return refuse(why, why_size, "its header cannot be read", 0);
    }
    kind = head.state.kind;
    if (head.length < 0
        || (kind != PyUnicode_1BYTE_KIND && kind != PyUnicode_2BYTE_KIND
            && kind != PyUnicode_4BYTE_KIND
#if PY_VERSION_HEX < 0x030C0000
            && !(kind == 0 && !head.state.ready)   /* not yet ready */
#endif
            )
        || (head.state.ascii && kind != PyUnicode_1BYTE_KIND)) {
        return refuse(why, why_size, "as a str, its length or state bits "
                      "are impossible (kind %llu)", kind);
    }
    return 1;
}

static int
check_invariants(uintptr_t address, const PyTypeObject *type, char *why,
                 size_t why_size)
{
    if (type->tp_flags & Py_TPFLAGS_LONG_SUBCLASS) {
        return check_int(address, why, why_size);
    }
    if (type->tp_flags & Py_TPFLAGS_BYTES_SUBCLASS) {
        return check_bytes(address, why, why_size);
    }
    if (type->tp_flags & Py_TPFLAGS_UNICODE_SUBCLASS) {
        return check_str(address, why, why_size);
    }
    return 1;
}

int
hx_has_gc_header(uintptr_t address, const PyTypeObject *type)
{
    unsigned long flags;

    if (!(type->tp_flags & Py_TPFLAGS_HAVE_GC)) {
        return 0;
    }
    if (type->tp_is_gc == NULL) {
        return 1;
    }
    if (!(type->tp_flags & Py_TPFLAGS_TYPE_SUBCLASS)) {
        return -1;
    }
    /* A type object: heap types are GC-allocated, static ones are not. */
    if (hx_peek(address + offsetof(PyTypeObject, tp_flags), &flags,
                sizeof(flags)) < 0) {
        return -1;
    }
    return (flags & Py_TPFLAGS_HEAPTYPE) != 0;
}

/* The collector keeps tracked objects in doubly linked lists through their
   GC headers: the neighbours of a real header point back to it. */
static int
check_gc_links(uintptr_t address, char *why, size_t why_size)
{
    uintptr_t head[2], neighbour[2], self, next, prev;
    uintptr_t mask = hx_gc_prev_mask();
    size_t size = hx_gc_head_size();

    self = address - size;
    if (size != sizeof(head) || hx_peek(self, head, size) < 0) {
        return refuse(why, why_size, "its garbage-collector header at 0x%llx "
                      "cannot be read", self);
    }
    next = head[0];
    prev = head[1] & mask;
    /* While Python code can run, even in what a collection calls, the
       links are links, and only a collection sets the flag. */
    if ((head[1] & hx_gc_prev_collecting()) && !hx_gc_collecting()) {
        return refuse(why, why_size, "its garbage-collector header at 0x%llx "
                      "says a collection is examining it, and none is "
                      "running", self);
    }
    if (next % sizeof(void *) != 0) {
        return refuse(why, why_size, "its garbage-collector header links "
                      "to a misaligned 0x%llx", next);
    }
    if (next == 0) {
        if (prev == 0) {
            return 1;  /* not tracked */
        }
        return refuse(why, why_size, "its garbage-collector header at 0x%llx "
                      "is inconsistent: not tracked, yet linked", self);
    }
    if (hx_peek(next, neighbour, size) < 0
        || (neighbour[1] & mask) != self
        || hx_peek(prev, neighbour, size) < 0
        || neighbour[0] != self) {
        return refuse(why, why_size, "the garbage collector's list does not "
                      "link back to a header at 0x%llx: not the start of a "
                      "live object", self);
    }
    return 1;
}

/* Objects pymalloc holds start a block, after their pre-header. */
static int
check_block(uintptr_t address, PyTypeObject *type, int gc, char *why,
            size_t why_size)
{
    size_t before = hx_preheader_size(type);
    uintptr_t block;

    if ((type->tp_flags & Py_TPFLAGS_HAVE_GC) && !gc) {
        return 1;   /* a static type: not pymalloc's */
    }
    if (hx_pymalloc_check(address - before, &block) < 0) {
        return refuse(why, why_size, "it lies inside memory pymalloc handed "
                      "out at 0x%llx: the inside of another object, or "
                      "memory no object uses", block);
    }
    return 1;
}

/* hx_validate_object(), handing over the type pointer it checked. */
static int
validate(uintptr_t address, uintptr_t *type_address, char *why,
         size_t why_size)
{
    PyObject header;
    PyTypeObject type;
    hx_fault fault;
    int gc;

    if (address == 0) {
        return refuse(why, why_size, "it is NULL", 0);
    }
    if (address % _Alignof(PyObject) != 0) {
        PyOS_snprintf(why, why_size, "objects start on %zu-byte boundaries",
                      (size_t)_Alignof(PyObject));
        return 0;
    }
    if (hx_read(&header, address, sizeof(header), &fault) < 0) {
        return refuse(why, why_size, "its header cannot be read: 0x%llx is "
                      "not readable", fault.address);
    }
    if (!check_refcount(&header, "its", why, why_size)
        || !read_type((uintptr_t)Py_TYPE(&header), &type, why, why_size)
        || !check_type_name(&type, why, why_size)) {
        return 0;
    }
    if (!check_extent(address, &type, (uintptr_t)Py_TYPE(&header), why,
                      why_size)
        || !check_invariants(address, &type, why, why_size)) {
        return 0;
    }
    gc = hx_has_gc_header(address, &type);
    if (gc == 1 && !check_gc_links(address, why, why_size)) {
        return 0;
    }
    if (gc != -1 && !check_block(address, &type, gc, why, why_size)) {
        return 0;
    }
    *type_address = (uintptr_t)Py_TYPE(&header);
    return 1;
}

int
hx_validate_object(uintptr_t address, char *why, size_t why_size)
{
    uintptr_t type_address;

    return validate(address, &type_address, why, why_size);
}

int
hx_validate_typed_object(uintptr_t address, PyTypeObject **type, char *why,
                         size_t why_size)
{
    uintptr_t type_address;

    if (!validate(address, &type_address, why, why_size)) {
        return 0;
    }
    if (!hx_type_is_known(type_address)) {
        return refuse(why, why_size, "its type pointer 0x%llx leads to a "
                      "type object the interpreter does not know (no base "
                      "lists it): crafted bytes?", type_address);
    }
    *type = (PyTypeObject *)type_address;
    return 1;
}

PyDoc_STRVAR(address_doc,
"address(obj, /)\n--\n\n"
"The address where obj starts in memory (equal to id(obj) on CPython).");

static PyObject *
address(PyObject *Py_UNUSED(module), PyObject *obj)
{
    return PyLong_FromVoidPtr(obj);
}

PyDoc_STRVAR(object_at_doc,
"object_at(address, /)\n--\n\n"
"Return the live object that starts at address.\n\n"
"The memory there is checked, never trusted: a freed object, an address\n"
"inside an object, a misaligned, unmapped or random address raises\n"
"InvalidObjectError saying what the memory showed.");

static PyObject *
object_at(PyObject *Py_UNUSED(module), PyObject *arg)
{
    uintptr_t address;
    char why[256];

    if (hx_parse_address(arg, &address) < 0) {
        return NULL;
    }
    if (!hx_validate_object(address, why, sizeof(why))) {
        return hx_raise_invalid_object(address, why);
    }
    /* A new reference for the caller: the object is now theirs too. */
    return Py_NewRef((PyObject *)address);
}

PyMethodDef hx_objects_methods[] = {
    {"address", address, METH_O, address_doc},
    {"object_at", object_at, METH_O, object_at_doc},
    {NULL, NULL, 0, NULL}
};
