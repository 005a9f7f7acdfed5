/* layout_containers.c - layouts of tuple, list, dict (with its keys and
 * values), set and frozenset.
 */
#include "layout.h"

int
hx_describe_tuple(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_list(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_dict(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_set(hx_builder *b)
{
    return hx_describe_generic(b);
}
