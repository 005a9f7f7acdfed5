/* layout_numbers.c - int and bool, float, complex; and the fallback for
 * every type no other describer knows.
 */
#include "layout.h"

#define DIGIT_SIZE ((Py_ssize_t)sizeof(digit))

/* What the size word says: indexed by sign (0 zero, 1 positive,
   2 negative). */
static const char *const size_meanings[] = {
    "%zd digits: the number is zero",
    "%zd digit(s), least significant first: the number is positive",
    "%zd digit(s), least significant first: the number is negative",
};

/* Describe the int's size word (ob_size up to 3.11, lv_tag from 3.12);
   sets *digits to the number of digits it claims. */
static int
describe_int_size(hx_builder *b, Py_ssize_t *digits)
{
    hx_field *size;
    int sign = 1;

#if PY_VERSION_HEX >= 0x030C0000
    uintptr_t tag = 0;

    size = HX_MEMBER_AS(b, PyLongObject, long_value.lv_tag, "lv_tag",
                        "uintptr_t", HX_V_UINT,
                        "digit count << 3 | sign (0: positive, 1: zero, "
                        "2: negative)");
    if (size == NULL
        || (!b->schema && hx_fetch(b, size->offset, &tag, sizeof(tag)) < 0)) {
        return -1;
    }
    *digits = (Py_ssize_t)(tag >> _PyLong_NON_SIZE_BITS);
    sign = 1 - (int)(tag & _PyLong_SIGN_MASK);    /* 1, 0 or -1 */
#else
    Py_ssize_t ob_size = 0;

    size = HX_MEMBER(b, PyVarObject, ob_size, "Py_ssize_t", HX_V_INT,
                     "number of digits, negated for a negative number");
    if (size == NULL || (!b->schema
                         && hx_fetch(b, size->offset, &ob_size,
                                     sizeof(ob_size)) < 0)) {
        return -1;
    }
    /* |ob_size|; PY_SSIZE_T_MIN, which has none, is no int's. */
    *digits = ob_size < 0 ? (ob_size == PY_SSIZE_T_MIN ? PY_SSIZE_T_MAX
                                                       : -ob_size)
                          : ob_size;
    sign = ob_size < 0 ? -1 : ob_size > 0;
#endif
    if (!b->schema) {
        size->meaning = size_meanings[sign == 0 ? 0 : sign > 0 ? 1 : 2];
        size->arg0 = *digits;
    }
    return 0;
}

int
hx_describe_int(hx_builder *b)
{
    Py_ssize_t digits = 0, i, shown;
    hx_field *f;

    if (hx_describe_header(b, 0) < 0 || describe_int_size(b, &digits) < 0) {
        return -1;
    }
    if (b->schema) {
        f = hx_add(b, HX_DIGITS_OFFSET, DIGIT_SIZE, "ob_digit[%zd]",
                   "digit", HX_V_UINT, "the first of the digits, %zd bits "
                   "each (as many digits as the number needs)");
        if (f == NULL) {
            return -1;
        }
        f->index = 0;
        f->arg0 = PyLong_SHIFT;
        return 0;
    }
    shown = hx_shown(digits);
    for (i = 0; i < shown; i++) {
        f = hx_add_indexed(b, HX_DIGITS_OFFSET + i * DIGIT_SIZE, DIGIT_SIZE,
                           "ob_digit[%zd]", i, "digit", HX_V_UINT,
                           "digit %zd, %zd bits of the magnitude");
        if (f == NULL) {
            return -1;
        }
        f->arg1 = PyLong_SHIFT;
    }
    if (hx_add_rest(b, HX_DIGITS_OFFSET + shown * DIGIT_SIZE, DIGIT_SIZE,
                    digits - shown, "%zd more digits, not described") < 0) {
        return -1;
    }
#if PY_VERSION_HEX >= 0x030B0000
    if (digits == 0) {
        /* From 3.11 every int has room for one digit, zero included. */
        f = hx_add(b, HX_DIGITS_OFFSET, DIGIT_SIZE, "ob_digit[%zd]",
                   "digit", HX_V_UINT, "room for a digit; zero has none, so "
                   "this means nothing");
        if (f == NULL) {
            return -1;
        }
        f->index = 0;
    }
#endif
    return hx_describe_extras(b, PyLong_Type.tp_basicsize);
}

int
hx_describe_float(hx_builder *b)
{
    if (hx_describe_header(b, 0) < 0
        || HX_MEMBER(b, PyFloatObject, ob_fval, "double", HX_V_FLOAT,
                     "the value, an IEEE 754 double") == NULL) {
        return -1;
    }
    return hx_describe_extras(b, PyFloat_Type.tp_basicsize);
}

int
hx_describe_complex(hx_builder *b)
{
    if (hx_describe_header(b, 0) < 0
        || HX_MEMBER_AS(b, PyComplexObject, cval.real, "cval.real", "double",
                        HX_V_FLOAT, "the real part") == NULL
        || HX_MEMBER_AS(b, PyComplexObject, cval.imag, "cval.imag", "double",
                        HX_V_FLOAT, "the imaginary part") == NULL) {
        return -1;
    }
    return hx_describe_extras(b, PyComplex_Type.tp_basicsize);
}

int
hx_describe_generic(hx_builder *b)
{
    if (hx_describe_header(b, 0) < 0) {
        return -1;
    }
    return hx_describe_extras(b, sizeof(PyObject));
}
