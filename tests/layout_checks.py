"""Checks every layout test can make against independent sources.

A Layout's bytes come from one snapshot of memory through hexray's guarded
core.  These helpers read the same memory again with ctypes, and compare
what each field says about itself (its place, size and order) with what a
layout must be.
"""

import ctypes
import sys

WORD = ctypes.sizeof(ctypes.c_void_p)

#: Fields that change between two reads of a live object.
VOLATILE = {"ob_refcnt", "_gc_next", "_gc_prev"}


def memory(address, size):
    """size bytes at address, read by ctypes (never through hexray)."""
    return ctypes.string_at(address, size)


def assert_consistent(layout):
    """Fields in address order, inside the extent, their bytes the layout's.

    Every field's raw bytes must be the layout's bytes at the field's
    offset, and (for fields that do not change by themselves) what ctypes
    reads at the field's address now.
    """
    assert layout.raw is not None and len(layout.raw) == layout.size
    last = None
    for field in layout.fields:
        assert layout.start <= field.offset, field
        assert field.offset + field.size <= layout.start + layout.size, field
        if last is not None:
            assert last <= field.offset, (layout.fields, field)
        last = field.offset
        assert field.address == layout.address + field.offset, field
        begin = field.offset - layout.start
        assert field.raw == layout.raw[begin:begin + field.size], field
        if field.name not in VOLATILE:
            assert field.raw == memory(field.address, field.size), field


def field_values(layout, prefix):
    """The values of the fields whose names start with prefix, in order."""
    return [f.value for f in layout.fields if f.name.startswith(prefix)]


def word_at(address):
    """The pointer-sized word at address, read by ctypes."""
    return ctypes.c_size_t.from_address(address).value


def object_extent(obj):
    """Bytes from the start of obj's pre-header to the end of obj, as
    sys.getsizeof reports them (it counts the GC header and, from 3.11, the
    managed dict words; __sizeof__ counts the object alone)."""
    return sys.getsizeof(obj)
