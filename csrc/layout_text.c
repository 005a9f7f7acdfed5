/* layout_text.c - layouts of str, bytes and bytearray. */
#include "layout.h"

int
hx_describe_str(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_bytes(hx_builder *b)
{
    return hx_describe_generic(b);
}

int
hx_describe_bytearray(hx_builder *b)
{
    return hx_describe_generic(b);
}
