/* layout_code.c - layouts of functions, code objects and frames. */
#include "layout.h"

int
hx_describe_function(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_code(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_frame(hx_builder *b)
{
    return hx_describe_generic(b);
}
