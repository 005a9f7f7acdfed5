/* layout_types.c - layouts of type objects, and instances of every other
 * type: their __dict__ (read without making it), __slots__ and weak
 * references.
 */
#include "layout.h"

/* The two words 3.11+ put before the GC header of instances whose type
   manages their __dict__ (and from 3.12, their weak references). */
int
hx_describe_managed(hx_builder *b)
{
    Py_ssize_t dict = hx_managed_dict_offset();
    Py_ssize_t values = hx_managed_values_offset();
    Py_ssize_t weakref = hx_managed_weakref_offset();
    const Py_ssize_t word = sizeof(PyObject *);

    if (values != 0
        && hx_add(b, values, word, "values", "PyDictValues *",
                  HX_V_ADDRESS, "the attribute values, until the __dict__ "
                  "is made") == NULL) {
        return -1;
    }
    if (weakref != 0
        && hx_add(b, weakref, word, "weakreflist", "PyObject *",
                  HX_V_OBJECT, "managed weak reference list") == NULL) {
        return -1;
    }
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
    if (hx_add(b, dict, word, "dict_or_values", "PyDictOrValues",
               HX_V_ADDRESS, "the __dict__, or with the low bit set, its "
               "values (pointer + 1)") == NULL) {
        return -1;
    }
#else
    if (dict != 0
        && hx_add(b, dict, word, "dict", "PyObject *", HX_V_OBJECT,
                  "the managed __dict__, once it is made") == NULL) {
        return -1;
    }
#endif
    return 0;
}

int
hx_describe_type(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_instance(hx_builder *b)
{
    return hx_describe_generic(b);
}
