/* layout_code.c - layouts of functions, code objects and frames.
 *
 * Functions are plain structs.  Code objects hold their bytecode in a bytes
 * object up to 3.10; from 3.11 the bytecode lies inside the code object
 * (co_code_adaptive), and the interpreter rewrites it in place as it runs:
 * it specialises instructions (LOAD_ATTR becomes LOAD_ATTR_INSTANCE_VALUE),
 * keeps counters and cached versions in the CACHE units after them, and
 * from 3.12 instruments them for sys.monitoring and sys.settrace.  A layout
 * shows those bytes as they are, one field per opcode, oparg and cache
 * unit, each opcode with the one the compiler wrote (its base) in its
 * meaning: what co.co_code would say, worked out from memory, since reading
 * co.co_code (or co_varnames) on 3.11+ makes and caches new objects.
 *
 * Frames up to 3.10 are one object holding everything.  From 3.11 a frame
 * object is a thin wrapper: f_frame points to an _PyInterpreterFrame on the
 * thread's data stack, inside a generator, or inside the frame object once
 * it outlives the call; and 3.12+ link C-stack frames whose fields are
 * mostly garbage into the chain.  Nothing read from memory that is not the
 * described object itself is trusted: it is read through the guarded core
 * and checked before it names anything.
 */
#include "layout.h"

#include <stdarg.h>
#include <string.h>
#include "opcode.h"             /* opcode numbers; not in Python.h */
#if PY_VERSION_HEX < 0x030B0000
#  include "frameobject.h"      /* PyFrameObject; internal from 3.11 */
#endif

#define WORD ((Py_ssize_t)sizeof(void *))


/* ----------------------------------------------------------------------
   Reading memory that is not the described object's own */

/* The pointer at address; 0 if unreadable. */
static uintptr_t
peek_word(uintptr_t address)
{
    uintptr_t word = 0;

    return hx_peek(address, &word, sizeof(word)) < 0 ? 0 : word;
}

/* Whether an object of exactly this type seems to start at address: its
   ob_type says so.  Only what is read through hx_peek() follows from this. */
static int
peek_is(uintptr_t address, PyTypeObject *type)
{
    return address != 0
           && peek_word(address + offsetof(PyObject, ob_type))
              == (uintptr_t)type;
}

/* The item count of the tuple (or bytes) at address; -1 if it is none. */
static Py_ssize_t
peek_size(uintptr_t address, PyTypeObject *type)
{
    Py_ssize_t size;

    if (!peek_is(address, type)
        || hx_peek(address + offsetof(PyVarObject, ob_size), &size,
                   sizeof(size)) < 0 || size < 0) {
        return -1;
    }
    return size;
}

/* Item i of the tuple at address, whose size peek_size() gave (0 if
   there is no such item). */
static uintptr_t
peek_tuple_item(uintptr_t tuple, Py_ssize_t size, Py_ssize_t i)
{
    if (i < 0 || i >= size) {
        return 0;
    }
    return peek_word(tuple + offsetof(PyTupleObject, ob_item)
                     + (uintptr_t)i * sizeof(PyObject *));
}

/* The text of the compact ASCII str at address, with '%' doubled, into
   out; -1 if it is no such str, holds control characters, or is long. */
static int
peek_ascii(uintptr_t address, char *out, size_t cap)
{
    PyASCIIObject head;
    char text[64];
    size_t i, n = 0;

    if (!peek_is(address, &PyUnicode_Type)
        || hx_peek(address, &head, sizeof(head)) < 0
        || !head.state.compact || !head.state.ascii
#if PY_VERSION_HEX < 0x030C0000
        || !head.state.ready
#endif
        || head.length < 0 || (size_t)head.length >= sizeof(text)
        || hx_peek(address + sizeof(PyASCIIObject), text,
                   (size_t)head.length) < 0) {
        return -1;
    }
    for (i = 0; i < (size_t)head.length; i++) {
        char c = text[i];

        if (c < 0x20 || c > 0x7e || n + 3 > cap) {
            return -1;
        }
        out[n++] = c;
        if (c == '%') {
            out[n++] = '%';
        }
    }
    out[n] = '\0';
    return 0;
}

/* The fixed part of the code object at address, copied into *co; -1 if
   no code object seems to be there. */
static int
peek_code(uintptr_t address, PyCodeObject *co)
{
#if PY_VERSION_HEX >= 0x030B0000
    size_t size = offsetof(PyCodeObject, co_code_adaptive);
#else
    size_t size = sizeof(PyCodeObject);
#endif

    if (!peek_is(address, &PyCode_Type) || hx_peek(address, co, size) < 0) {
        return -1;
    }
    return 0;
}


/* ----------------------------------------------------------------------
   Tables of struct members */

/* A pointer member whose memory can be followed as a block. */
static hx_field *
add_block_pointer(hx_builder *b, Py_ssize_t offset, Py_ssize_t size,
                  const char *name, const char *ctype, const char *meaning,
                  hx_describe_fn describe, const char *title)
{
    hx_field *f = hx_add(b, offset, size, name, ctype, HX_V_ADDRESS,
                         meaning);

    if (f != NULL) {
        hx_set_follow(f, describe, title, 0, 0);
    }
    return f;
}

#define BLOCK_MEMBER(b, type, m, ctype, meaning, describe, title)       \
    add_block_pointer((b), offsetof(type, m), sizeof(((type *)0)->m),   \
                      #m, (ctype), (meaning), (describe), (title))

/* The bytes from the last field to `size`: a struct's tail padding, or
   what rounds a variable-size object up to a whole word. */
static int
add_padding(hx_builder *b, Py_ssize_t size)
{
    return hx_add_unnamed(b, b->end, size, "padding");
}

/* Fetch the pointer-sized member at offset (0 in a schema or if
   unreadable: describers then leave out what depends on it). */
static uintptr_t
fetch_word(hx_builder *b, Py_ssize_t offset)
{
    uintptr_t word = 0;

    if (b->schema || hx_fetch(b, offset, &word, sizeof(word)) < 0) {
        PyErr_Clear();
        return 0;
    }
    return word;
}

#if PY_VERSION_HEX >= 0x030A0000
static int
fetch_int(hx_builder *b, Py_ssize_t offset, int fallback)
{
    int value;

    if (b->schema || hx_fetch(b, offset, &value, sizeof(value)) < 0) {
        PyErr_Clear();
        return fallback;
    }
    return value;
}
#endif


/* ----------------------------------------------------------------------
   Functions */

static const hx_member function_members[] = {
    HX_ROW(PyFunctionObject, func_code, "PyObject *", HX_V_OBJECT,
           "__code__: the code object it runs"),
    HX_ROW(PyFunctionObject, func_globals, "PyObject *", HX_V_OBJECT,
           "__globals__: the namespace of its module"),
#if PY_VERSION_HEX >= 0x030A0000
    HX_ROW(PyFunctionObject, func_builtins, "PyObject *", HX_V_OBJECT,
           "__builtins__: the builtins namespace, taken when it was made"),
#endif
    HX_ROW(PyFunctionObject, func_name, "PyObject *", HX_V_OBJECT,
           "__name__"),
    HX_ROW(PyFunctionObject, func_qualname, "PyObject *", HX_V_OBJECT,
           "__qualname__"),
    HX_ROW(PyFunctionObject, func_defaults, "PyObject *", HX_V_OBJECT,
           "__defaults__: a tuple of positional defaults, or NULL"),
    HX_ROW(PyFunctionObject, func_kwdefaults, "PyObject *", HX_V_OBJECT,
           "__kwdefaults__: a dict of keyword-only defaults, or NULL"),
    HX_ROW(PyFunctionObject, func_closure, "PyObject *", HX_V_OBJECT,
           "__closure__: a tuple of cells for the free variables, or NULL"),
    HX_ROW(PyFunctionObject, func_doc, "PyObject *", HX_V_OBJECT,
           "__doc__: the docstring, or any object"),
    HX_ROW(PyFunctionObject, func_dict, "PyObject *", HX_V_OBJECT,
           "__dict__: NULL until an attribute is set or __dict__ is read"),
    HX_ROW(PyFunctionObject, func_weakreflist, "PyObject *", HX_V_OBJECT,
           "the list of weak references to the function"),
    HX_ROW(PyFunctionObject, func_module, "PyObject *", HX_V_OBJECT,
           "__module__: its module's name, from the globals' __name__"),
#if PY_VERSION_HEX >= 0x030A0000
    HX_ROW(PyFunctionObject, func_annotations, "PyObject *", HX_V_OBJECT,
           "NULL, the __annotations__ dict, or the flat tuple (name, "
           "value, ...) the compiler left, made into the dict when "
           "__annotations__ is first read"),
#else
    HX_ROW(PyFunctionObject, func_annotations, "PyObject *", HX_V_OBJECT,
           "__annotations__: a dict, or NULL"),
#endif
#if PY_VERSION_HEX >= 0x030C0000
    HX_ROW(PyFunctionObject, func_typeparams, "PyObject *", HX_V_OBJECT,
           "__type_params__: a tuple of type parameters (def f[T]), or "
           "NULL"),
#endif
    HX_ROW(PyFunctionObject, vectorcall, "vectorcallfunc", HX_V_FUNCTION,
           "the C function that calls it (normally "
           "_PyFunction_Vectorcall)"),
#if PY_VERSION_HEX >= 0x030C0000
    HX_ROW(PyFunctionObject, func_version, "uint32_t", HX_V_UINT,
           "version for the specialiser, from co_version when made; 0 "
           "once __code__, defaults, annotations or vectorcall change"),
#elif PY_VERSION_HEX >= 0x030B0000
    HX_ROW(PyFunctionObject, func_version, "uint32_t", HX_V_UINT,
           "version for the specialiser: 0 until a call is specialised "
           "for it, and again once __code__, defaults or annotations "
           "change"),
#endif
};

int
hx_describe_function(hx_builder *b)
{
    if (hx_describe_header(b, 0) < 0
        || hx_add_members(b, function_members,
                          Py_ARRAY_LENGTH(function_members)) < 0
        || add_padding(b, sizeof(PyFunctionObject)) < 0) {
        return -1;
    }
    return hx_describe_extras(b, sizeof(PyFunctionObject));
}


/* ----------------------------------------------------------------------
   Code objects: the fields every version has */

static const hx_member code_members[] = {
    HX_ROW(PyCodeObject, co_argcount, "int", HX_V_INT,
           "co_argcount: positional parameters (*args not counted)"),
    HX_ROW(PyCodeObject, co_posonlyargcount, "int", HX_V_INT,
           "co_posonlyargcount: positional-only parameters"),
    HX_ROW(PyCodeObject, co_kwonlyargcount, "int", HX_V_INT,
           "co_kwonlyargcount: keyword-only parameters"),
    HX_ROW(PyCodeObject, co_nlocals, "int", HX_V_INT,
           "co_nlocals: local variables, parameters included"),
    HX_ROW(PyCodeObject, co_stacksize, "int", HX_V_INT,
           "co_stacksize: value stack slots the code needs at most"),
    HX_ROW(PyCodeObject, co_flags, "int", HX_V_HEX,
           "co_flags: CO_* bits (0x1 optimized, 0x2 new locals, 0x4 "
           "*args, 0x8 **kwargs, 0x10 nested, 0x20 generator, 0x80 "
           "coroutine, ...)"),
    HX_ROW(PyCodeObject, co_firstlineno, "int", HX_V_INT,
           "co_firstlineno: the first source line"),
    HX_ROW(PyCodeObject, co_consts, "PyObject *", HX_V_OBJECT,
           "co_consts: the constants the bytecode loads (tuple)"),
    HX_ROW(PyCodeObject, co_names, "PyObject *", HX_V_OBJECT,
           "co_names: global and attribute names the bytecode uses "
           "(tuple)"),
    HX_ROW(PyCodeObject, co_filename, "PyObject *", HX_V_OBJECT,
           "co_filename: where the code was loaded from"),
    HX_ROW(PyCodeObject, co_name, "PyObject *", HX_V_OBJECT,
           "co_name"),
    HX_ROW(PyCodeObject, co_weakreflist, "PyObject *", HX_V_OBJECT,
           "the list of weak references to the code"),
    HX_ROW(PyCodeObject, co_extra, "void *", HX_V_ADDRESS,
           "extra data tools attach with _PyCode_SetExtra (PEP 523), or "
           "NULL"),
#if PY_VERSION_HEX >= 0x030B0000
    HX_ROW(PyCodeObject, co_exceptiontable, "PyObject *", HX_V_OBJECT,
           "co_exceptiontable: where each range of bytecode goes when it "
           "raises (bytes)"),
    HX_ROW(PyCodeObject, co_nlocalsplus, "int", HX_V_INT,
           "frame slots for locals, cells and free variables: "
           "len(co_localsplusnames)"),
    HX_ROW(PyCodeObject, co_ncellvars, "int", HX_V_INT,
           "cell variables: len(co_cellvars)"),
    HX_ROW(PyCodeObject, co_nfreevars, "int", HX_V_INT,
           "free variables: len(co_freevars)"),
    HX_ROW(PyCodeObject, co_localsplusnames, "PyObject *", HX_V_OBJECT,
           "the names of the frame slots: locals, cells, then free "
           "variables (tuple; co_varnames and the rest are made from it)"),
    HX_ROW(PyCodeObject, co_localspluskinds, "PyObject *", HX_V_OBJECT,
           "one byte per frame slot: 0x20 local, 0x40 cell, 0x80 free, "
           "0x10 hidden (bytes)"),
    HX_ROW(PyCodeObject, co_qualname, "PyObject *", HX_V_OBJECT,
           "co_qualname"),
    HX_ROW(PyCodeObject, co_linetable, "PyObject *", HX_V_OBJECT,
           "co_linetable: source positions of the bytecode (bytes, "
           "PEP 657)"),
    HX_ROW(PyCodeObject, _co_firsttraceable, "int", HX_V_INT,
           "the code unit of the first instruction tracing sees (after "
           "the RESUME)"),
#else
    HX_ROW(PyCodeObject, co_code, "PyObject *", HX_V_OBJECT,
           "co_code: the bytecode, which the interpreter runs as it is "
           "(bytes)"),
    HX_ROW(PyCodeObject, co_varnames, "PyObject *", HX_V_OBJECT,
           "co_varnames: the local variables, parameters first (tuple)"),
    HX_ROW(PyCodeObject, co_freevars, "PyObject *", HX_V_OBJECT,
           "co_freevars: variables taken from enclosing scopes (tuple)"),
    HX_ROW(PyCodeObject, co_cellvars, "PyObject *", HX_V_OBJECT,
           "co_cellvars: locals that inner scopes use (tuple)"),
    HX_ROW(PyCodeObject, co_zombieframe, "void *", HX_V_ADDRESS,
           "a dead frame kept for the next call to reuse, or NULL"),
    HX_ROW(PyCodeObject, co_opcache_map, "unsigned char *", HX_V_ADDRESS,
           "per code unit: 1 + its entry in co_opcache (0: none); NULL "
           "until the code has run 1024 times"),
    HX_ROW(PyCodeObject, co_opcache, "_PyOpcache *", HX_V_ADDRESS,
           "cached global (and 3.10: attribute) lookups, or NULL"),
    HX_ROW(PyCodeObject, co_opcache_flag, "int", HX_V_INT,
           "calls counted so far; the opcache is made at 1024"),
    HX_ROW(PyCodeObject, co_opcache_size, "unsigned char", HX_V_UINT,
           "entries in co_opcache"),
#endif
#if PY_VERSION_HEX >= 0x030A0000 && PY_VERSION_HEX < 0x030B0000
    HX_ROW(PyCodeObject, co_linetable, "PyObject *", HX_V_OBJECT,
           "co_linetable: line numbers of the bytecode (bytes, PEP 626)"),
#elif PY_VERSION_HEX < 0x030A0000
    HX_ROW(PyCodeObject, co_lnotab, "PyObject *", HX_V_OBJECT,
           "co_lnotab: line numbers of the bytecode (bytes)"),
#endif
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    HX_ROW(PyCodeObject, co_warmup, "short", HX_V_INT,
           "counts up from -8 as the code runs; at 0 the bytecode is "
           "quickened"),
    HX_ROW(PyCodeObject, _co_linearray_entry_size, "short", HX_V_INT,
           "bytes per entry of _co_linearray (0: not made)"),
    HX_ROW(PyCodeObject, co_nplaincellvars, "int", HX_V_INT,
           "cell variables that are not parameters"),
    HX_ROW(PyCodeObject, _co_code, "PyObject *", HX_V_OBJECT,
           "co.co_code, de-specialised; NULL until first read"),
    HX_ROW(PyCodeObject, _co_linearray, "char *", HX_V_ADDRESS,
           "line number per code unit, made for tracing; NULL until then"),
#endif
#if PY_VERSION_HEX >= 0x030C0000
    HX_ROW(PyCodeObject, co_framesize, "int", HX_V_INT,
           "words a frame for this code takes: its fixed part, the slots "
           "and the value stack"),
    HX_ROW(PyCodeObject, co_version, "uint32_t", HX_V_UINT,
           "version number, copied into functions made from the code"),
    HX_ROW(PyCodeObject, _co_instrumentation_version,
#  if PY_VERSION_HEX >= 0x030D0000
           "uintptr_t",
#  else
           "uint64_t",
#  endif
           HX_V_UINT, "the instrumentation the bytecode was last "
           "instrumented for; it changes as sys.monitoring tools and "
           "tracing come and go"),
#endif
};


/* ----------------------------------------------------------------------
   Code objects: blocks they point to */

#if PY_VERSION_HEX < 0x030B0000
/* co_cell2arg: for each cell variable, the argument it starts as. */
static int
describe_cell2arg(hx_builder *b)
{
    const Py_ssize_t size = sizeof(Py_ssize_t);
    Py_ssize_t i, shown = hx_shown(b->params.count);

    for (i = 0; i < shown; i++) {
        if (hx_add_indexed(b, i * size, size, "co_cell2arg[%zd]", i,
                           "Py_ssize_t", HX_V_INT, "the parameter cell "
                           "variable %zd starts as (-1: none)") == NULL) {
            return -1;
        }
    }
    return hx_add_rest(b, shown * size, size, b->params.count - shown,
                       "%zd more cell variables, not described");
}

static int
describe_cell2arg_pointer(hx_builder *b)
{
    hx_field *f = BLOCK_MEMBER(b, PyCodeObject, co_cell2arg, "Py_ssize_t *",
                               "for each cell variable, the parameter it "
                               "starts as; NULL if none is a parameter",
                               describe_cell2arg, "cell-to-argument map");
    uintptr_t cells = fetch_word(b, offsetof(PyCodeObject, co_cellvars));

    if (f == NULL) {
        return -1;
    }
    f->follow.count = peek_size(cells, &PyTuple_Type);
    if (f->follow.count < 0) {
        f->follow.describe = NULL;  /* no count: nothing to follow */
    }
    return 0;
}
#endif

#if PY_VERSION_HEX >= 0x030C0000
/* _co_cached: co_code and the name tuples, once made. */
static int
describe_co_cached(hx_builder *b)
{
    static const hx_member members[] = {
        HX_ROW(_PyCoCached, _co_code, "PyObject *", HX_V_OBJECT,
               "co.co_code: the bytecode de-specialised, once read"),
        HX_ROW(_PyCoCached, _co_varnames, "PyObject *", HX_V_OBJECT,
               "co.co_varnames, once read"),
        HX_ROW(_PyCoCached, _co_cellvars, "PyObject *", HX_V_OBJECT,
               "co.co_cellvars, once read"),
        HX_ROW(_PyCoCached, _co_freevars, "PyObject *", HX_V_OBJECT,
               "co.co_freevars, once read"),
    };

    return hx_add_members(b, members, Py_ARRAY_LENGTH(members));
}

static void load_opnames(void);
static const char *opname(int opcode);

/* An array of one byte per code unit in _co_monitoring; params.aux says
   which. */
static const struct {
    const char *name;
    const char *meaning;
} unit_arrays[] = {
    {"tools[%zd]", "the tools (bit set) that get events at code unit %zd"},
    {"line_tools[%zd]", "the tools (bit set) that get line events at "
                        "code unit %zd"},
    {"per_instruction_opcodes[%zd]", "the opcode INSTRUMENTED_INSTRUCTION "
                                     "replaced at code unit %zd"},
    {"per_instruction_tools[%zd]", "the tools (bit set) that get "
                                   "instruction events at code unit %zd"},
};
#define PER_INSTRUCTION_OPCODES 2

static int
describe_unit_array(hx_builder *b)
{
    Py_ssize_t i, shown = hx_shown(b->params.count);
    Py_ssize_t which = b->params.aux;

    if (which < 0 || which >= (Py_ssize_t)Py_ARRAY_LENGTH(unit_arrays)) {
        return 0;
    }
    load_opnames();
    for (i = 0; i < shown; i++) {
        hx_field *f = hx_add_indexed(b, i, 1, unit_arrays[which].name, i,
                                     "uint8_t", HX_V_UINT,
                                     unit_arrays[which].meaning);
        unsigned char opcode;

        if (f == NULL) {
            return -1;
        }
        if (which == PER_INSTRUCTION_OPCODES
            && hx_peek(b->address + (uintptr_t)i, &opcode, 1) == 0
            && opcode != 0) {
            f->meaning = hx_keep(b, "%s: the opcode "
                                 "INSTRUMENTED_INSTRUCTION replaced at this "
                                 "code unit", opname(opcode));
            if (f->meaning == NULL) {
                return -1;
            }
        }
    }
    return hx_add_rest(b, shown, 1, b->params.count - shown,
                       "%zd more code units, not described");
}

/* _co_monitoring->lines: per code unit, the opcode INSTRUMENTED_LINE
   replaced and the unit's line. */
static int
describe_line_array(hx_builder *b)
{
    const Py_ssize_t size = sizeof(_PyCoLineInstrumentationData);
    Py_ssize_t i, shown = hx_shown(b->params.count);

    load_opnames();
    for (i = 0; i < shown; i++) {
        hx_field *f;
        unsigned char opcode;

        /* A field stays put only until the next one is added. */
        f = hx_add_indexed(b, i * size
                              + offsetof(_PyCoLineInstrumentationData,
                                         original_opcode),
                           1, "lines[%zd].original_opcode", i, "uint8_t",
                           HX_V_UINT, "the opcode INSTRUMENTED_LINE "
                           "replaced at code unit %zd (0: not a line start)");
        if (f == NULL) {
            return -1;
        }
        if (hx_peek(b->address + (uintptr_t)f->offset, &opcode, 1) == 0
            && opcode != 0) {
            f->meaning = hx_keep(b, "%s: the opcode INSTRUMENTED_LINE "
                                 "replaced", opname(opcode));
            if (f->meaning == NULL) {
                return -1;
            }
        }
        f = hx_add(b, i * size + offsetof(_PyCoLineInstrumentationData,
                                          line_delta),
                   1, "lines[%zd].line_delta", "int8_t", HX_V_INT,
                   "the unit's line, relative to co_firstlineno (-128: "
                   "none, -127: look it up)");
        if (f == NULL) {
            return -1;
        }
        f->index = i;
    }
    return hx_add_rest(b, shown * size, size, b->params.count - shown,
                       "%zd more code units, not described");
}

static int
add_unit_array(hx_builder *b, Py_ssize_t offset, const char *name,
               const char *ctype, const char *meaning, hx_describe_fn describe,
               Py_ssize_t which)
{
    hx_field *f = add_block_pointer(b, offset, sizeof(void *), name, ctype,
                                    meaning, describe, name);

    if (f == NULL) {
        return -1;
    }
    f->follow.count = b->params.count;
    f->follow.aux = which;
    return 0;
}

#define UNIT_ARRAY(b, m, ctype, meaning, describe, which)               \
    add_unit_array((b), offsetof(_PyCoMonitoringData, m), #m, (ctype),  \
                   (meaning), (describe), (which))

/* _co_monitoring: what sys.monitoring (and sys.settrace, built on it)
   instrumented the code for.  params.count: the code's units. */
static int
describe_co_monitoring(hx_builder *b)
{
    static const hx_member members[] = {
        HX_ROW(_PyCoMonitoringData, local_monitors, "_Py_LocalMonitors",
               HX_V_BYTES, "per local event: the tools (bit set) that "
               "monitor it in this code"),
        HX_ROW(_PyCoMonitoringData, active_monitors, "_Py_LocalMonitors",
               HX_V_BYTES, "per local event: the tools (bit set) the "
               "bytecode is instrumented for"),
    };

    if (hx_add_members(b, members, Py_ARRAY_LENGTH(members)) < 0
        || UNIT_ARRAY(b, tools, "uint8_t *", "per code unit, the tools "
                      "that get events (NULL: one tool only)",
                      describe_unit_array, 0) < 0
        || UNIT_ARRAY(b, lines, "_PyCoLineInstrumentationData *",
                      "per code unit, the opcode INSTRUMENTED_LINE "
                      "replaced and the line (NULL: no line events)",
                      describe_line_array, 0) < 0
        || UNIT_ARRAY(b, line_tools, "uint8_t *", "per code unit, the "
                      "tools that get line events (NULL: one tool only)",
                      describe_unit_array, 1) < 0
        || UNIT_ARRAY(b, per_instruction_opcodes, "uint8_t *", "per code "
                      "unit, the opcode INSTRUMENTED_INSTRUCTION replaced "
                      "(NULL: no instruction events)",
                      describe_unit_array, PER_INSTRUCTION_OPCODES) < 0
        || UNIT_ARRAY(b, per_instruction_tools, "uint8_t *", "per code "
                      "unit, the tools that get instruction events",
                      describe_unit_array, 3) < 0) {
        return -1;
    }
    return 0;
}
#endif

#if PY_VERSION_HEX >= 0x030D0000
/* co_executors: the tier-two executors ENTER_EXECUTOR instructions run. */
static int
describe_executors(hx_builder *b)
{
    static const hx_member members[] = {
        HX_ROW(_PyExecutorArray, size, "int", HX_V_INT,
               "executors in use"),
        HX_ROW(_PyExecutorArray, capacity, "int", HX_V_INT,
               "room for executors"),
    };
    const Py_ssize_t executors = offsetof(_PyExecutorArray, executors);
    int size = 0, capacity = 0, i, shown;

    if (hx_add_members(b, members, Py_ARRAY_LENGTH(members)) < 0
        || hx_fetch(b, offsetof(_PyExecutorArray, size), &size,
                    sizeof(size)) < 0
        || hx_fetch(b, offsetof(_PyExecutorArray, capacity), &capacity,
                    sizeof(capacity)) < 0) {
        return -1;
    }
    size = size < capacity ? size : capacity;
    shown = (int)hx_shown(size);
    for (i = 0; i < shown; i++) {
        if (hx_add_indexed(b, executors + i * WORD, WORD, "executors[%zd]",
                           i, "struct _PyExecutorObject *", HX_V_OBJECT,
                           "the executor ENTER_EXECUTOR %zd runs") == NULL) {
            return -1;
        }
    }
    return hx_add_rest(b, executors + shown * WORD, WORD, size - shown,
                       "%zd more executors, not described");
}
#endif


#if PY_VERSION_HEX >= 0x030B0000
/* ----------------------------------------------------------------------
   Code objects (3.11+): the bytecode the interpreter runs

   Opcode names come from the headers where they give them (3.13), else
   from the dis module, once.  Names are kept only if they look like
   opcode names, so that they are safe in a meaning's format. */

#define OPNAME_SIZE 48
static char opname_text[256][OPNAME_SIZE];
static const char *opnames[256];    /* NULL, or opname_text[opcode] */
static int opnames_state;       /* 0: not loaded, 1: loading, 2: loaded */

/* Keep an opcode's name in the table, if it looks like one: letters,
   digits, '_', '<' and '>', so it is safe in a meaning as it is. */
static const char *
keep_opname(int opcode, const char *name)
{
    const char *p;

    if (name == NULL || *name == '\0' || strlen(name) >= OPNAME_SIZE) {
        return NULL;
    }
    for (p = name; *p != '\0'; p++) {
        if (!(Py_ISALNUM(*p) || *p == '_' || *p == '<' || *p == '>')) {
            return NULL;
        }
    }
    strcpy(opname_text[opcode], name);
    return opname_text[opcode];
}

/* dis._all_opname (specialised and instrumented opcodes included); the
   names the headers give win.  -1 if dis gave none. */
static int
load_dis_opnames(void)
{
    PyObject *dis = PyImport_ImportModule("dis"), *names = NULL;
    Py_ssize_t i, count;

    if (dis != NULL) {
        names = PyObject_GetAttrString(dis, "_all_opname");
        if (names == NULL) {
            PyErr_Clear();
            names = PyObject_GetAttrString(dis, "opname");
        }
        Py_DECREF(dis);
    }
    count = names != NULL ? PySequence_Size(names) : -1;
    for (i = 0; i < 256 && i < count; i++) {
        PyObject *name = PySequence_GetItem(names, i);

        if (name != NULL && PyUnicode_Check(name) && opnames[i] == NULL) {
            const char *text = PyUnicode_AsUTF8(name);
            opnames[i] = keep_opname((int)i, text);
        }
        Py_XDECREF(name);
        PyErr_Clear();
    }
    Py_XDECREF(names);
    PyErr_Clear();
    return count < 0 ? -1 : 0;
}

static void
load_opnames(void)
{
    int i, missing = 0;

    if (opnames_state != 0) {
        return;     /* loaded, or being loaded by an outer call */
    }
    opnames_state = 1;
    for (i = 0; i < 256; i++) {
        opnames[i] = keep_opname(i, hx_opcode_name(i));
        missing |= opnames[i] == NULL;
    }
    /* Without dis (say, while the interpreter shuts down), try again
       next time; meanwhile opcodes go by number. */
    opnames_state = missing && load_dis_opnames() < 0 ? 0 : 2;
}

static const char *
opname(int opcode)
{
    static char unknown[256][8];
    const char *name = opcode >= 0 && opcode < 256 ? opnames[opcode] : NULL;

    if (name == NULL && opcode >= 0 && opcode < 256) {
        PyOS_snprintf(unknown[opcode], sizeof(unknown[opcode]), "<%d>",
                      opcode);
        name = unknown[opcode];
    }
    return name != NULL ? name : "?";
}

/* The meaning of an opcode field: the opcode, what it stands for, and its
   base, the opcode co.co_code shows.  NULL with an exception set if it
   cannot be kept. */
static const char *
opcode_meaning(hx_builder *b, int executed, int replaced, int base)
{
    const char *name = opname(executed);

    (void)replaced;     /* stand-ins exist from 3.12 */

#ifdef INSTRUMENTED_LINE
    if (executed == INSTRUMENTED_LINE
        || executed == INSTRUMENTED_INSTRUCTION) {
        return hx_keep(b, "%s, standing in for %s (kept in "
                       "_co_monitoring); base opcode %s", name,
                           opname(replaced), opname(base));
    }
#endif
#ifdef ENTER_EXECUTOR
    if (executed == ENTER_EXECUTOR) {
        return hx_keep(b, "%s, standing in for %s (kept in the "
                       "executor); base opcode %s", name,
                           opname(replaced), opname(base));
    }
#endif
    if (executed == base) {
        return name;
    }
#ifdef MIN_INSTRUMENTED_OPCODE
    if (executed >= MIN_INSTRUMENTED_OPCODE) {
        return hx_keep(b, "%s, instrumented; base opcode %s",
                           name, opname(base));
    }
#endif
    return hx_keep(b, "%s, specialised; base opcode %s", name,
                       opname(base));
}

/* Where the bytecode says what a unit stands in for. */
typedef struct {
#if PY_VERSION_HEX >= 0x030C0000
    _PyCoMonitoringData monitoring;
    int monitored;              /* monitoring was read */
#endif
#if PY_VERSION_HEX >= 0x030D0000
    uintptr_t executors;        /* co_executors */
#endif
    int unused;                 /* keeps the struct non-empty on 3.11 */
} stand_ins;

static void
find_stand_ins(hx_builder *b, stand_ins *s)
{
    memset(s, 0, sizeof(*s));
#if PY_VERSION_HEX >= 0x030C0000
    s->monitored = hx_peek(fetch_word(b, offsetof(PyCodeObject,
                                                  _co_monitoring)),
                           &s->monitoring, sizeof(s->monitoring)) == 0;
#endif
#if PY_VERSION_HEX >= 0x030D0000
    s->executors = fetch_word(b, offsetof(PyCodeObject, co_executors));
#endif
    (void)b;
}

#if PY_VERSION_HEX >= 0x030D0000
/* The opcode the executor that ENTER_EXECUTOR `index` runs replaced. */
static int
executor_opcode(const stand_ins *s, int index, int fallback)
{
    int size = 0;
    unsigned char opcode;
    uintptr_t executor;

    if (hx_peek(s->executors + offsetof(_PyExecutorArray, size), &size,
                sizeof(size)) < 0 || index >= size) {
        return fallback;
    }
    executor = peek_word(s->executors + offsetof(_PyExecutorArray, executors)
                         + (uintptr_t)index * sizeof(void *));
    if (hx_peek(executor + (uintptr_t)hx_executor_opcode_offset(), &opcode,
                1) < 0) {
        return fallback;
    }
    return opcode;
}
#endif

/* The opcode the unit at i stands for: what INSTRUMENTED_LINE,
   INSTRUMENTED_INSTRUCTION or ENTER_EXECUTOR replaced, else itself. */
static int
replaced_opcode(const stand_ins *s, Py_ssize_t i, int opcode, int oparg)
{
#if PY_VERSION_HEX >= 0x030C0000
    unsigned char original;
    const _PyCoMonitoringData *m = &s->monitoring;

    if (opcode == INSTRUMENTED_LINE && s->monitored
        && hx_peek((uintptr_t)m->lines
                   + (uintptr_t)i * sizeof(_PyCoLineInstrumentationData)
                   + offsetof(_PyCoLineInstrumentationData, original_opcode),
                   &original, 1) == 0) {
        opcode = original;
    }
    if (opcode == INSTRUMENTED_INSTRUCTION && s->monitored
        && hx_peek((uintptr_t)m->per_instruction_opcodes + (uintptr_t)i,
                   &original, 1) == 0) {
        opcode = original;
    }
#endif
#if PY_VERSION_HEX >= 0x030D0000
    if (opcode == ENTER_EXECUTOR) {
        opcode = executor_opcode(s, oparg, opcode);
    }
#endif
    (void)s;
    (void)i;
    (void)oparg;
    return opcode;
}

#define CODE_UNITS ((Py_ssize_t)offsetof(PyCodeObject, co_code_adaptive))
#define UNIT ((Py_ssize_t)sizeof(uint16_t))     /* a _Py_CODEUNIT */

/* An instruction's two bytes.  The fields are named as _Py_CODEUNIT views
   of co_code_adaptive, indexed by code unit.  (A field stays put only
   until the next one is added.) */
static int
add_instruction(hx_builder *b, Py_ssize_t i, int executed, int replaced,
                int base)
{
    const char *meaning = opcode_meaning(b, executed, replaced, base);
    hx_field *f;

    if (meaning == NULL) {
        return -1;
    }
    f = hx_add(b, CODE_UNITS + i * UNIT, 1, "co_code_adaptive[%zd].op.code",
               "uint8_t", HX_V_UINT, meaning);
    if (f == NULL) {
        return -1;
    }
    f->index = i;
    f->arg0 = base;
    f = hx_add(b, CODE_UNITS + i * UNIT + 1, 1,
               "co_code_adaptive[%zd].op.arg", "uint8_t", HX_V_UINT,
#ifdef ENTER_EXECUTOR
               executed == ENTER_EXECUTOR
               ? "the executor's index in co_executors" :
#endif
               "the oparg (EXTENDED_ARG units before it give its high "
               "bits)");
    if (f == NULL) {
        return -1;
    }
    f->index = i;
    return 0;
}

/* The inline CACHE units after the instruction at i, up to `end`. */
static int
add_caches(hx_builder *b, Py_ssize_t i, int caches, Py_ssize_t end, int base)
{
    /* "%zd" stays, for each unit's arg0 and arg1 to fill in. */
    const char *meaning = hx_keep(b, "inline cache unit %%zd of %%zd of %s",
                                  opname(base));
    int k;

    if (meaning == NULL) {
        return -1;
    }
    for (k = 1; k <= caches && i + k < end; k++) {
        hx_field *f = hx_add(b, CODE_UNITS + (i + k) * UNIT, UNIT,
                             "co_code_adaptive[%zd].cache", "uint16_t",
                             HX_V_HEX, meaning);
        if (f == NULL) {
            return -1;
        }
        f->index = i + k;
        f->arg0 = k;
        f->arg1 = caches;
    }
    return 0;
}

/* The instructions in the first `shown` units, read from `code`. */
static int
add_instructions(hx_builder *b, const unsigned char *code, Py_ssize_t shown)
{
    stand_ins s;
    Py_ssize_t i = 0;

    find_stand_ins(b, &s);
    while (i < shown) {
        int executed = code[i * UNIT], oparg = code[i * UNIT + 1];
        int replaced = replaced_opcode(&s, i, executed, oparg);
        int base = hx_opcode_deopt(replaced);
        int caches = hx_opcode_caches(base);

        if (add_instruction(b, i, executed, replaced, base) < 0
            || add_caches(b, i, caches, shown, base) < 0) {
            return -1;
        }
        i += 1 + caches;
    }
    return 0;
}

/* co_code_adaptive: Py_SIZE(co) code units, at most
   HX_MAX_DESCRIBED_ITEMS of them described. */
static int
describe_bytecode(hx_builder *b)
{
    Py_ssize_t units, shown;
    unsigned char *code;
    int result;

    if (hx_fetch(b, offsetof(PyVarObject, ob_size), &units,
                 sizeof(units)) < 0) {
        return -1;
    }
    if (units <= 0) {
        return 0;
    }
    shown = hx_shown(units);
    /* Names first: importing dis runs code, which may rewrite bytecode. */
    load_opnames();
    code = PyMem_Malloc((size_t)(shown * UNIT));
    if (code == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    result = hx_fetch(b, CODE_UNITS, code, (size_t)(shown * UNIT));
    if (result == 0) {
        result = add_instructions(b, code, shown);
    }
    PyMem_Free(code);
    if (result < 0) {
        return -1;
    }
    if (units == shown) {
        /* The allocation is rounded up to a whole word. */
        return add_padding(b, (Py_ssize_t)_Py_SIZE_ROUND_UP(
                                  CODE_UNITS + units * UNIT, WORD));
    }
    return hx_add_rest(b, CODE_UNITS + shown * UNIT, UNIT, units - shown,
                       "%zd more code units, not described");
}

/* The fields 3.11+ code objects have beyond the common ones. */
static int
describe_code_v311(hx_builder *b)
{
    hx_field *f;

    if (HX_MEMBER(b, PyVarObject, ob_size, "Py_ssize_t", HX_V_INT,
                  "code units (two bytes each) of bytecode in "
                  "co_code_adaptive") == NULL) {
        return -1;
    }
#if PY_VERSION_HEX >= 0x030C0000
    if (BLOCK_MEMBER(b, PyCodeObject, _co_cached, "_PyCoCached *",
                     "co.co_code, co_varnames, co_cellvars and co_freevars "
                     "once made; NULL until one of them is read",
                     describe_co_cached, "_PyCoCached") == NULL) {
        return -1;
    }
    f = BLOCK_MEMBER(b, PyCodeObject, _co_monitoring, "_PyCoMonitoringData *",
                     "what the bytecode is instrumented for; NULL until "
                     "sys.monitoring or tracing first instruments it",
                     describe_co_monitoring, "_PyCoMonitoringData");
    if (f == NULL) {
        return -1;
    }
    if (!b->schema
        && hx_fetch(b, offsetof(PyVarObject, ob_size), &f->follow.count,
                    sizeof(f->follow.count)) < 0) {
        return -1;
    }
#endif
#if PY_VERSION_HEX >= 0x030D0000
    if (BLOCK_MEMBER(b, PyCodeObject, co_executors, "_PyExecutorArray *",
                     "the tier-two executors ENTER_EXECUTOR runs; NULL "
                     "without them", describe_executors,
                     "_PyExecutorArray") == NULL) {
        return -1;
    }
#endif
    if (!b->schema) {
        return describe_bytecode(b);
    }
    f = hx_add(b, CODE_UNITS, 1, "co_code_adaptive[%zd].op.code", "uint8_t",
               HX_V_UINT, "the first opcode of the bytecode, as the "
               "interpreter runs it (Py_SIZE(co) code units of opcode, "
               "oparg, and inline caches)");
    if (f == NULL) {
        return -1;
    }
    f->index = 0;
    return 0;
}
#endif /* PY_VERSION_HEX >= 0x030B0000 */

int
hx_describe_code(hx_builder *b)
{
    if (hx_describe_header(b, 0) < 0
        || hx_add_members(b, code_members,
                          Py_ARRAY_LENGTH(code_members)) < 0) {
        return -1;
    }
#if PY_VERSION_HEX >= 0x030B0000
    if (describe_code_v311(b) < 0) {
        return -1;
    }
#else
    if (describe_cell2arg_pointer(b) < 0
        || add_padding(b, sizeof(PyCodeObject)) < 0) {
        return -1;
    }
#endif
    return hx_describe_extras(b, PyCode_Type.tp_basicsize);
}


/* ----------------------------------------------------------------------
   Frames: the slots for locals, cells, free variables and the stack */

/* What naming a frame's slots takes from its code, read from memory once
   (the tuples and bytes checked once, with their sizes; -1 if not). */
typedef struct {
    Py_ssize_t nlocalsplus;     /* slots the code names */
    Py_ssize_t stacksize;       /* value stack slots after them */
#if PY_VERSION_HEX >= 0x030B0000
    uintptr_t names, kinds;     /* co_localsplusnames, co_localspluskinds */
    Py_ssize_t nnames, nkinds;
#else
    uintptr_t varnames, cellvars, freevars;
    Py_ssize_t nlocals, nvarnames, ncells, nfrees;
#endif
} frame_code;

static int
peek_frame_code(uintptr_t address, frame_code *fc)
{
    PyCodeObject co;

    memset(fc, 0, sizeof(*fc));
    if (peek_code(address, &co) < 0) {
        return -1;
    }
    fc->stacksize = co.co_stacksize;
#if PY_VERSION_HEX >= 0x030B0000
    fc->nlocalsplus = co.co_nlocalsplus;
    fc->names = (uintptr_t)co.co_localsplusnames;
    fc->kinds = (uintptr_t)co.co_localspluskinds;
    fc->nnames = peek_size(fc->names, &PyTuple_Type);
    fc->nkinds = peek_size(fc->kinds, &PyBytes_Type);
#else
    fc->varnames = (uintptr_t)co.co_varnames;
    fc->cellvars = (uintptr_t)co.co_cellvars;
    fc->freevars = (uintptr_t)co.co_freevars;
    fc->nlocals = co.co_nlocals;
    fc->nvarnames = peek_size(fc->varnames, &PyTuple_Type);
    fc->ncells = peek_size(fc->cellvars, &PyTuple_Type);
    fc->nfrees = peek_size(fc->freevars, &PyTuple_Type);
    /* Tuples read from memory can claim any size; a code object's counts
       are ints. */
    if (fc->ncells < 0 || fc->ncells > INT_MAX || fc->nfrees < 0
        || fc->nfrees > INT_MAX || fc->nlocals < 0) {
        return -1;
    }
    fc->nlocalsplus = fc->nlocals + fc->ncells + fc->nfrees;
#endif
    return fc->nlocalsplus < 0 || fc->stacksize < 0 ? -1 : 0;
}

enum { SLOT_LOCAL, SLOT_CELL, SLOT_FREE, SLOT_HIDDEN };

/* The name of slot i (into name) and its kind; -1 if unknown. */
static int
slot_name(const frame_code *fc, Py_ssize_t i, char *name, size_t cap)
{
    uintptr_t text;
    int kind = SLOT_LOCAL;

#if PY_VERSION_HEX >= 0x030B0000
    const hx_frame_facts *m = hx_get_frame_facts();
    unsigned char bits = 0;

    text = peek_tuple_item(fc->names, fc->nnames, i);
    if (i < fc->nkinds) {
        (void)hx_peek(fc->kinds + offsetof(PyBytesObject, ob_sval)
                      + (uintptr_t)i, &bits, 1);
    }
    kind = (bits & m->fast_free) ? SLOT_FREE
           : (bits & m->fast_cell) ? SLOT_CELL
           : (bits & m->fast_hidden) ? SLOT_HIDDEN : SLOT_LOCAL;
#else
    if (i < fc->nlocals) {
        text = peek_tuple_item(fc->varnames, fc->nvarnames, i);
    }
    else if (i < fc->nlocals + fc->ncells) {
        text = peek_tuple_item(fc->cellvars, fc->ncells, i - fc->nlocals);
        kind = SLOT_CELL;
    }
    else {
        text = peek_tuple_item(fc->freevars, fc->nfrees,
                               i - fc->nlocals - fc->ncells);
        kind = SLOT_FREE;
    }
#endif
    return peek_ascii(text, name, cap) < 0 ? -1 : kind;
}

/* NULL with an exception set if the meaning cannot be kept. */
static const char *
slot_meaning(hx_builder *b, const frame_code *fc, Py_ssize_t i)
{
    static const char *const forms[] = {
        [SLOT_LOCAL] = "local variable '%s' (NULL: unbound)",
        [SLOT_CELL] = "cell variable '%s': its cell object",
        [SLOT_FREE] = "free variable '%s': the cell it shares",
        [SLOT_HIDDEN] = "hidden local '%s' of an inlined comprehension",
    };
    static const char fallback[] = "local, cell or free variable %zd";
    char name[160];
    int kind = slot_name(fc, i, name, sizeof(name));

    if (kind < 0) {
        return fallback;
    }
    return hx_keep(b, forms[kind], name);     /* peek_ascii doubled any % */
}

/* A value stack slot: in use if below `depth` (-1: not recorded). */
static hx_field *
add_stack_slot(hx_builder *b, Py_ssize_t offset, const char *name,
               Py_ssize_t j, Py_ssize_t depth)
{
    hx_field *f;

    if (depth < 0) {
        f = hx_add(b, offset, WORD, name, "PyObject *", HX_V_ADDRESS,
                   "value stack slot %zd: which slots are in use is not "
                   "recorded while the frame runs");
    }
    else if (j < depth) {
        f = hx_add(b, offset, WORD, name, "PyObject *", HX_V_OBJECT,
                   "value stack entry %zd");
    }
    else {
        f = hx_add(b, offset, WORD, name, "PyObject *", HX_V_ADDRESS,
                   "value stack slot %zd: not in use");
    }
    if (f != NULL) {
        f->arg0 = j;
    }
    return f;
}

/* The slots from `start`: the code's named slots, then its value stack,
   `depth` entries of it in use; at most `limit` slots. */
static int
add_slots(hx_builder *b, Py_ssize_t start, const char *name,
          const frame_code *fc, Py_ssize_t depth, Py_ssize_t limit)
{
    Py_ssize_t i, count = fc->nlocalsplus + fc->stacksize, shown;

    if (depth > fc->stacksize) {
        depth = -1;
    }
    count = count < limit ? count : limit;
    shown = hx_shown(count);
    for (i = 0; i < shown; i++) {
        Py_ssize_t offset = start + i * WORD;
        hx_field *f;

        if (i < fc->nlocalsplus) {
            const char *meaning = slot_meaning(b, fc, i);

            f = meaning == NULL ? NULL
                                : hx_add(b, offset, WORD, name, "PyObject *",
                                         HX_V_OBJECT, meaning);
            if (f != NULL) {
                f->arg0 = i;
            }
        }
        else {
            f = add_stack_slot(b, offset, name, i - fc->nlocalsplus, depth);
        }
        if (f == NULL) {
            return -1;
        }
        f->index = i;
    }
    return hx_add_rest(b, start + shown * WORD, WORD, count - shown,
                       "%zd more slots, not described");
}


#if PY_VERSION_HEX < 0x030B0000
/* ----------------------------------------------------------------------
   Frames, 3.9 and 3.10: one object with everything in it */

static const hx_member frame_members[] = {
    HX_ROW(PyFrameObject, f_back, "struct _frame *", HX_V_OBJECT,
           "f_back: the caller's frame, or NULL"),
    HX_ROW(PyFrameObject, f_code, "PyCodeObject *", HX_V_OBJECT,
           "f_code: the code being run"),
    HX_ROW(PyFrameObject, f_builtins, "PyObject *", HX_V_OBJECT,
           "f_builtins: the builtins namespace"),
    HX_ROW(PyFrameObject, f_globals, "PyObject *", HX_V_OBJECT,
           "f_globals: the globals namespace"),
    HX_ROW(PyFrameObject, f_locals, "PyObject *", HX_V_OBJECT,
           "the locals mapping: the globals for module code; for a "
           "function NULL until frame.f_locals makes a dict"),
    HX_ROW(PyFrameObject, f_valuestack, "PyObject **", HX_V_ADDRESS,
           "where the value stack starts in f_localsplus, after the "
           "locals, cells and free variables"),
    HX_ROW(PyFrameObject, f_trace, "PyObject *", HX_V_OBJECT,
           "f_trace: the local trace function, or NULL"),
    HX_ROW(PyFrameObject, f_trace_lines, "char", HX_V_INT,
           "f_trace_lines: whether tracing gets line events"),
    HX_ROW(PyFrameObject, f_trace_opcodes, "char", HX_V_INT,
           "f_trace_opcodes: whether tracing gets opcode events"),
    HX_ROW(PyFrameObject, f_gen, "PyObject *", HX_V_OBJECT,
           "the generator or coroutine running in the frame (borrowed), "
           "or NULL"),
    HX_ROW(PyFrameObject, f_iblock, "int", HX_V_INT,
           "try and loop blocks in use in f_blockstack"),
    HX_ROW(PyFrameObject, f_blockstack, "PyTryBlock[CO_MAXBLOCKS]",
           HX_V_NONE, "the try and loop blocks, as a range: the first "
           "f_iblock of them are in use"),
#if PY_VERSION_HEX >= 0x030A0000
    HX_ROW(PyFrameObject, f_stackdepth, "int", HX_V_INT,
           "entries on the value stack while the frame is suspended; -1 "
           "while it runs"),
    HX_ROW(PyFrameObject, f_lasti, "int", HX_V_INT,
           "the code unit of the last instruction started (-1: none yet); "
           "frame.f_lasti is twice it"),
    HX_ROW(PyFrameObject, f_lineno, "int", HX_V_INT,
           "the current line while tracing; 0 otherwise (frame.f_lineno "
           "then works it out from f_lasti)"),
    HX_ROW(PyFrameObject, f_state, "PyFrameState", HX_V_INT,
           "-2 created, -1 suspended, 0 executing, 1 returned, "
           "2 unwinding, 3 raised, 4 cleared"),
#else
    HX_ROW(PyFrameObject, f_stacktop, "PyObject **", HX_V_ADDRESS,
           "the top of the value stack while the frame is suspended; NULL "
           "while it runs"),
    HX_ROW(PyFrameObject, f_lasti, "int", HX_V_INT,
           "frame.f_lasti: the byte offset of the last instruction "
           "started (-1: none yet)"),
    HX_ROW(PyFrameObject, f_lineno, "int", HX_V_INT,
           "the current line while tracing; stale otherwise "
           "(frame.f_lineno then works it out from f_lasti)"),
    HX_ROW(PyFrameObject, f_executing, "char", HX_V_INT,
           "1 while the frame runs"),
#endif
};

/* Entries on the value stack, or -1 if the frame does not record them
   (while it runs). */
static Py_ssize_t
stack_depth(hx_builder *b)
{
#if PY_VERSION_HEX >= 0x030A0000
    return fetch_int(b, offsetof(PyFrameObject, f_stackdepth), -1);
#else
    uintptr_t top = fetch_word(b, offsetof(PyFrameObject, f_stacktop));
    uintptr_t bottom = fetch_word(b, offsetof(PyFrameObject, f_valuestack));
    char executing = 1;

    if (top != 0) {
        return top >= bottom ? (Py_ssize_t)((top - bottom) / WORD) : -1;
    }
    if (hx_fetch(b, offsetof(PyFrameObject, f_executing), &executing,
                 1) < 0) {
        PyErr_Clear();
    }
    return executing ? -1 : 0;  /* a frame that is done has emptied it */
#endif
}

int
hx_describe_frame(hx_builder *b)
{
    Py_ssize_t slots = 0;
    frame_code fc;
    hx_field *f;

    if (hx_describe_header(b, 0) < 0
        || HX_MEMBER(b, PyVarObject, ob_size, "Py_ssize_t", HX_V_INT,
                     "slots allocated after f_localsplus[0] (at least "
                     "what the code needs)") == NULL
        || hx_add_members(b, frame_members, Py_ARRAY_LENGTH(frame_members))
           < 0) {
        return -1;
    }
    if (b->schema) {
        f = HX_MEMBER_AS(b, PyFrameObject, f_localsplus[0],
                         "f_localsplus[%zd]", "PyObject *", HX_V_OBJECT,
                         "the first slot: locals, cells, free variables, "
                         "then the value stack");
        if (f != NULL) {
            f->index = 0;
        }
        return f == NULL ? -1 : 0;
    }
    if (hx_fetch(b, offsetof(PyVarObject, ob_size), &slots,
                 sizeof(slots)) < 0) {
        return -1;
    }
    if (peek_frame_code(fetch_word(b, offsetof(PyFrameObject, f_code)),
                        &fc) == 0
        && add_slots(b, offsetof(PyFrameObject, f_localsplus),
                     "f_localsplus[%zd]", &fc, stack_depth(b),
                     slots < PY_SSIZE_T_MAX ? slots + 1 : slots) < 0) {
        return -1;
    }
    return hx_describe_extras(b, PyFrame_Type.tp_basicsize);
}
#endif /* PY_VERSION_HEX < 0x030B0000 */


#if PY_VERSION_HEX >= 0x030B0000
/* ----------------------------------------------------------------------
   Frames, 3.11+: a frame object and its _PyInterpreterFrame */

/* A member of a struct declared by internal headers: its span is the
   member `fact` of hx_frame_facts.  Members a C-stack frame leaves unset
   are shown as addresses there, never as objects. */
typedef struct {
    size_t fact;
    const char *name;
    const char *inline_name;    /* inside the frame object that owns it */
    const char *ctype;
    hx_value_kind value;
    int in_cstack;              /* set in C-stack frames too */
    const char *meaning;
} fact_member;

#define IFRAME(m, ctype, value, in_cstack, meaning)                     \
    {offsetof(hx_frame_facts, m), #m, "f_frame->" #m, (ctype), (value), \
     (in_cstack), (meaning)}
#define FRAME(m, ctype, value, meaning)                                 \
    {offsetof(hx_frame_facts, m), #m, #m, (ctype), (value), 1, (meaning)}

static const fact_member iframe_members[] = {
    IFRAME(f_func, "PyFunctionObject *", HX_V_OBJECT, 0,
           "the function being run"),
    IFRAME(f_funcobj, "PyObject *", HX_V_OBJECT, 0,
           "the function being run"),
    IFRAME(f_code, "PyCodeObject *", HX_V_OBJECT, 1,
           "the code being run"),
    IFRAME(f_executable, "PyObject *", HX_V_OBJECT, 1,
           "the code being run (None in a C-stack frame)"),
    IFRAME(previous, "struct _PyInterpreterFrame *", HX_V_ADDRESS, 1,
           "the caller's frame data; NULL at the bottom, and once the "
           "frame is over (f_back links the caller then)"),
    IFRAME(f_globals, "PyObject *", HX_V_OBJECT, 0,
           "the globals namespace (borrowed)"),
    IFRAME(f_builtins, "PyObject *", HX_V_OBJECT, 0,
           "the builtins namespace (borrowed)"),
    IFRAME(f_locals, "PyObject *", HX_V_OBJECT, 0,
           "the locals mapping: the globals for module code; for a "
           "function NULL, unless frame.f_locals made a dict"),
    IFRAME(frame_obj, "PyFrameObject *", HX_V_OBJECT, 0,
           "the frame object, once one is made (NULL in the copy a frame "
           "object owns)"),
    IFRAME(prev_instr, "_Py_CODEUNIT *", HX_V_ADDRESS, 1,
           "the code unit before the next instruction"),
    IFRAME(instr_ptr, "_Py_CODEUNIT *", HX_V_ADDRESS, 1,
           "the instruction running or about to run"),
    IFRAME(stacktop, "int", HX_V_INT, 1,
           "the top of the value stack, as a slot of localsplus; only "
           "kept up to date while the frame is not running"),
    IFRAME(is_entry, "bool", HX_V_UINT, 1,
           "whether the interpreter was entered from C for this frame"),
    IFRAME(return_offset, "uint16_t", HX_V_UINT, 1,
           "where this frame resumes when the frame it called returns, "
           "in code units past the call"),
    IFRAME(owner, "char", HX_V_INT, 1,
           "who holds the frame data"),
};

static const fact_member frame_members[] = {
    FRAME(f_back, "PyFrameObject *", HX_V_OBJECT,
          "the caller's frame object, kept once this one holds the frame "
          "data; NULL while the frame runs (frame.f_back goes through "
          "f_frame->previous)"),
    FRAME(f_trace, "PyObject *", HX_V_OBJECT,
          "f_trace: the local trace function, or NULL"),
    FRAME(f_lineno, "int", HX_V_INT,
          "the current line while tracing; 0 otherwise (frame.f_lineno "
          "then works it out from the instruction pointer)"),
    FRAME(f_trace_lines, "char", HX_V_INT,
          "f_trace_lines: whether tracing gets line events"),
    FRAME(f_trace_opcodes, "char", HX_V_INT,
          "f_trace_opcodes: whether tracing gets opcode events"),
    FRAME(f_fast_as_locals, "char", HX_V_INT,
          "1 once frame.f_locals has copied the fast locals into a dict"),
    FRAME(f_extra_locals, "PyObject *", HX_V_OBJECT,
          "names set through frame.f_locals that are not fast locals "
          "(dict), or NULL"),
    FRAME(f_locals_cache, "PyObject *", HX_V_OBJECT,
          "the dict PyEval_GetLocals() last returned (kept for its "
          "borrowed reference), or NULL"),
};

static hx_span
span_of(size_t fact)
{
    return *(const hx_span *)((const char *)hx_get_frame_facts() + fact);
}

#define SPAN_OF(member) span_of(offsetof(hx_frame_facts, member))

/* The code member: f_code up to 3.12, f_executable from 3.13. */
static hx_span
code_span(void)
{
    hx_span span = SPAN_OF(f_code);

    return span.size ? span : SPAN_OF(f_executable);
}

static const char *
owner_meaning(int owner)
{
    const hx_frame_facts *m = hx_get_frame_facts();

    if (owner == m->owned_by_thread) {
        return "0: the thread's data stack holds it: the frame is running, "
               "or waiting for a call to return";
    }
    if (owner == m->owned_by_generator) {
        return "1: a generator or coroutine holds it (gi_iframe)";
    }
    if (owner == m->owned_by_frame_object) {
        return "2: the frame object holds it: the call is over";
    }
    if (owner == m->owned_by_cstack) {
        return "3: a C function's stack holds it: a shim between calls, "
               "whose other fields are garbage";
    }
    return "not an owner CPython knows: this may be no frame data";
}

/* Frame data whose fields are set: owned by a thread, a generator or a
   frame object (not a C-stack shim, nor something else). */
static int
owner_sets_fields(int owner)
{
    const hx_frame_facts *m = hx_get_frame_facts();

    return owner == m->owned_by_thread || owner == m->owned_by_generator
           || owner == m->owned_by_frame_object;
}

/* The instruction pointer's meaning, with its code unit in arg0. */
static void
explain_instr(hx_field *f, uintptr_t code, uintptr_t instr)
{
    Py_ssize_t units, delta;

    if (!peek_is(code, &PyCode_Type)
        || hx_peek(code + offsetof(PyVarObject, ob_size), &units,
                   sizeof(units)) < 0) {
        return;
    }
    delta = (Py_ssize_t)(instr - (code + (uintptr_t)CODE_UNITS));
    if (delta % UNIT != 0 || delta / UNIT < -1 || delta / UNIT >= units) {
        return;
    }
    f->arg0 = delta / UNIT;
    f->meaning = SPAN_OF(prev_instr).size
        ? "the code unit before the next instruction: unit %zd of f_code "
          "(frame.f_lasti is twice it)"
        : "the instruction running or about to run: code unit %zd of "
          "f_executable (frame.f_lasti is twice it)";
}

static int describe_iframe_block(hx_builder *b);

/* One member of the frame data at `base`; `owner` is its owner byte
   (-1 in a schema). */
static int
add_iframe_member(hx_builder *b, const fact_member *fm, Py_ssize_t base,
                  int inline_, int owner)
{
    hx_span span = span_of(fm->fact);
    int garbage = owner >= 0 && !owner_sets_fields(owner) && !fm->in_cstack;
    hx_field *f;

    if (span.size == 0) {
        return 0;
    }
    f = hx_add(b, base + span.offset, span.size,
               inline_ ? fm->inline_name : fm->name, fm->ctype,
               garbage ? HX_V_ADDRESS : fm->value,
               garbage ? "not set in a C-stack frame: garbage" : fm->meaning);
    if (f == NULL) {
        return -1;
    }
    if (fm->fact == offsetof(hx_frame_facts, owner) && owner >= 0) {
        f->meaning = owner_meaning(owner);
    }
    else if (fm->fact == offsetof(hx_frame_facts, previous)) {
        hx_set_follow(f, describe_iframe_block, "_PyInterpreterFrame", 0, 0);
    }
    else if ((fm->fact == offsetof(hx_frame_facts, prev_instr)
              || fm->fact == offsetof(hx_frame_facts, instr_ptr))
             && owner >= 0) {
        explain_instr(f, fetch_word(b, base + code_span().offset),
                      fetch_word(b, base + span.offset));
    }
    return 0;
}

/* Entries on the value stack by stacktop, or -1 if it says nothing
   sensible (3.12+ set it to -1 while the frame runs). */
static Py_ssize_t
iframe_depth(hx_builder *b, Py_ssize_t base, const frame_code *fc)
{
    int top = fetch_int(b, base + SPAN_OF(stacktop).offset, -1);

    if (top < fc->nlocalsplus || top > fc->nlocalsplus + fc->stacksize) {
        return -1;
    }
    return top - fc->nlocalsplus;
}

/* The _PyInterpreterFrame at `base`: a block of its own, or inline in
   the frame object that owns it. */
static int
describe_iframe(hx_builder *b, Py_ssize_t base, int inline_)
{
    unsigned char byte;
    int owner = -1;     /* none in a schema */
    frame_code fc;
    size_t i;

    if (!b->schema) {
        if (hx_fetch(b, base + SPAN_OF(owner).offset, &byte, 1) < 0) {
            return -1;
        }
        owner = byte;
    }
    for (i = 0; i < Py_ARRAY_LENGTH(iframe_members); i++) {
        if (add_iframe_member(b, &iframe_members[i], base, inline_,
                              owner) < 0) {
            return -1;
        }
    }
    if (b->schema || !owner_sets_fields(owner)
        || peek_frame_code(fetch_word(b, base + code_span().offset),
                           &fc) < 0) {
        return 0;
    }
    return add_slots(b, base + SPAN_OF(localsplus).offset,
                     inline_ ? "f_frame->localsplus[%zd]"
                             : "localsplus[%zd]",
                     &fc, iframe_depth(b, base, &fc), PY_SSIZE_T_MAX);
}

static int
describe_iframe_block(hx_builder *b)
{
    return describe_iframe(b, 0, 0);
}

/* Where f_frame points, as its meaning. */
static const char *
frame_data_meaning(uintptr_t data, int inside)
{
    const hx_frame_facts *m = hx_get_frame_facts();
    unsigned char owner = 0xff;

    if (inside) {
        return "the frame data, inside this frame object (_f_frame_data): "
               "the call is over";
    }
    (void)hx_peek(data + (uintptr_t)m->owner.offset, &owner, 1);
    if (owner == m->owned_by_thread) {
        return "the frame data, on the thread's data stack: the frame is "
               "running, or waiting for a call to return";
    }
    if (owner == m->owned_by_generator) {
        return "the frame data, inside the generator or coroutine "
               "(gi_iframe)";
    }
    return "the frame data (an _PyInterpreterFrame)";
}

/* The room for frame data in a frame object that does not hold it: up to
   the slots its code needs, when the code is known. */
static int
describe_room(hx_builder *b, uintptr_t data)
{
    Py_ssize_t start = SPAN_OF(f_frame_data).offset;
    Py_ssize_t end = b->type->tp_basicsize;
    frame_code fc;

    if (peek_frame_code(peek_word(data + (uintptr_t)code_span().offset),
                        &fc) == 0
        && fc.nlocalsplus + fc.stacksize < HX_MAX_DESCRIBED_ITEMS) {
        end += (fc.nlocalsplus + fc.stacksize) * WORD;
    }
    return hx_add(b, start, end - start, "_f_frame_data", "PyObject *[1]",
                  HX_V_NONE, "room for the frame data, used once the frame "
                  "object holds it") == NULL ? -1 : 0;
}

int
hx_describe_frame(hx_builder *b)
{
    hx_span frame_data = SPAN_OF(f_frame_data);
    uintptr_t data;
    size_t i;
    hx_field *f;
    int inside;

    if (hx_describe_header(b, 0) < 0) {
        return -1;
    }
    for (i = 0; i < Py_ARRAY_LENGTH(frame_members); i++) {
        if (add_iframe_member(b, &frame_members[i], 0, 0, -1) < 0) {
            return -1;
        }
    }
    f = add_block_pointer(b, SPAN_OF(f_frame).offset, SPAN_OF(f_frame).size,
                          "f_frame", "struct _PyInterpreterFrame *",
                          "the frame data", describe_iframe_block,
                          "_PyInterpreterFrame");
    if (f == NULL) {
        return -1;
    }
    if (b->schema) {
        return hx_add(b, frame_data.offset, SPAN_OF(localsplus).offset,
                      "_f_frame_data", "PyObject *[1]", HX_V_NONE,
                      "room for the frame data (an _PyInterpreterFrame, "
                      "then its slots) once the frame object holds it")
               == NULL ? -1 : 0;
    }
    data = fetch_word(b, SPAN_OF(f_frame).offset);
    inside = data == b->address + (uintptr_t)frame_data.offset;
    f->meaning = frame_data_meaning(data, inside);
    if (inside ? describe_iframe(b, frame_data.offset, 1) < 0
               : describe_room(b, data) < 0) {
        return -1;
    }
    return hx_describe_extras(b, b->type->tp_basicsize);
}
#endif /* PY_VERSION_HEX >= 0x030B0000 */
