/* objects.c - the address of an object, and the object at an address.
 *
 * object_at() trusts nothing at the address.  It reads what the memory says
 * through the guarded core and accepts it only if it looks like the start
 * of a live object:
 *   1. the address is aligned like a PyObject and its header is readable;
 *   2. the reference count is plausible for this build (not 0, as for a
 *      freed object; not a pointer, as the allocator leaves in a freed
 *      block's first word);
 *   3. the type pointer leads to a ready type object whose own type is
 *      `type` or a metaclass, with a plausible size and a readable name;
 *   4. the object's fixed part lies in readable memory;
 *   5. for objects the garbage collector tracks, the collector's doubly
 *      linked list around the object's GC header links back to it, which
 *      interior words of other objects almost never do.
 * What can still fool it is documented in the README: crafted bytes that
 * imitate all of the above, inside a buffer.
 */
#include "hexray.h"

#include <string.h>

/* More references than pointers fit in the 47-bit user address space of
   x86-64 cannot exist; a larger "count" is a pointer or garbage. */
#define MAX_REFCOUNT ((uint64_t)1 << (47 - 3))

#define MAX_BASICSIZE (1 << 20)

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
    hx_fault fault;

    if (address == 0) {
        return refuse(why, why_size, "its type pointer is NULL", 0);
    }
    if (address % _Alignof(PyTypeObject) != 0) {
        return refuse(why, why_size, "its type pointer 0x%llx is misaligned",
                      address);
    }
    if (hx_read(type, address, sizeof(*type), &fault) < 0) {
        return refuse(why, why_size, "its type pointer 0x%llx does not lead "
                      "to readable memory", address);
    }
    if (!check_refcount((PyObject *)type, "its type's", why, why_size)) {
        return 0;
    }
    meta_address = (uintptr_t)Py_TYPE(type);
    if (meta_address != (uintptr_t)&PyType_Type) {
        if (meta_address == 0 || meta_address % _Alignof(PyTypeObject) != 0
            || hx_read(&meta, meta_address, sizeof(meta), &fault) < 0
            || !(meta.tp_flags & Py_TPFLAGS_TYPE_SUBCLASS)
            || !(meta.tp_flags & Py_TPFLAGS_READY)) {
            return refuse(why, why_size, "the memory its type pointer 0x%llx "
                          "leads to is not a type object", address);
        }
    }
    if (!(type->tp_flags & Py_TPFLAGS_READY)) {
        return refuse(why, why_size, "its type at 0x%llx is not a ready type "
                      "object", address);
    }
    if (type->tp_basicsize < (Py_ssize_t)sizeof(PyObject)
        || type->tp_basicsize > MAX_BASICSIZE || type->tp_itemsize < 0) {
        return refuse(why, why_size, "its type at 0x%llx has an implausible "
                      "instance size", address);
    }
    return 1;
}

static int
check_type_name(const PyTypeObject *type, char *why, size_t why_size)
{
    char name[256];
    hx_fault fault;
    long length, i;

    length = hx_read_cstring(name, sizeof(name), (uintptr_t)type->tp_name,
                             &fault);
    if (length <= 0) {
        return refuse(why, why_size, "its type's name at 0x%llx cannot be "
                      "read", (uintptr_t)type->tp_name);
    }
    for (i = 0; i < length; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
            return refuse(why, why_size, "its type's name at 0x%llx is not "
                          "text", (uintptr_t)type->tp_name);
        }
    }
    return 1;
}

/* Whether instances of `type` carry a GC header: 1 yes, 0 no, -1 unknown
   (the type decides per object with a tp_is_gc we cannot safely call). */
static int
has_gc_header(uintptr_t address, const PyTypeObject *type)
{
    unsigned long flags;
    hx_fault fault;

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
    if (hx_read(&flags, address + offsetof(PyTypeObject, tp_flags),
                sizeof(flags), &fault) < 0) {
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
    hx_fault fault;

    self = address - size;
    if (size != sizeof(head) || hx_read(head, self, size, &fault) < 0) {
        return refuse(why, why_size, "its garbage-collector header at 0x%llx "
                      "cannot be read", self);
    }
    next = head[0];
    prev = head[1] & mask;
    if (head[1] & hx_gc_prev_collecting()) {
        return 1;  /* a collection is running: the links hold its data */
    }
    if (next == 0) {
        if (prev == 0) {
            return 1;  /* not tracked */
        }
        return refuse(why, why_size, "its garbage-collector header at 0x%llx "
                      "is inconsistent: not tracked, yet linked", self);
    }
    if (hx_read(neighbour, next, size, &fault) < 0
        || (neighbour[1] & mask) != self
        || hx_read(neighbour, prev, size, &fault) < 0
        || neighbour[0] != self) {
        return refuse(why, why_size, "the garbage collector's list does not "
                      "link back to a header at 0x%llx: not the start of a "
                      "live object", self);
    }
    return 1;
}

int
hx_validate_object(uintptr_t address, char *why, size_t why_size)
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
    if (hx_probe(address, (size_t)type.tp_basicsize, HX_READ, &fault) < 0) {
        return refuse(why, why_size, "an object of its type would run into "
                      "unreadable memory at 0x%llx", fault.address);
    }
    gc = has_gc_header(address, &type);
    if (gc == 1 && !check_gc_links(address, why, why_size)) {
        return 0;
    }
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
