"""Layouts of int, bool, float and complex, checked against the numbers."""

import ctypes
import struct
import sys

import pytest

import hexray
from layout_checks import assert_consistent, field_values

SHIFT = sys.int_info.bits_per_digit
INTS = [0, 1, -1, 5, -5, 256, 257, 1000, 2**30 - 1, 2**30, -(2**30) - 7,
        2**64, -(2**64), 2**120 - 1, 3**200, -(7**150)]


def digits_of(n):
    """The 30-bit digits of |n|, least significant first, as CPython keeps
    them (zero has none)."""
    n = abs(n)
    digits = []
    while n:
        digits.append(n & ((1 << SHIFT) - 1))
        n >>= SHIFT
    return digits


def sign_and_count(layout):
    """(sign, digit count) as the layout's size word encodes them."""
    if sys.version_info >= (3, 12):
        tag = layout["lv_tag"].value
        return 1 - (tag & 3), tag >> 3
    size = layout["ob_size"].value
    return (size > 0) - (size < 0), abs(size)


@pytest.mark.parametrize("n", INTS)
def test_int_digits_and_sign(n):
    layout = hexray.layout(n)
    assert_consistent(layout)
    expected = digits_of(n)
    assert field_values(layout, "ob_digit")[:len(expected)] == expected
    assert sign_and_count(layout) == ((n > 0) - (n < 0), len(expected))
    assert layout["ob_type"].value is int
    assert layout.size == sys.getsizeof(n)


@pytest.mark.parametrize("n", [2**120 - 1, -(2**64) + 3])
def test_digit_fields_sit_where_ctypes_finds_them(n):
    layout = hexray.layout(n)
    first = layout["ob_digit[0]"]
    assert first.offset == int.__basicsize__
    count = len(digits_of(n))
    array = (ctypes.c_uint32 * count).from_address(id(n) + first.offset)
    assert list(array) == digits_of(n)


def test_huge_int_is_described_in_part():
    n = (1 << (SHIFT * 5000)) - 12345       # 5000 digits
    layout = hexray.layout(n)
    assert_consistent(layout)
    shown = field_values(layout, "ob_digit")
    assert 0 < len(shown) < 5000
    assert shown == digits_of(n)[:len(shown)]
    rest = layout.fields[-1]
    assert rest.name == "" and rest.offset == int.__basicsize__ + 4 * len(
        shown)
    assert rest.meaning == "%d more digits, not described" % (
        5000 - len(shown))
    assert sign_and_count(layout) == (1, 5000)


def test_refcount_field_reads_the_count():
    value = 10**30 + 1          # a fresh, mortal int
    layout = hexray.layout(value)
    # While the layout holds value, both reads see the same references.
    assert layout["ob_refcnt"].value == sys.getrefcount(value)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="immortal from 3.12")
def test_small_ints_are_immortal():
    field = hexray.layout(7)["ob_refcnt"]
    assert field.value == sys.getrefcount(7)
    assert "immortal" in field.meaning


@pytest.mark.parametrize("flag", [True, False])
def test_bool(flag):
    layout = hexray.layout(flag)
    assert_consistent(layout)
    assert layout["ob_type"].value is bool
    assert field_values(layout, "ob_digit")[:int(flag)] == digits_of(int(flag))
    assert sign_and_count(layout) == (int(flag), int(flag))


def test_int_subclass_keeps_the_int_fields():
    class Big(int):
        pass

    value = Big(2**70 + 9)
    layout = hexray.layout(value)
    assert_consistent(layout)
    assert field_values(layout, "ob_digit")[:3] == digits_of(value)
    assert layout["ob_type"].value is Big


@pytest.mark.parametrize("x", [0.0, -0.0, 1.5, 1e308, float("inf"),
                               -2.5e-300])
def test_float(x):
    layout = hexray.layout(x)
    assert_consistent(layout)
    field = layout["ob_fval"]
    assert field.raw == struct.pack("d", x)
    assert field.value == x or (x != x and field.value != field.value)
    assert layout.size == sys.getsizeof(x)


def test_nan():
    nan = float("nan")
    value = hexray.layout(nan)["ob_fval"].value
    assert value != value


def test_complex():
    z = complex(3.25, -4.5)
    layout = hexray.layout(z)
    assert_consistent(layout)
    assert layout["cval.real"].value == z.real
    assert layout["cval.imag"].value == z.imag
    assert layout.size == sys.getsizeof(z)


def test_schema_of_int():
    schema = hexray.schema(int)
    names = [f.name for f in schema]
    assert names[:2] == ["ob_refcnt", "ob_type"]
    assert ("lv_tag" if sys.version_info >= (3, 12) else "ob_size") in names
    first = schema["ob_digit[0]"]
    assert (first.offset, first.size) == (int.__basicsize__, int.__itemsize__)
    assert all(f.value is None and f.raw is None for f in schema)
    assert schema.address is None and schema.kind == "schema"


def test_schema_of_float_matches_struct_size():
    schema = hexray.schema(float)
    field = schema["ob_fval"]
    assert field.offset + field.size == float.__basicsize__
