/* internal_code.c - facts from CPython's internal headers about bytecode
 * and frames (3.11+).
 *
 * From 3.11 the interpreter rewrites bytecode in place (specialisation;
 * from 3.12 also instrumentation), and the tables that lead a rewritten
 * opcode back to the one the compiler wrote are internal.  So are the frame
 * structs: PyFrameObject became a thin wrapper around an
 * _PyInterpreterFrame, both declared in internal/pycore_frame.h.
 *
 * The opcode tables are defined (not only declared) here: libpython keeps
 * its copies local, so hexray compiles its own, in this one file.  On 3.9
 * and 3.10 there is nothing to export: frames are public and bytecode is
 * never rewritten.
 */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE_MODULE 1
/* Must precede every include: the headers below include each other, and
   only the first inclusion of the table header counts. */
#define NEED_OPCODE_TABLES      /* 3.11, 3.12: internal/pycore_opcode.h */
#define NEED_OPCODE_METADATA    /* 3.13: internal/pycore_opcode_metadata.h */
#include <Python.h>

#if PY_VERSION_HEX >= 0x030B0000
#  include "internal/pycore_code.h"     /* before pycore_optimizer.h */
#  include "internal/pycore_frame.h"
#  if PY_VERSION_HEX >= 0x030D0000
#    include "internal/pycore_opcode_metadata.h"
#    include "internal/pycore_optimizer.h"
#  else
#    include "internal/pycore_opcode.h"
#  endif
#endif

#include "layout.h"

#if PY_VERSION_HEX >= 0x030B0000

_Static_assert(sizeof(_Py_CODEUNIT) == 2, "a code unit is two bytes");

static const hx_frame_facts frame_facts = {
    .f_back = HX_SPAN(PyFrameObject, f_back),
    .f_frame = HX_SPAN(PyFrameObject, f_frame),
    .f_trace = HX_SPAN(PyFrameObject, f_trace),
    .f_lineno = HX_SPAN(PyFrameObject, f_lineno),
    .f_trace_lines = HX_SPAN(PyFrameObject, f_trace_lines),
    .f_trace_opcodes = HX_SPAN(PyFrameObject, f_trace_opcodes),
#if PY_VERSION_HEX >= 0x030D0000
    .f_extra_locals = HX_SPAN(PyFrameObject, f_extra_locals),
    .f_locals_cache = HX_SPAN(PyFrameObject, f_locals_cache),
#else
    .f_fast_as_locals = HX_SPAN(PyFrameObject, f_fast_as_locals),
#endif
    .f_frame_data = HX_SPAN(PyFrameObject, _f_frame_data),

#if PY_VERSION_HEX >= 0x030D0000
    .f_executable = HX_SPAN(_PyInterpreterFrame, f_executable),
    .instr_ptr = HX_SPAN(_PyInterpreterFrame, instr_ptr),
#else
    .f_code = HX_SPAN(_PyInterpreterFrame, f_code),
    .prev_instr = HX_SPAN(_PyInterpreterFrame, prev_instr),
#endif
#if PY_VERSION_HEX >= 0x030C0000
    .f_funcobj = HX_SPAN(_PyInterpreterFrame, f_funcobj),
    .return_offset = HX_SPAN(_PyInterpreterFrame, return_offset),
#else
    .f_func = HX_SPAN(_PyInterpreterFrame, f_func),
    .is_entry = HX_SPAN(_PyInterpreterFrame, is_entry),
#endif
    .previous = HX_SPAN(_PyInterpreterFrame, previous),
    .f_globals = HX_SPAN(_PyInterpreterFrame, f_globals),
    .f_builtins = HX_SPAN(_PyInterpreterFrame, f_builtins),
    .f_locals = HX_SPAN(_PyInterpreterFrame, f_locals),
    .frame_obj = HX_SPAN(_PyInterpreterFrame, frame_obj),
    .stacktop = HX_SPAN(_PyInterpreterFrame, stacktop),
    .owner = HX_SPAN(_PyInterpreterFrame, owner),
    .localsplus = HX_SPAN(_PyInterpreterFrame, localsplus),

    .owned_by_thread = FRAME_OWNED_BY_THREAD,
    .owned_by_generator = FRAME_OWNED_BY_GENERATOR,
    .owned_by_frame_object = FRAME_OWNED_BY_FRAME_OBJECT,
#if PY_VERSION_HEX >= 0x030C0000
    .owned_by_cstack = FRAME_OWNED_BY_CSTACK,
    .fast_hidden = CO_FAST_HIDDEN,
#else
    .owned_by_cstack = -1,
    .fast_hidden = 0,
#endif
    .fast_local = CO_FAST_LOCAL,
    .fast_cell = CO_FAST_CELL,
    .fast_free = CO_FAST_FREE,
};

const hx_frame_facts *
hx_get_frame_facts(void)
{
    return &frame_facts;
}

#if PY_VERSION_HEX >= 0x030C0000
/* INSTRUMENTED_X -> X: the static DE_INSTRUMENT table of
   Python/instrumentation.c, which no header declares.  INSTRUMENTED_LINE
   and INSTRUMENTED_INSTRUCTION keep the opcode they replace elsewhere
   (_co_monitoring), so they have no entry. */
static const uint8_t de_instrument[256] = {
    [INSTRUMENTED_RESUME] = RESUME,
    [INSTRUMENTED_RETURN_VALUE] = RETURN_VALUE,
    [INSTRUMENTED_RETURN_CONST] = RETURN_CONST,
    [INSTRUMENTED_CALL] = CALL,
    [INSTRUMENTED_CALL_FUNCTION_EX] = CALL_FUNCTION_EX,
    [INSTRUMENTED_YIELD_VALUE] = YIELD_VALUE,
    [INSTRUMENTED_JUMP_FORWARD] = JUMP_FORWARD,
    [INSTRUMENTED_JUMP_BACKWARD] = JUMP_BACKWARD,
    [INSTRUMENTED_POP_JUMP_IF_FALSE] = POP_JUMP_IF_FALSE,
    [INSTRUMENTED_POP_JUMP_IF_TRUE] = POP_JUMP_IF_TRUE,
    [INSTRUMENTED_POP_JUMP_IF_NONE] = POP_JUMP_IF_NONE,
    [INSTRUMENTED_POP_JUMP_IF_NOT_NONE] = POP_JUMP_IF_NOT_NONE,
    [INSTRUMENTED_FOR_ITER] = FOR_ITER,
    [INSTRUMENTED_END_FOR] = END_FOR,
    [INSTRUMENTED_END_SEND] = END_SEND,
    [INSTRUMENTED_LOAD_SUPER_ATTR] = LOAD_SUPER_ATTR,
#if PY_VERSION_HEX >= 0x030D0000
    [INSTRUMENTED_CALL_KW] = CALL_KW,
#endif
};
#endif

/* The opcode the compiler wrote, for an opcode the interpreter put in its
   place: a specialised or adaptive form, or (3.12+) an instrumented one.
   INSTRUMENTED_LINE, INSTRUMENTED_INSTRUCTION and ENTER_EXECUTOR come back
   unchanged: what they replace is kept outside the bytecode. */
int
hx_opcode_deopt(int opcode)
{
    if (opcode < 0 || opcode > 255) {
        return opcode;
    }
#if PY_VERSION_HEX >= 0x030C0000
    if (de_instrument[opcode] != 0) {
        return de_instrument[opcode];
    }
#endif
    return _PyOpcode_Deopt[opcode];
}

/* The inline CACHE units that follow an instruction with this (base)
   opcode. */
int
hx_opcode_caches(int opcode)
{
    if (opcode < 0 || opcode > 255) {
        return 0;
    }
    return _PyOpcode_Caches[opcode];
}

/* The opcode's name where the headers give one (3.13), else NULL. */
const char *
hx_opcode_name(int opcode)
{
#if PY_VERSION_HEX >= 0x030D0000
    if (opcode >= 0 && opcode < 256) {
        return _PyOpcode_OpName[opcode];
    }
#else
    (void)opcode;
#endif
    return NULL;
}

/* Where in an _PyExecutorObject (3.13) the opcode that ENTER_EXECUTOR
   replaced is kept.  -1 before 3.13. */
Py_ssize_t
hx_executor_opcode_offset(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return offsetof(_PyExecutorObject, vm_data.opcode);
#else
    return -1;
#endif
}

#endif /* PY_VERSION_HEX >= 0x030B0000 */
