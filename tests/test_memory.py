"""peek, poke, read, write, is_readable and is_writable (csrc/memory.c and
the guarded core in csrc/guard.c)."""

import ctypes
import errno
import math
import mmap
import os
import pickle
import struct
import sys
import tempfile
import threading

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import hexray
from hexray import HexrayError, MemoryFault

PAGE = mmap.PAGESIZE
TOP = 2**64

# Addresses above the user half of the address space, and addresses that
# are not canonical on x86-64 with either 4- or 5-level paging.
KERNEL_ADDRESSES = [2**63, 0xFFFF800000000000, 0xFFFFFFFF81000000,
                    TOP - PAGE]
NON_CANONICAL = [0x1234567890ABCDE0, 0x7FFF000000000000]

# The examples of one property test share its scratch mapping: they only
# read it, or compare it before and after a write.
scratch_settings = settings(
    max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def lowest_mappable():
    """Nothing is ever mapped below this (vm.mmap_min_addr, at least a page)."""
    try:
        with open("/proc/sys/vm/mmap_min_addr") as f:
            setting = int(f.read())
    except OSError:
        setting = 0
    return max(setting, PAGE)


def buffer_at(data):
    """A ctypes buffer holding data, and its address."""
    buf = ctypes.create_string_buffer(bytes(data), len(data))
    return buf, ctypes.addressof(buf)


def fault(call, *args):
    """The MemoryFault that call(*args) raises."""
    with pytest.raises(MemoryFault) as info:
        call(*args)
    return info.value


# ----------------------------------------------------------------------
# peek


def test_peek_matches_ctypes_on_scratch(scratch):
    size = scratch.none - scratch.rw
    assert hexray.peek(scratch.rw, size) == ctypes.string_at(scratch.rw, size)


@pytest.mark.parametrize("value", [b"", b"x", b"hexray" * 100, bytes(range(256))])
def test_peek_bytes_object(value):
    """A bytes object, header and payload, as ctypes sees it."""
    size = sys.getsizeof(value)
    assert hexray.peek(id(value), size) == ctypes.string_at(id(value), size)
    payload_offset = sys.getsizeof(b"") - 1
    assert hexray.peek(id(value) + payload_offset, len(value)) == value


def test_peek_object_header():
    x = [1, 2, 3]
    refcount, type_address = struct.unpack("nP", hexray.peek(id(x), 16))
    assert type_address == id(list)
    assert refcount == ctypes.c_ssize_t.from_address(id(x)).value


def test_peek_code_in_libc(libc):
    address = libc.function_address("strlen")
    assert hexray.peek(address, 64) == ctypes.string_at(address, 64)


def test_peek_read_only_page(scratch):
    assert hexray.peek(scratch.ro, PAGE) == ctypes.string_at(scratch.ro, PAGE)


def test_peek_across_pages(scratch):
    start = scratch.rw + PAGE - 5
    assert hexray.peek(start, PAGE + 10) == ctypes.string_at(start, PAGE + 10)


def test_peek_accepts_index_objects(scratch):
    class Address:
        def __index__(self):
            return scratch.rw

    assert hexray.peek(Address(), 8) == ctypes.string_at(scratch.rw, 8)


def test_peek_size_zero_touches_nothing(scratch, unmapped_address):
    for address in (0, 8, unmapped_address, scratch.guard, 2**63, TOP - 1):
        assert hexray.peek(address, 0) == b""


def bad_addresses(scratch, unmapped_address):
    """(label, address): places where no byte can be read or written."""
    return [
        ("NULL", 0),
        ("NULL page", 8),
        ("top of the NULL area", lowest_mappable() - 8),
        ("unmapped", unmapped_address),
        ("guard page", scratch.guard),
        ("guard page end", scratch.guard + PAGE - 8),
        ("trailing PROT_NONE page", scratch.none),
    ] + [("kernel %#x" % a, a) for a in KERNEL_ADDRESSES] + [
        ("non-canonical %#x" % a, a) for a in NON_CANONICAL
    ]


@pytest.mark.parametrize("size", [1, 8])
def test_peek_bad_addresses_raise(scratch, unmapped_address, size):
    for label, address in bad_addresses(scratch, unmapped_address):
        error = fault(hexray.peek, address, size)
        assert error.address == address, label
        assert error.size == size, label
        assert error.access == "read", label
        assert error.fault_address == address, label
        assert isinstance(error.reason, str) and error.reason, label


def test_fault_reasons(scratch, unmapped_address):
    assert "NULL" in fault(hexray.peek, 16, 8).reason
    assert "not mapped" in fault(hexray.peek, unmapped_address, 8).reason
    assert "permission" in fault(hexray.peek, scratch.guard, 8).reason
    assert "permission" in fault(hexray.poke, scratch.ro, b"x").reason
    for address in KERNEL_ADDRESSES + NON_CANONICAL[:1]:
        assert "kernel" in fault(hexray.peek, address, 8).reason


def test_memory_fault_is_an_oserror_with_efault(unmapped_address):
    assert issubclass(MemoryFault, OSError)
    assert issubclass(MemoryFault, HexrayError)
    error = fault(hexray.peek, unmapped_address, 24)
    assert isinstance(error, OSError)
    assert error.errno == errno.EFAULT
    assert (error.address, error.size, error.access) == (unmapped_address, 24, "read")
    assert error.fault_address == unmapped_address


def test_memory_fault_survives_pickling(unmapped_address):
    """As when it is raised in a multiprocessing worker."""
    error = fault(hexray.peek, unmapped_address, 24)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is MemoryFault
    assert str(copy) == str(error)
    assert copy.errno == errno.EFAULT
    for name in ("address", "size", "access", "fault_address", "reason"):
        assert getattr(copy, name) == getattr(error, name), name


def test_memory_fault_message_names_address_and_size(unmapped_address):
    message = str(fault(hexray.peek, unmapped_address + 8, 24))
    assert "%#x" % (unmapped_address + 8) in message
    assert "24 bytes" in message
    assert "1 byte " in str(fault(hexray.peek, unmapped_address, 1))
    message = str(fault(hexray.poke, unmapped_address, b"abc"))
    assert "%#x" % unmapped_address in message and "3 bytes" in message
    assert "write" in message


@pytest.mark.parametrize("back, size", [
    (1, 2), (4, 8), (1, 10), (8, 16), (16, 48), (100, 200), (128, 256),
    (1, PAGE), (PAGE - 1, PAGE), (PAGE, PAGE + 1),
])
def test_peek_running_off_a_mapping_names_first_bad_byte(scratch, back, size):
    """[ro page][PROT_NONE]: a range ending `size - back` bytes into the
    PROT_NONE page fails at its first byte, whatever the copy order."""
    start = scratch.none - back
    error = fault(hexray.peek, start, size)
    assert (error.address, error.size) == (start, size)
    assert error.fault_address == scratch.none


@pytest.mark.parametrize("size", [2, 10, 16, 64, 256])
def test_peek_starting_on_guard_page_names_its_first_byte(scratch, size):
    error = fault(hexray.peek, scratch.guard + 8, size)
    assert error.fault_address == scratch.guard + 8


def test_peek_range_wrapping_past_top():
    for address, size in [(TOP - 4, 8), (TOP - 1, 2), (TOP - PAGE, 2 * PAGE)]:
        error = fault(hexray.peek, address, size)
        assert (error.address, error.size) == (address, size)
        assert error.fault_address == address
        assert "%#x" % address in str(error)


def test_peek_huge_size_raises_memory_fault(scratch):
    error = fault(hexray.peek, scratch.rw, 2**62)
    assert error.fault_address == scratch.none


# ----------------------------------------------------------------------
# Argument errors, for every function that takes an address


ADDRESS_CALLS = {
    "peek": lambda a: hexray.peek(a, 1),
    "poke": lambda a: hexray.poke(a, b""),
    "read": lambda a: hexray.read(a, "B"),
    "write": lambda a: hexray.write(a, "0s", b""),
    "is_readable": hexray.is_readable,
    "is_writable": hexray.is_writable,
    "region_of": hexray.region_of,
    "object_at": hexray.object_at,
}


@pytest.mark.parametrize("name", sorted(ADDRESS_CALLS))
def test_negative_address_is_value_error(name):
    with pytest.raises(ValueError, match="negative"):
        ADDRESS_CALLS[name](-8)


@pytest.mark.parametrize("name", sorted(ADDRESS_CALLS))
def test_address_past_64_bits_is_overflow_error(name):
    for address in (TOP, TOP + 8, 2**100):
        with pytest.raises(OverflowError):
            ADDRESS_CALLS[name](address)


@pytest.mark.parametrize("name", sorted(ADDRESS_CALLS))
@pytest.mark.parametrize("address", [1.0, "4096", b"\x00", None, [0]])
def test_non_int_address_is_type_error(name, address):
    with pytest.raises(TypeError, match="address must be an int"):
        ADDRESS_CALLS[name](address)


def test_negative_size_is_value_error(scratch):
    with pytest.raises(ValueError, match="negative"):
        hexray.peek(scratch.rw, -1)
    with pytest.raises(ValueError, match="negative"):
        hexray.is_readable(scratch.rw, -1)
    with pytest.raises(ValueError, match="negative"):
        hexray.is_writable(scratch.rw, -1)


def test_non_int_size_is_type_error(scratch):
    with pytest.raises(TypeError, match="size must be an int"):
        hexray.peek(scratch.rw, 1.0)
    with pytest.raises(TypeError):
        hexray.peek(scratch.rw, "8")


def test_wrong_argument_counts():
    with pytest.raises(TypeError):
        hexray.peek(4096)
    with pytest.raises(TypeError):
        hexray.poke(4096, b"", b"")
    with pytest.raises(TypeError):
        hexray.is_readable()
    with pytest.raises(TypeError):
        hexray.is_readable(4096, 1, 1)


# ----------------------------------------------------------------------
# poke


def test_poke_writes_into_ctypes_buffer():
    buf, address = buffer_at(bytes(64))
    hexray.poke(address + 3, b"hexray")
    assert buf.raw == bytes(3) + b"hexray" + bytes(55)


def test_poke_writes_into_bytearray():
    target = bytearray(b"." * 32)
    address = ctypes.addressof((ctypes.c_char * len(target)).from_buffer(target))
    hexray.poke(address + 8, memoryview(b"0123456789"))
    assert target == b"." * 8 + b"0123456789" + b"." * 14


def test_poke_across_pages(scratch):
    data = os.urandom(PAGE + 100)
    hexray.poke(scratch.rw + 50, data)
    assert ctypes.string_at(scratch.rw + 50, len(data)) == data


def test_poke_accepts_any_contiguous_buffer(scratch):
    import array

    values = array.array("i", [1, -2, 3])
    hexray.poke(scratch.rw, values)
    assert ctypes.string_at(scratch.rw, values.itemsize * 3) == values.tobytes()
    hexray.poke(scratch.rw, bytearray(b"abc"))
    assert ctypes.string_at(scratch.rw, 3) == b"abc"


def test_poke_overlapping_its_own_source():
    """Source and destination overlap: the result is that of a slice copy."""
    target = bytearray(range(64))
    view = (ctypes.c_char * len(target)).from_buffer(target)
    address = ctypes.addressof(view)
    expected = bytearray(target)
    expected[5:45] = expected[0:40]
    hexray.poke(address + 5, memoryview(target)[0:40])
    assert target == expected


def test_poke_rejects_non_buffers_and_non_contiguous(scratch):
    before = scratch.contents()
    with pytest.raises(TypeError):
        hexray.poke(scratch.rw, "text")
    with pytest.raises(TypeError):
        hexray.poke(scratch.rw, 5)
    with pytest.raises(BufferError):
        hexray.poke(scratch.rw, memoryview(bytes(16))[::2])
    assert scratch.contents() == before


def test_poke_empty_is_a_no_op(scratch, unmapped_address):
    for address in (0, unmapped_address, scratch.ro, 2**63):
        assert hexray.poke(address, b"") is None


def test_poke_read_only_page_writes_nothing(scratch):
    before = scratch.contents()
    error = fault(hexray.poke, scratch.ro + 16, b"\xaa" * 8)
    assert error.access == "write"
    assert error.fault_address == scratch.ro + 16
    assert (error.address, error.size) == (scratch.ro + 16, 8)
    assert "nothing was written" in str(error)
    assert scratch.contents() == before


@pytest.mark.parametrize("back, size", [(1, 2), (10, 20), (PAGE, PAGE + 1),
                                        (PAGE + 3, 2 * PAGE)])
def test_poke_running_into_read_only_page_writes_nothing(scratch, back, size):
    """The range starts in writable memory: even that part stays unchanged."""
    start = scratch.ro - back
    before = scratch.contents()
    error = fault(hexray.poke, start, b"\xaa" * size)
    assert error.fault_address == scratch.ro
    assert scratch.contents() == before


def test_poke_bad_addresses(scratch, unmapped_address):
    before = scratch.contents()
    for label, address in bad_addresses(scratch, unmapped_address):
        error = fault(hexray.poke, address, b"12345678")
        assert error.address == address, label
        assert error.access == "write", label
        assert error.fault_address == address, label
    assert scratch.contents() == before


def test_poke_range_wrapping_past_top():
    error = fault(hexray.poke, TOP - 4, b"12345678")
    assert (error.address, error.size, error.fault_address) == (TOP - 4, 8, TOP - 4)


def test_poke_into_code_is_refused(libc):
    address = libc.function_address("strlen")
    before = ctypes.string_at(address, 8)
    error = fault(hexray.poke, address, before)
    assert error.fault_address == address
    assert ctypes.string_at(address, 8) == before


# ----------------------------------------------------------------------
# Pages past the end of a mapped file: SIGBUS


@pytest.fixture
def short_file_mapping(libc):
    """Two pages mapping a 100-byte file: the second page is past its end."""
    with tempfile.TemporaryFile() as f:
        f.write(b"F" * 100)
        f.flush()
        address = libc.mmap(2 * PAGE, mmap.PROT_READ, mmap.MAP_SHARED,
                            f.fileno(), 0)
        try:
            yield address
        finally:
            libc.munmap(address, 2 * PAGE)


def test_peek_past_end_of_file_is_a_bus_error(short_file_mapping):
    address = short_file_mapping
    assert hexray.peek(address, 100) == b"F" * 100
    assert hexray.peek(address + 100, 50) == ctypes.string_at(address + 100, 50)
    error = fault(hexray.peek, address + PAGE, 8)
    assert error.fault_address == address + PAGE
    assert "bus error" in error.reason
    error = fault(hexray.peek, address + PAGE - 4, 8)
    assert error.fault_address == address + PAGE
    assert hexray.is_readable(address, PAGE)
    assert not hexray.is_readable(address + PAGE - 1, 2)


# ----------------------------------------------------------------------
# read and write with struct formats

NATIVE_VALUES = {
    "c": st.binary(min_size=1, max_size=1),
    "b": st.integers(-(2**7), 2**7 - 1),
    "B": st.integers(0, 2**8 - 1),
    "?": st.booleans(),
    "h": st.integers(-(2**15), 2**15 - 1),
    "H": st.integers(0, 2**16 - 1),
    "i": st.integers(-(2**31), 2**31 - 1),
    "I": st.integers(0, 2**32 - 1),
    "l": st.integers(-(2**63), 2**63 - 1),
    "L": st.integers(0, 2**64 - 1),
    "q": st.integers(-(2**63), 2**63 - 1),
    "Q": st.integers(0, 2**64 - 1),
    "n": st.integers(-(2**63), 2**63 - 1),
    "N": st.integers(0, 2**64 - 1),
    "f": st.floats(width=32, allow_nan=False),
    "d": st.floats(allow_nan=False),
    "P": st.integers(0, 2**64 - 1),
}


def same(a, b):
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("code", sorted(NATIVE_VALUES))
def test_read_native_code_random_bytes(code):
    for _ in range(20):
        buf, address = buffer_at(os.urandom(16))
        raw = ctypes.string_at(address, struct.calcsize(code))
        assert same(hexray.read(address, code), struct.unpack(code, raw)[0])


@pytest.mark.parametrize("code", sorted(NATIVE_VALUES))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_read_native_code(code, data):
    value = data.draw(NATIVE_VALUES[code])
    buf, address = buffer_at(bytes(16))
    struct.pack_into(code, buf, 3, value)
    got = hexray.read(address + 3, code)
    assert type(got) is type(struct.unpack_from(code, buf, 3)[0])
    assert got == struct.unpack_from(code, buf, 3)[0]


@pytest.mark.parametrize("code", sorted(NATIVE_VALUES))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_write_native_code(code, data):
    value = data.draw(NATIVE_VALUES[code])
    buf, address = buffer_at(b"\xee" * 24)
    assert hexray.write(address + 5, code, value) is None
    size = struct.calcsize(code)
    assert buf.raw == b"\xee" * 5 + struct.pack(code, value) + b"\xee" * (19 - size)


def test_read_bool_any_byte():
    buf, address = buffer_at(bytes(1))
    for byte in range(256):
        buf[0] = byte
        assert hexray.read(address, "?") is struct.unpack("?", bytes([byte]))[0]


def test_read_nan():
    buf, address = buffer_at(struct.pack("d", math.nan) + struct.pack("f", -math.inf))
    assert math.isnan(hexray.read(address, "d"))
    assert hexray.read(address + 8, "f") == -math.inf


FORMATS = [
    ("ii", (1, -2)),
    ("2d", (1.5, -2.25)),
    ("<IhB", (0xDEADBEEF, -3, 200)),
    (">Q", 0x0102030405060708),
    ("!H", 0xBEEF),
    ("=l", -123456789),
    ("<q", -(2**40)),
    ("@P", 0x7F0012345678),
    ("16s", b"sixteen bytes!!!"),
    ("4s", b"ab\x00\x00"),
    ("3s2x?", (b"abc", True)),
    ("@bq", (-1, 2**62)),
    ("e", 1.5),
    ("<3f", (1.0, 2.0, -0.5)),
]


@pytest.mark.parametrize("fmt, value", FORMATS)
def test_read_formats_match_struct(fmt, value):
    values = value if isinstance(value, tuple) else (value,)
    buf, address = buffer_at(struct.pack(fmt, *values) + b"\xcc" * 8)
    expected = struct.unpack(fmt, ctypes.string_at(address, struct.calcsize(fmt)))
    got = hexray.read(address, fmt)
    if len(expected) == 1:
        assert got == expected[0] and not isinstance(got, tuple)
    else:
        assert got == expected and isinstance(got, tuple)


@pytest.mark.parametrize("fmt, value", FORMATS)
def test_write_formats_match_struct(fmt, value):
    values = value if isinstance(value, tuple) else (value,)
    buf, address = buffer_at(b"\xcc" * 64)
    hexray.write(address + 1, fmt, list(value) if isinstance(value, tuple) else value)
    packed = struct.pack(fmt, *values)
    assert buf.raw == b"\xcc" + packed + b"\xcc" * (63 - len(packed))


def test_read_format_with_no_values():
    buf, address = buffer_at(bytes(8))
    assert hexray.read(address, "4x") == ()


def test_read_and_write_read_only_memory(scratch):
    assert hexray.read(scratch.ro, "Q") == struct.unpack(
        "Q", ctypes.string_at(scratch.ro, 8))[0]
    before = scratch.contents()
    error = fault(hexray.write, scratch.ro, "Q", 1)
    assert (error.access, error.size, error.fault_address) == ("write", 8, scratch.ro)
    error = fault(hexray.write, scratch.ro - 2, "<I", 1)
    assert error.fault_address == scratch.ro
    assert scratch.contents() == before


def test_read_faults(scratch, unmapped_address):
    error = fault(hexray.read, unmapped_address, "q")
    assert (error.address, error.size, error.access) == (unmapped_address, 8, "read")
    error = fault(hexray.read, scratch.none - 4, "q")
    assert error.fault_address == scratch.none
    error = fault(hexray.read, scratch.none - 4, "<2q")
    assert (error.size, error.fault_address) == (16, scratch.none)
    error = fault(hexray.read, 0, "i")
    assert error.fault_address == 0


def test_write_faults(unmapped_address):
    error = fault(hexray.write, unmapped_address, "ii", (1, 2))
    assert (error.address, error.size, error.access) == (unmapped_address, 8, "write")


def test_write_conversion_errors_write_nothing(scratch):
    before = scratch.contents()
    for fmt, value in [("b", 300), ("B", -1), ("i", "x"), ("ii", (1,)),
                       ("ii", (1, 2, 3)), ("2d", ("a", 1.0)), ("i", (1,))]:
        with pytest.raises(struct.error):
            hexray.write(scratch.rw, fmt, value)
    with pytest.raises(TypeError):
        hexray.write(scratch.rw, "ii", 5)
    assert scratch.contents() == before


def test_bad_formats():
    buf, address = buffer_at(bytes(8))
    with pytest.raises(struct.error):
        hexray.read(address, "zz")
    with pytest.raises(struct.error):
        hexray.write(address, "zz", 1)
    with pytest.raises(TypeError, match="format must be a str"):
        hexray.read(address, b"i")
    with pytest.raises(TypeError, match="format must be a str"):
        hexray.write(address, 5, 1)


def test_many_formats_stay_correct():
    """More distinct formats than the format cache holds."""
    buf, address = buffer_at(bytes(range(256)) * 40)
    raw = buf.raw
    for count in range(2, 700):
        fmt = "<%dB" % count
        assert hexray.read(address, fmt) == struct.unpack_from(fmt, raw)
        fmt = "%ds" % count
        assert hexray.read(address, fmt) == raw[:count]


def test_write_values_from_a_generator(scratch):
    hexray.write(scratch.rw, "3i", (i * 7 for i in range(3)))
    assert ctypes.string_at(scratch.rw, 12) == struct.pack("3i", 0, 7, 14)


def test_write_values_iterable_that_uses_hexray(run_python):
    """The values' iterator runs Python code, which may use read() with many
    formats; write() must not use the format it looked up meanwhile freed."""
    code = """
        import ctypes, struct, hexray
        buf = ctypes.create_string_buffer(64)
        address = ctypes.addressof(buf)

        def values():
            for i in range(600):
                hexray.read(address, "%dx" % (i + 1))
            yield 1
            yield 2

        hexray.write(address, "ii", values())
        assert buf.raw[:8] == struct.pack("ii", 1, 2), buf.raw[:8]
        print("done")
    """
    returncode, out, err = run_python(code)
    assert (returncode, out.strip()) == (0, "done"), err[-2000:]


# ----------------------------------------------------------------------
# is_readable and is_writable


def test_is_readable_and_writable_follow_scratch_layout(scratch):
    for offset in range(0, scratch.size, 512):
        address = scratch.base + offset
        assert hexray.is_readable(address) == scratch.readable(address), offset
        assert hexray.is_writable(address) == scratch.writable(address), offset


def test_ranges(scratch):
    assert hexray.is_readable(scratch.rw, scratch.rw_size + PAGE)
    assert hexray.is_writable(scratch.rw, scratch.rw_size)
    assert not hexray.is_writable(scratch.rw, scratch.rw_size + 1)
    assert not hexray.is_writable(scratch.ro - 1, 2)
    assert hexray.is_readable(scratch.ro - 1, 2)
    assert not hexray.is_readable(scratch.none - 1, 2)
    assert not hexray.is_readable(scratch.guard + PAGE - 1, 2)
    assert not hexray.is_readable(scratch.rw, scratch.size)
    assert not hexray.is_readable(TOP - 4, 8)
    assert not hexray.is_writable(TOP - 4, 8)


def test_is_writable_changes_nothing(scratch):
    before = scratch.contents()
    assert hexray.is_writable(scratch.rw, scratch.rw_size)
    assert not hexray.is_writable(scratch.rw, scratch.rw_size + PAGE)
    assert scratch.contents() == before


def test_bad_addresses_are_neither(scratch, unmapped_address):
    for label, address in bad_addresses(scratch, unmapped_address):
        assert not hexray.is_readable(address), label
        assert not hexray.is_writable(address), label
        assert not hexray.is_readable(address, 8), label


def test_size_zero_is_trivially_accessible(unmapped_address):
    assert hexray.is_readable(unmapped_address, 0)
    assert hexray.is_writable(0, 0)


def test_code_is_readable_not_writable(libc):
    address = libc.function_address("strlen")
    assert hexray.is_readable(address, 16)
    assert not hexray.is_writable(address)


def test_objects_are_readable_and_writable():
    x = [1, 2, 3]
    assert hexray.is_readable(id(x), sys.getsizeof(x))
    assert hexray.is_writable(id(x), sys.getsizeof(x))
    assert x == [1, 2, 3]


# ----------------------------------------------------------------------
# Properties over the scratch mapping


def first_outside(start, size, low, high):
    """The first address of [start, start + size) outside [low, high)."""
    if size == 0 or low <= start and start + size <= high:
        return None
    return start if start < low or start >= high else high


@scratch_settings
@given(offset=st.integers(0, 5 * PAGE - 1), size=st.integers(0, 3 * PAGE))
@example(offset=4 * PAGE - 1, size=10)
@example(offset=4 * PAGE - 128, size=256)
@example(offset=8, size=10)
def test_peek_property(scratch, offset, size):
    """Within the scratch mapping: the bytes ctypes sees, or a MemoryFault
    naming the first byte of a PROT_NONE page."""
    start = scratch.base + offset
    size = min(size, scratch.end - start)
    bad = first_outside(start, size, scratch.rw, scratch.none)
    if bad is None:
        assert hexray.peek(start, size) == ctypes.string_at(start, size)
        assert hexray.is_readable(start, size)
    else:
        error = fault(hexray.peek, start, size)
        assert error.fault_address == bad
        assert not hexray.is_readable(start, size)


@scratch_settings
@given(offset=st.integers(0, 5 * PAGE - 1), data=st.binary(min_size=1, max_size=2 * PAGE))
def test_poke_property(scratch, offset, data):
    """Within the scratch mapping: written as ctypes then sees it, or a
    MemoryFault naming the first byte that is not writable, and no change."""
    start = scratch.base + offset
    data = data[: scratch.end - start]
    bad = first_outside(start, len(data), scratch.rw, scratch.ro)
    before = scratch.contents()
    if bad is None:
        hexray.poke(start, data)
        assert ctypes.string_at(start, len(data)) == data
        assert hexray.is_writable(start, len(data))
    else:
        error = fault(hexray.poke, start, data)
        assert error.fault_address == bad
        assert scratch.contents() == before
        assert not hexray.is_writable(start, len(data))


# ----------------------------------------------------------------------
# Threads


def test_concurrent_faults_in_threads(scratch, unmapped_address):
    """Every thread gets its own MemoryFault; good reads stay good."""
    targets = [unmapped_address, scratch.guard, scratch.none, 2**63, 8]
    expected_good = ctypes.string_at(scratch.rw, 64)
    threads_count, rounds = 6, 200
    barrier = threading.Barrier(threads_count)
    outcomes = [None] * threads_count

    def worker(index):
        faults = good = 0
        barrier.wait()
        for i in range(rounds):
            target = targets[(index + i) % len(targets)]
            try:
                hexray.peek(target, 8)
            except MemoryFault as error:
                faults += error.fault_address == target
            if hexray.peek(scratch.rw, 64) == expected_good:
                good += 1
        outcomes[index] = (faults, good)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [(rounds, rounds)] * threads_count
