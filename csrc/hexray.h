/* hexray.h - declarations shared by the translation units of hexray._hexray.
 *
 * One file per concern:
 *   module.c    module initialisation and the interpreter check
 *   errors.c    hexray's exception classes and how faults are reported
 *   guard.c     the fault-safe core: every access to foreign memory
 *   handlers.c  keeps the fault handler ahead of faulthandler's
 *   args.c      parsing of addresses and sizes
 *   memory.c    peek, poke, read, write, is_readable, is_writable
 *   maps.c      /proc/self/maps: regions() and region_of()
 *   objects.c   address() and object_at()
 *   types.c     which type objects the interpreter knows
 *   pointer.c   the Pointer type
 *   layout*.c   layouts of objects, field by field (see layout.h)
 *   render.c    annotated dumps of layouts
 *   internal*.c the only units that include CPython's internal headers
 *   private.h   structs private to CPython's .c files, declared once
 */
#ifndef HEXRAY_H
#define HEXRAY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#if PY_VERSION_HEX < 0x03090000 || PY_VERSION_HEX >= 0x030E0000
#  error "hexray supports CPython 3.9 to 3.13"
#endif
#ifdef Py_GIL_DISABLED
#  error "hexray does not support free-threaded CPython builds"
#endif
#if !defined(__linux__)
#  error "hexray runs on Linux"
#endif

#include "guard.h"

/* Where an int's digits start. */
#if PY_VERSION_HEX < 0x030B0000
#  include "longintrepr.h"   /* 3.11+ include it from Python.h */
#endif
#if PY_VERSION_HEX >= 0x030C0000
#  define HX_DIGITS_OFFSET offsetof(PyLongObject, long_value.ob_digit)
#else
#  define HX_DIGITS_OFFSET offsetof(PyLongObject, ob_digit)
#endif

/* What 3.10 added to the C API, for 3.9. */
#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *
Py_NewRef(PyObject *obj)
{
    Py_INCREF(obj);
    return obj;
}
#endif

/* Cast a METH_FASTCALL (or other) C function to PyCFunction without a
   -Wcast-function-type warning, as CPython's _PyCFunction_CAST does. */
#define HX_CFUNC(func) ((PyCFunction)(void (*)(void))(func))

/* errors.c */
extern PyObject *hx_HexrayError;
extern PyObject *hx_MemoryFault;
extern PyObject *hx_InvalidObjectError;
extern PyObject *hx_NullPointerError;
extern PyObject *hx_DanglingPointerError;
int hx_errors_init(PyObject *module);
PyObject *hx_raise_fault(uintptr_t address, size_t size, hx_access access,
                         const hx_fault *fault);
PyObject *hx_raise_invalid_object(uintptr_t address, const char *reason);

/* handlers.c */
int hx_handlers_init(void);
PyObject *hx_fault_handler_active(PyObject *module, PyObject *unused);
PyObject *hx_restore_fault_handler(PyObject *module, PyObject *unused);

/* args.c */
int hx_check_nargs(const char *name, Py_ssize_t nargs,
                   Py_ssize_t min, Py_ssize_t max);
int hx_parse_address(PyObject *arg, uintptr_t *address);
int hx_parse_size(PyObject *arg, size_t *size);

/* memory.c */
extern PyMethodDef hx_memory_methods[];
int hx_memory_init(PyObject *module);

/* maps.c */
extern PyMethodDef hx_maps_methods[];
int hx_maps_init(PyObject *module);
/* The Region holding address, or None (new references). */
PyObject *hx_region_of(uintptr_t address);

/* objects.c */
extern PyMethodDef hx_objects_methods[];
/* Check that a live object starts at `address`.  Returns 1 if so, 0 if not
   (with the reason written to `why`); never raises, never faults. */
int hx_validate_object(uintptr_t address, char *why, size_t why_size);
/* Whether the object at address, of `type`, carries a GC header: 1 yes,
   0 no, -1 unknown (the type decides per object with a tp_is_gc hexray
   does not call on memory that may only imitate an object; type objects
   are told by their flags, read through the guard). */
int hx_has_gc_header(uintptr_t address, const PyTypeObject *type);

/* The number of digits an int's header claims, and its sign (-1, 0, 1;
   2 for an impossible sign). */
void hx_int_shape(const PyVarObject *header, uint64_t *digits, int *sign);

/* hx_validate_object(), and the object's type is one the interpreter
   knows (hx_type_is_known): what a layout needs before it uses the C API
   on the type.  Returns 1 with the type in *type, or 0 with `why` set. */
int hx_validate_typed_object(uintptr_t address, PyTypeObject **type,
                             char *why, size_t why_size);

/* types.c: whether the type object at `address` is one the interpreter
   knows: `object`, or a type a known base lists among its subclasses.
   Never raises (call it with no exception set); may run the interpreter's
   own C code, never Python code. */
int hx_type_is_known(uintptr_t address);

/* pointer.c */
int hx_pointer_init(PyObject *module);

/* module.c: the value kept under `key` in this interpreter's dict (each
   interpreter has its own), made by make() the first time.  Borrowed; NULL
   with an exception set if it cannot be made. */
PyObject *hx_interpreter_value(const char *key, PyObject *(*make)(void));

/* internal.c: facts only CPython's internal headers know. */
size_t hx_gc_head_size(void);
size_t hx_gc_next_offset(void);
size_t hx_gc_prev_offset(void);
uintptr_t hx_gc_prev_mask(void);
uintptr_t hx_gc_prev_collecting(void);
int hx_gc_collecting(void);
uintptr_t hx_gc_prev_finalized(void);
size_t hx_preheader_size(PyTypeObject *type);
Py_ssize_t hx_managed_dict_offset(void);
Py_ssize_t hx_managed_values_offset(void);
Py_ssize_t hx_managed_weakref_offset(void);
Py_ssize_t hx_inline_values_offset(void);

/* internal_obmalloc.c: whether memory is the start of a pymalloc block. */
int hx_pymalloc_check(uintptr_t start, uintptr_t *block);

#endif /* HEXRAY_H */
