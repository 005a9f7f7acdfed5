/* internal_module.c - where the members of a module object lie.
 *
 * PyModuleObject is private to Objects/moduleobject.c on 3.9 (declared in
 * private.h) and in Include/internal/pycore_moduleobject.h from 3.10,
 * which compiles only with Py_BUILD_CORE defined; so its offsets and sizes
 * are taken here, once, and the rest of hexray asks for them.
 */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>

#if PY_VERSION_HEX >= 0x030A0000
#  include "internal/pycore_moduleobject.h"
#endif

#include "layout.h"
#include "private.h"

#if PY_VERSION_HEX >= 0x030A0000
typedef PyModuleObject module_struct;
#else
typedef hx_PyModuleObject module_struct;
#endif

static const hx_module_layout module_layout = {
    .md_dict = HX_SPAN(module_struct, md_dict),
    .md_def = HX_SPAN(module_struct, md_def),
    .md_state = HX_SPAN(module_struct, md_state),
    .md_weaklist = HX_SPAN(module_struct, md_weaklist),
    .md_name = HX_SPAN(module_struct, md_name),
    .size = sizeof(module_struct),
};

const hx_module_layout *
hx_get_module_layout(void)
{
    return &module_layout;
}
