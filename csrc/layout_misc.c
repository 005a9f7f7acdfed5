/* layout_misc.c - layouts of array.array, range, slice, modules, and the
 * singletons None, Ellipsis and NotImplemented.
 *
 * array.array and range are private to CPython's .c files and the module
 * object to its internal headers: their structs come from private.h (and
 * internal_module.c); slice and PyModuleDef are public.
 */
#include "layout.h"
#include "private.h"

#include <string.h>

#define WORD ((Py_ssize_t)sizeof(void *))

/* ----------------------------------------------------------------------
   Which types are array.array */

/* The key of the interpreter's own dict that keeps its array type. */
#define ARRAY_TYPE_KEY "hexray.array_type"

/* Whether `found` is the type the array module defines, not a stand-in
   someone put in sys.modules: an extension module's type with the array
   struct's size. */
static int
is_genuine_array_type(PyObject *module, PyObject *found)
{
    PyTypeObject *type = (PyTypeObject *)found;

    return PyModule_Check(module) && PyModule_GetDef(module) != NULL
           && PyType_Check(found)
           && type->tp_base == &PyBaseObject_Type
           && type->tp_basicsize == (Py_ssize_t)sizeof(hx_arrayobject)
           && type->tp_itemsize == 0
           && strcmp(type->tp_name, "array.array") == 0;
}

/* array.array as the array module of this interpreter defines it (from
   3.10 each instance of the module makes its own), or Py_None if it cannot
   be imported: a new reference, never NULL. */
static PyObject *
import_array_type(void)
{
    PyObject *module = PyImport_ImportModule("array"), *found;

    if (module == NULL) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    found = PyObject_GetAttrString(module, "array");
    if (found == NULL) {
        PyErr_Clear();
    }
    else if (!is_genuine_array_type(module, found)) {
        Py_CLEAR(found);
    }
    Py_DECREF(module);
    return found != NULL ? found : Py_NewRef(Py_None);
}

/* This interpreter's array type, imported on first use and kept in the
   interpreter's dict; NULL if there is none (never raises). */
static PyTypeObject *
array_type(void)
{
    PyObject *found = hx_interpreter_value(ARRAY_TYPE_KEY,
                                           import_array_type);

    if (found == NULL) {
        PyErr_Clear();
        return NULL;
    }
    return found == Py_None ? NULL : (PyTypeObject *)found;
}

int
hx_is_array_type(PyTypeObject *type)
{
    PyTypeObject *array, *base;

    /* A subclass is never smaller than its base: most types are settled
       here, without importing anything. */
    if (type->tp_basicsize < (Py_ssize_t)sizeof(hx_arrayobject)) {
        return 0;
    }
    array = array_type();
    if (array == NULL) {
        return 0;
    }
    if (PyType_IsSubtype(type, array)) {
        return 1;
    }
    /* From 3.10 every instance of the array module (another interpreter's,
       or one imported again) has an array type of its own, made from the
       same C code: its arrays are still arrays. */
    for (base = type; base != NULL; base = base->tp_base) {
        if (base->tp_dealloc == array->tp_dealloc
            && base->tp_basicsize == array->tp_basicsize) {
            return 1;
        }
    }
    return 0;
}


/* ----------------------------------------------------------------------
   array.array */

/* The C type each typecode stores (Modules/arraymodule.c, descriptors[];
   'w' is new in 3.13). */
static const struct {
    char typecode;
    const char *ctype;
} array_ctypes[] = {
    {'b', "signed char"},
    {'B', "unsigned char"},
    {'u', "wchar_t"},
    {'w', "Py_UCS4"},
    {'h', "short"},
    {'H', "unsigned short"},
    {'i', "int"},
    {'I', "unsigned int"},
    {'l', "long"},
    {'L', "unsigned long"},
    {'q', "long long"},
    {'Q', "unsigned long long"},
    {'f', "float"},
    {'d', "double"},
};

/* How to show each item of an array with this descriptor. */
typedef struct {
    const char *ctype;
    hx_value_kind value;
    const char *meaning;
    Py_ssize_t width;       /* HX_V_TEXT: bytes per character */
} item_form;

static const char *
ctype_of(char typecode)
{
    size_t i;

    for (i = 0; i < Py_ARRAY_LENGTH(array_ctypes); i++) {
        if (array_ctypes[i].typecode == typecode) {
            return array_ctypes[i].ctype;
        }
    }
    return "char[]";
}

static int
is_integer_size(int size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static item_form
item_form_of(const hx_arraydescr *descr)
{
    item_form form = {ctype_of(descr->typecode), HX_V_BYTES,
                      "an item of an unknown type: its bytes", 0};
    int size = descr->itemsize;

    if (descr->is_integer_type && is_integer_size(size)) {
        form.value = descr->is_signed ? HX_V_INT : HX_V_UINT;
        form.meaning = descr->is_signed ? "an item: a signed integer"
                                        : "an item: an unsigned integer";
    }
    else if ((descr->typecode == 'u' || descr->typecode == 'w')
             && (size == 2 || size == 4)) {
        form.value = HX_V_TEXT;
        form.width = size;
        form.meaning = "an item: one character, as a code point of %zd "
                       "bytes";
    }
    else if ((descr->typecode == 'f' && size == (int)sizeof(float))
             || (descr->typecode == 'd' && size == (int)sizeof(double))) {
        form.value = HX_V_FLOAT;
        form.meaning = "an item: an IEEE 754 binary floating-point number";
    }
    return form;
}

/* The descriptor of the array a block belongs to.  ob_descr never changes
   in an array's life, so the owner's is the one the block was made with.
   0, or -1 with an exception set. */
static int
owner_descr(hx_builder *b, hx_arraydescr *descr)
{
    uintptr_t address;

    /* Not hx_check_owner: each array module instance has its own type. */
    if (b->owner == 0 || b->owner_type == NULL
        || !hx_is_array_type(b->owner_type)) {
        return hx_wrong_owner(b, "array.array");
    }
    if (hx_read_at(b->owner + offsetof(hx_arrayobject, ob_descr), &address,
                   sizeof(address)) < 0) {
        return -1;
    }
    return hx_read_at(address, descr, sizeof(*descr));
}

static int
add_items(hx_builder *b, const item_form *form, Py_ssize_t itemsize,
          Py_ssize_t shown)
{
    Py_ssize_t i;
    hx_field *f;

    for (i = 0; i < shown; i++) {
        f = hx_add(b, i * itemsize, itemsize, "ob_item[%zd]", form->ctype,
                   form->value, form->meaning);
        if (f == NULL) {
            return -1;
        }
        f->index = i;
        f->arg0 = form->width;
    }
    return 0;
}

/* The block ob_item points to: params.count items (ob_size), then room
   for params.aux - count more (allocated). */
static int
describe_array_items(hx_builder *b)
{
    hx_run run = {
        .count = b->params.count, .room = b->params.aux,
        .rest = "%zd more items, not described",
        .spare = "allocated, not in use: room for more items",
        .spare_rest = "room for %zd more items, not described",
    };
    hx_arraydescr descr;
    item_form form;

    if (owner_descr(b, &descr) < 0) {
        return -1;
    }
    if (descr.itemsize <= 0 || descr.itemsize > 64) {
        PyErr_Format(hx_HexrayError, "the array's descriptor gives an item "
                     "size of %d bytes: not an array descriptor",
                     descr.itemsize);
        return -1;
    }
    form = item_form_of(&descr);
    run.unit = descr.itemsize;
    if (add_items(b, &form, descr.itemsize, hx_shown(run.count)) < 0) {
        return -1;
    }
    return hx_end_run(b, &run);
}

/* The struct arraydescr ob_descr points to: one per typecode, static in
   the array module. */
static int
describe_array_descr(hx_builder *b)
{
    hx_field *typecode;

    typecode = HX_MEMBER(b, hx_arraydescr, typecode, "char", HX_V_TEXT,
                         "the typecode, as array.typecode gives it");
    if (typecode == NULL) {
        return -1;
    }
    typecode->arg0 = 1;     /* one byte per character */
    if (hx_add_unnamed(b, typecode->offset + typecode->size,
                       offsetof(hx_arraydescr, itemsize), "padding") < 0) {
        return -1;
    }
    if (HX_MEMBER(b, hx_arraydescr, itemsize, "int", HX_V_INT,
                  "bytes per item") == NULL
        || HX_MEMBER(b, hx_arraydescr, getitem,
                     "PyObject *(*)(arrayobject *, Py_ssize_t)",
                     HX_V_FUNCTION, "C function: item i as a Python object")
           == NULL
        || HX_MEMBER(b, hx_arraydescr, setitem,
                     "int (*)(arrayobject *, Py_ssize_t, PyObject *)",
                     HX_V_FUNCTION, "C function: store a Python object as "
                     "item i") == NULL
        || HX_MEMBER(b, hx_arraydescr, compareitems,
                     "int (*)(const void *, const void *, Py_ssize_t)",
                     HX_V_FUNCTION, "C function: compare runs of items in "
                     "one go (NULL: compare them one by one)") == NULL
        || HX_MEMBER(b, hx_arraydescr, formats, "const char *",
                     HX_V_CSTRING, "the item's format in the struct module's "
                     "notation, for the buffer protocol") == NULL
        || HX_MEMBER(b, hx_arraydescr, is_integer_type, "int", HX_V_INT,
                     "1 if the items are integers") == NULL
        || HX_MEMBER(b, hx_arraydescr, is_signed, "int", HX_V_INT,
                     "1 if they are signed integers") == NULL) {
        return -1;
    }
    return 0;
}

/* ob_item, allocated and ob_descr, and where ob_item leads. */
static int
describe_array_storage(hx_builder *b)
{
    hx_field *items, *descr;
    Py_ssize_t size = 0, allocated = 0;

    items = HX_MEMBER(b, hx_arrayobject, ob_item, "char *", HX_V_ADDRESS,
                      "the items, packed as C values of the typecode's "
                      "type (NULL when there is no room)");
    if (items == NULL
        || HX_MEMBER(b, hx_arrayobject, allocated, "Py_ssize_t", HX_V_INT,
                     "number of items there is room for") == NULL) {
        return -1;
    }
    descr = HX_MEMBER(b, hx_arrayobject, ob_descr,
                      "const struct arraydescr *", HX_V_ADDRESS,
                      "the typecode's descriptor: item size, C type, "
                      "conversions");
    if (descr == NULL) {
        return -1;
    }
    hx_set_follow(descr, describe_array_descr, "array descriptor", 0, 0);
    hx_set_follow(items, describe_array_items, "array items", 0, 0);
    if (!b->schema
        && (hx_fetch(b, offsetof(PyVarObject, ob_size), &size,
                     sizeof(size)) < 0
            || hx_fetch(b, offsetof(hx_arrayobject, allocated), &allocated,
                        sizeof(allocated)) < 0)) {
        return -1;
    }
    items->follow.count = size;
    items->follow.aux = allocated;
    return 0;
}

int
hx_describe_array(hx_builder *b)
{
    if (hx_describe_header(b, 1) < 0 || describe_array_storage(b) < 0
        || HX_MEMBER(b, hx_arrayobject, weakreflist, "PyObject *",
                     HX_V_OBJECT, "the first weak reference to the array "
                     "(NULL: none)") == NULL
        || HX_MEMBER(b, hx_arrayobject, ob_exports, "Py_ssize_t", HX_V_INT,
                     "number of buffers exported (memoryviews...): the "
                     "array cannot be resized while it is not 0") == NULL) {
        return -1;
    }
    return hx_describe_extras(b, sizeof(hx_arrayobject));
}


/* ----------------------------------------------------------------------
   range and slice */

int
hx_describe_range(hx_builder *b)
{
    if (hx_describe_header(b, 0) < 0
        || HX_MEMBER(b, hx_rangeobject, start, "PyObject *", HX_V_OBJECT,
                     "the first number (an int)") == NULL
        || HX_MEMBER(b, hx_rangeobject, stop, "PyObject *", HX_V_OBJECT,
                     "where the numbers stop, not included (an int)") == NULL
        || HX_MEMBER(b, hx_rangeobject, step, "PyObject *", HX_V_OBJECT,
                     "the step between numbers (an int, never 0)") == NULL
        || HX_MEMBER(b, hx_rangeobject, length, "PyObject *", HX_V_OBJECT,
                     "how many numbers there are, computed when the range "
                     "is made (an int)") == NULL) {
        return -1;
    }
    return hx_describe_extras(b, sizeof(hx_rangeobject));
}

int
hx_describe_slice(hx_builder *b)
{
    if (hx_describe_header(b, 0) < 0
        || HX_MEMBER(b, PySliceObject, start, "PyObject *", HX_V_OBJECT,
                     "the start (None when omitted)") == NULL
        || HX_MEMBER(b, PySliceObject, stop, "PyObject *", HX_V_OBJECT,
                     "the stop (None when omitted)") == NULL
        || HX_MEMBER(b, PySliceObject, step, "PyObject *", HX_V_OBJECT,
                     "the step (None when omitted)") == NULL) {
        return -1;
    }
    return hx_describe_extras(b, sizeof(PySliceObject));
}


/* ----------------------------------------------------------------------
   Modules */

/* The PyModuleDef an extension module was made from (public, in
   moduleobject.h): PyModuleDef_Base, then what the module's C code set. */
static int
describe_module_base(hx_builder *b)
{
    hx_field *type;

    if (HX_MEMBER_AS(b, PyModuleDef, m_base.ob_base.ob_refcnt,
                     "m_base.ob_base.ob_refcnt", "Py_ssize_t", HX_V_REFCNT,
                     "the definition's reference count: it is an object "
                     "only for multi-phase initialisation") == NULL) {
        return -1;
    }
    type = HX_MEMBER_AS(b, PyModuleDef, m_base.ob_base.ob_type,
                        "m_base.ob_base.ob_type", "PyTypeObject *",
                        HX_V_OBJECT, "PyModuleDef_Type once the definition "
                        "is an object (NULL: single-phase initialisation)");
    if (type == NULL) {
        return -1;
    }
    type->follow.on_request = 1;
    if (HX_MEMBER_AS(b, PyModuleDef, m_base.m_init, "m_base.m_init",
                     "PyObject *(*)(void)", HX_V_FUNCTION,
                     "the PyInit function of a single-phase module, to make "
                     "it again (NULL: none)") == NULL
        || HX_MEMBER_AS(b, PyModuleDef, m_base.m_index, "m_base.m_index",
                        "Py_ssize_t", HX_V_INT,
                        "the module's index in the interpreter's list of "
                        "extension modules (0: none yet)") == NULL
        || HX_MEMBER_AS(b, PyModuleDef, m_base.m_copy, "m_base.m_copy",
                        "PyObject *", HX_V_OBJECT,
                        "a copy of a single-phase module's dict, to make it "
                        "again (NULL: none)") == NULL) {
        return -1;
    }
    return 0;
}

static int
describe_module_def(hx_builder *b)
{
    if (describe_module_base(b) < 0
        || HX_MEMBER(b, PyModuleDef, m_name, "const char *", HX_V_CSTRING,
                     "the module's name") == NULL
        || HX_MEMBER(b, PyModuleDef, m_doc, "const char *", HX_V_CSTRING,
                     "its docstring (NULL: none)") == NULL
        || HX_MEMBER(b, PyModuleDef, m_size, "Py_ssize_t", HX_V_INT,
                     "bytes of per-module state at md_state (-1: the "
                     "module keeps its state in C globals)") == NULL
        || HX_MEMBER(b, PyModuleDef, m_methods, "PyMethodDef *",
                     HX_V_ADDRESS, "the module's functions: PyMethodDefs "
                     "up to one with a NULL name (NULL: none)") == NULL
        || HX_MEMBER(b, PyModuleDef, m_slots, "PyModuleDef_Slot *",
                     HX_V_ADDRESS, "the slots of multi-phase "
                     "initialisation (NULL: single-phase)") == NULL
        || HX_MEMBER(b, PyModuleDef, m_traverse, "traverseproc",
                     HX_V_FUNCTION, "C function: visit the objects the "
                     "state holds, for the GC (NULL: none)") == NULL
        || HX_MEMBER(b, PyModuleDef, m_clear, "inquiry", HX_V_FUNCTION,
                     "C function: drop the objects the state holds "
                     "(NULL: none)") == NULL
        || HX_MEMBER(b, PyModuleDef, m_free, "freefunc", HX_V_FUNCTION,
                     "C function: called when the module is freed "
                     "(NULL: none)") == NULL) {
        return -1;
    }
    return 0;
}

/* The m_size bytes md_state points to, as many as a block shows. */
static int
describe_module_state(hx_builder *b)
{
    Py_ssize_t size = b->params.count;

    if (size > HX_MAX_DESCRIBED_ITEMS * WORD) {
        size = HX_MAX_DESCRIBED_ITEMS * WORD;
    }
    return hx_add_unnamed(b, 0, size, "the module's state: data of its C "
                          "code, no public names");
}

static hx_field *
add_module_member(hx_builder *b, const hx_span *place,
                  const char *name, const char *ctype, hx_value_kind value,
                  const char *meaning)
{
    return hx_add(b, place->offset, place->size, name, ctype, value,
                  meaning);
}

/* How many bytes of state the module's definition gives it: 0 if it has
   none, no definition, or one that cannot be read. */
static Py_ssize_t
module_state_size(hx_builder *b, const hx_module_layout *m)
{
    uintptr_t def = 0;
    Py_ssize_t size = 0;

    if (hx_fetch(b, m->md_def.offset, &def, sizeof(def)) < 0) {
        return -1;
    }
    if (def == 0
        || hx_peek(def + offsetof(PyModuleDef, m_size), &size,
                   sizeof(size)) < 0) {
        return 0;
    }
    return size > 0 ? size : 0;
}

static int
describe_module_pointers(hx_builder *b, const hx_module_layout *m)
{
    hx_field *def, *state;
    Py_ssize_t state_size = 0;

    def = add_module_member(b, &m->md_def, "md_def", "PyModuleDef *",
                            HX_V_ADDRESS, "the definition an extension "
                            "module was made from (NULL: not made from one, "
                            "e.g. a module of Python code)");
    state = add_module_member(b, &m->md_state, "md_state", "void *",
                              HX_V_ADDRESS, "the module's state, m_size "
                              "bytes its C code keeps (NULL: none; with "
                              "m_size 0, only a mark that the module has "
                              "been executed)");
    if (def == NULL || state == NULL) {
        return -1;
    }
    hx_set_follow(def, describe_module_def, "module definition", 0, 0);
    if (!b->schema) {
        state_size = module_state_size(b, m);
        if (state_size < 0) {
            return -1;
        }
    }
    if (b->schema || state_size > 0) {
        hx_set_follow(state, describe_module_state, "module state",
                      state_size, 0);
    }
    return 0;
}

int
hx_describe_module(hx_builder *b)
{
    const hx_module_layout *m = hx_get_module_layout();

    if (hx_describe_header(b, 0) < 0
        || add_module_member(b, &m->md_dict, "md_dict", "PyObject *",
                             HX_V_OBJECT, "the module's namespace, its "
                             "__dict__") == NULL
        || describe_module_pointers(b, m) < 0
        || add_module_member(b, &m->md_weaklist, "md_weaklist",
                             "PyObject *", HX_V_OBJECT, "the first weak "
                             "reference to the module (NULL: none)") == NULL
        || add_module_member(b, &m->md_name, "md_name", "PyObject *",
                             HX_V_OBJECT, "the module's name, kept for "
                             "messages after md_dict is cleared") == NULL) {
        return -1;
    }
    return hx_describe_extras(b, m->size);
}


/* ----------------------------------------------------------------------
   None, Ellipsis, NotImplemented */

/* From 3.12 the count itself says that it is immortal (hx_meaning_extra). */
#define STATIC_NOTE ": statically allocated, never freed"

/* What the reference count of the singleton of this type is. */
static const char *
singleton_meaning(PyTypeObject *type)
{
    if (type == Py_TYPE(Py_None)) {
        return "references to None, the only NoneType object" STATIC_NOTE;
    }
    if (type == Py_TYPE(Py_Ellipsis)) {
        return "references to Ellipsis (...), the only ellipsis object"
               STATIC_NOTE;
    }
    if (type == Py_TYPE(Py_NotImplemented)) {
        return "references to NotImplemented, the only NotImplementedType "
               "object" STATIC_NOTE;
    }
    return NULL;
}

int
hx_describe_singleton(hx_builder *b)
{
    const char *meaning = singleton_meaning(b->type);
    hx_field *refcnt;

    if (hx_describe_header(b, 0) < 0) {
        return -1;
    }
    refcnt = hx_field_named(b, "ob_refcnt");
    if (refcnt != NULL && meaning != NULL) {
        refcnt->meaning = meaning;
    }
    return hx_describe_extras(b, sizeof(PyObject));
}
