/* layout_misc.c - layouts of array.array, range, slice, modules, and the
 * singletons None, Ellipsis and NotImplemented.
 */
#include "layout.h"

int
hx_is_array_type(PyTypeObject *Py_UNUSED(type))
{
    return 0;
}

int
hx_describe_array(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_range(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_slice(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_module(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_singleton(hx_builder *b)
{
    return hx_describe_generic(b);
}
