"""address() and object_at() (csrc/objects.c)."""

import collections
import ctypes
import enum
import gc
import mmap
import re
import sys
import weakref

import pytest

import hexray
from hexray import HexrayError, InvalidObjectError

WORD = ctypes.sizeof(ctypes.c_void_p)


class Plain:
    pass


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = 1
        self.b = [2]


class EmptySlots:
    __slots__ = ()


class Meta(type):
    pass


class WithMeta(metaclass=Meta):
    pass


class Color(enum.Enum):
    RED = 1


class Number(enum.IntEnum):
    ONE = 1


class MyInt(int):
    pass


class MyStr(str):
    pass


class MyBytes(bytes):
    pass


class MyTuple(tuple):
    pass


Point = collections.namedtuple("Point", "x y")


def function():
    pass


def generator():
    yield 1


def make_objects():
    """(label, object) pairs covering many kinds of object."""
    return [
        ("small int", 5),
        ("negative small int", -5),
        ("zero", 0),
        ("big int", 10**40 + 7),
        ("huge negative int", -(10**5000)),
        ("int subclass", MyInt(10**30)),
        ("IntEnum member", Number.ONE),
        ("float", 2.5),
        ("complex", 1 + 2j),
        ("str", "hexray"),
        ("non-ascii str", "h\xe9xr\u0101y \U0001F600"),
        ("empty str", ""),
        ("long 4-byte str", "\U0001F600" * 5000),
        ("str subclass", MyStr("sub")),
        ("bytes", b"bytes"),
        ("empty bytes", b""),
        ("megabyte of bytes", bytes(2**20)),
        ("bytes subclass", MyBytes(b"sub")),
        ("bytearray", bytearray(b"ab")),
        ("tuple", (1, "two", 3.0)),
        ("empty tuple", ()),
        ("tuple subclass", MyTuple((1, 2))),
        ("namedtuple", Point(1, 2)),
        ("struct sequence", sys.flags),
        ("long tuple", tuple(range(10000))),
        ("list", [1, 2, 3]),
        ("dict", {"a": 1}),
        ("empty dict", {}),
        ("set", {1, 2}),
        ("frozenset", frozenset({1})),
        ("user class", Plain),
        ("instance", Plain()),
        ("slotted instance", Slotted()),
        ("empty-slots instance", EmptySlots()),
        ("metaclass instance", WithMeta),
        ("metaclass", Meta),
        ("enum member", Color.RED),
        ("heap type from type()", type("Dynamic", (), {})),
        ("ctypes heap type", ctypes.c_int),
        ("ctypes instance", ctypes.c_int(5)),
        ("re.Pattern type", type(re.compile("a"))),
        ("compiled pattern", re.compile("a+")),
        ("OrderedDict", collections.OrderedDict(a=1)),
        ("type", type),
        ("object", object),
        ("int type", int),
        ("function", function),
        ("lambda", lambda: 0),
        ("builtin function", len),
        ("bound method", Plain().__init__),
        ("bound builtin method", [].append),
        ("code", function.__code__),
        ("frame", sys._getframe()),
        ("generator", generator()),
        ("module", sys),
        ("None", None),
        ("True", True),
        ("False", False),
        ("Ellipsis", ...),
        ("NotImplemented", NotImplemented),
        ("range", range(10)),
        ("slice", slice(1, 2)),
        ("memoryview", memoryview(b"abc")),
        ("weakref", weakref.ref(Plain)),
        ("property", property(lambda self: 1)),
        ("exception", ValueError("x")),
        ("exception type", ValueError),
        ("pointer", hexray.ptr(1)),
        ("Pointer type", hexray.Pointer),
        ("MemoryFault type", hexray.MemoryFault),
        ("object()", object()),
        ("list iterator", iter([1])),
        ("cell", (lambda x: lambda: x)(1).__closure__[0]),
    ]


OBJECTS = make_objects()
IDS = [label for label, _ in OBJECTS]


def rejected(address):
    """The InvalidObjectError object_at(address) raises.  If it returns
    something instead, fail without touching that object any further."""
    try:
        found = hexray.object_at(address)
    except InvalidObjectError as error:
        return error
    kind = type(found).__name__
    del found
    pytest.fail("object_at(%#x) accepted an object of type %s" % (address, kind))


# ----------------------------------------------------------------------
# address() and object_at() of live objects


@pytest.mark.parametrize("obj", [obj for _, obj in OBJECTS], ids=IDS)
def test_address_is_id(obj):
    assert hexray.address(obj) == id(obj)


@pytest.mark.parametrize("obj", [obj for _, obj in OBJECTS], ids=IDS)
def test_object_at_address_is_the_object(obj):
    assert hexray.object_at(hexray.address(obj)) is obj


@pytest.mark.parametrize("name", ["", "with\ttab", "with\nnewline", "x" * 300, "\xdcn\xefcode"],
                         ids=["empty", "tab", "newline", "long", "non-ascii"])
def test_object_at_instance_of_class_with_unusual_name(name):
    """type() accepts any name without NUL; its instances are still objects."""
    cls = type(name, (), {})
    obj = cls()
    assert hexray.object_at(id(cls)) is cls
    assert hexray.object_at(id(obj)) is obj


def test_every_object_the_collector_reaches():
    """Every object gc knows of, and every object those refer to."""
    reachable = {}
    for obj in gc.get_objects():
        reachable[id(obj)] = obj
        for referent in gc.get_referents(obj):
            reachable[id(referent)] = referent
    assert len(reachable) > 1000
    failures = []
    for address, obj in reachable.items():
        try:
            if hexray.object_at(address) is not obj:
                failures.append((type(obj).__name__, "another object"))
        except InvalidObjectError as error:
            failures.append((type(obj).__name__, error.reason))
    assert failures == []


def test_objects_of_a_type_not_yet_readied(run_python):
    """lru_cache's links are objects of a C type that (on 3.9) nothing has
    readied until Python code first looks at the type.  Each link is live
    and gc hands it out; object_at runs before anything touches the type."""
    code = """
        import functools, gc, hexray

        @functools.lru_cache(maxsize=4)
        def cached(x):
            return x

        cached(1), cached(2)
        referents = gc.get_referents(cached)
        referents += [obj for near in referents for obj in gc.get_referents(near)]
        found = []
        for obj in referents:
            try:
                found.append(hexray.object_at(id(obj)) is obj)
            except hexray.InvalidObjectError as error:
                found.append(error.reason)
        print([(type(obj).__name__, result) for obj, result in zip(referents, found)])
    """
    returncode, out, err = run_python(code)
    assert returncode == 0, err[-2000:]
    results = eval(out)
    assert "_lru_list_elem" in [name for name, _ in results]
    assert [result for _, result in results if result is not True] == [], results


def test_object_at_many_ints():
    for value in list(range(-10, 300)) + [2**31, 2**63, 2**64 + 1, -(2**70)]:
        number = value + 0  # a new object where the value is not cached
        assert hexray.object_at(id(number)) is number


def test_object_at_gc_untracked_tuple():
    """The collector stops tracking a tuple of atoms after it looks at it."""
    value = tuple([1, 2, 3])
    assert gc.is_tracked(value)
    gc.collect()
    assert not gc.is_tracked(value)
    assert hexray.object_at(id(value)) is value


def test_object_at_untracked_dict():
    value = {"a": 1}
    assert not gc.is_tracked(value)
    assert hexray.object_at(id(value)) is value


def test_object_at_objects_made_with_gc_disabled():
    enabled = gc.isenabled()
    gc.disable()
    try:
        made = [Plain(), [1], {"k": [2]}, Slotted(), (Plain(),)]
        for obj in made:
            assert hexray.object_at(id(obj)) is obj
    finally:
        if enabled:
            gc.enable()
    for obj in made:
        assert hexray.object_at(id(obj)) is obj


def test_object_at_frozen_objects():
    obj = [Plain()]
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 0
        assert hexray.object_at(id(obj)) is obj
        assert hexray.object_at(id(obj[0])) is obj[0]
    finally:
        gc.unfreeze()


def test_object_at_during_finalization():
    """Objects in a cycle the collector is clearing are still live in __del__."""
    seen = []

    class Node:
        def __del__(self):
            seen.append(hexray.object_at(id(self)) is self)
            seen.append(hexray.object_at(id(self.other)) is self.other)

    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    gc.collect()
    assert seen == [True] * 4


def test_object_at_returns_a_new_reference():
    obj = [1, 2, 3]
    before = sys.getrefcount(obj)
    found = hexray.object_at(id(obj))
    assert sys.getrefcount(obj) == before + 1
    del found
    assert sys.getrefcount(obj) == before


def test_object_at_new_reference_keeps_object_alive():
    obj = Plain()
    ref = weakref.ref(obj)
    found = hexray.object_at(id(obj))
    del obj
    gc.collect()
    assert ref() is found
    del found
    gc.collect()
    assert ref() is None


# ----------------------------------------------------------------------
# Rejections


def test_invalid_object_error_class():
    assert issubclass(InvalidObjectError, ValueError)
    assert issubclass(InvalidObjectError, HexrayError)


def test_null():
    error = rejected(0)
    assert error.address == 0
    assert error.reason
    assert str(error).startswith("no live object at 0x0")


@pytest.mark.parametrize("obj", [obj for _, obj in OBJECTS], ids=IDS)
def test_misaligned(obj):
    for delta in range(1, WORD):
        error = rejected(id(obj) + delta)
        assert error.address == id(obj) + delta
        assert "boundar" in error.reason


def interior_cases():
    """Live objects whose inside must not pass for the start of an object.
    No tuple here starts with a type object: see the test for that."""
    return [
        ("list", [1, 2, 3]),
        ("dict", {"a": 1, "b": 2}),
        ("instance", Plain()),
        ("instance with attributes", _with_attributes()),
        ("slotted", Slotted()),
        ("tuple", (1, 2, 3)),
        ("tuple of objects", (Plain(), [1])),
        ("big int", 10**100),
        ("str", "interior" * 10),
        ("bytes", b"\x05" + bytes(63)),
        ("set", {1, 2, 3}),
        ("user class", Plain),
        ("function", function),
        ("float", 1.5),
        ("pointer", hexray.ptr([1])),
    ]


def _with_attributes():
    obj = Plain()
    obj.x, obj.y = 1, [2]
    return obj


@pytest.mark.parametrize("label, obj", interior_cases(), ids=[c[0] for c in interior_cases()])
def test_interior_addresses(label, obj):
    size = type(obj).__sizeof__(obj)  # the object itself, without GC header
    offsets = [offset for offset in (WORD, 2 * WORD, 3 * WORD) if offset < size]
    assert offsets
    for offset in offsets:
        error = rejected(id(obj) + offset)
        assert error.address == id(obj) + offset
        assert error.reason


TYPE_FIRST_TUPLES = [
    ("int", lambda: (int, 1, 2)),
    ("float", lambda: (float, 1, 2)),
    ("object", lambda: (object,)),  # the shape of object.__mro__
    ("float mro", lambda: (float, object)),  # the shape of float.__mro__
    ("complex", lambda: (complex, "x")),
    ("NoneType", lambda: (type(None), None)),
    ("range", lambda: (range, 5)),
    ("bytes", lambda: (bytes, 1)),
    ("tuple", lambda: (tuple, 1)),
]


@pytest.mark.parametrize("make", [make for _, make in TYPE_FIRST_TUPLES],
                         ids=[label for label, _ in TYPE_FIRST_TUPLES])
def test_interior_of_tuple_starting_with_a_type(make):
    """Two words into (T, ...) lie the tuple's length and then the address
    of T: a small count followed by a real type whose instances the
    collector does not track.  That is still the inside of a tuple."""
    value = make()
    length = len(value)
    error = rejected(id(value) + 2 * WORD)
    assert error.address == id(value) + 2 * WORD
    assert len(value) == length


def list_items_address(lst):
    """Address of a list's item array, checked against its first item."""
    items = ctypes.c_void_p.from_address(id(lst) + 3 * WORD).value
    assert ctypes.c_void_p.from_address(items).value == id(lst[0])
    return items


def test_middle_of_list_item_array():
    lst = [Plain() for _ in range(16)] + list(range(1000, 1016))
    items = list_items_address(lst)
    for index in range(0, len(lst)):
        rejected(items + index * WORD)


def test_middle_of_bytes_payload():
    payload = b"".join(n.to_bytes(8, "little") for n in range(1, 65))
    start = id(payload) + sys.getsizeof(b"") - 1
    assert ctypes.string_at(start, len(payload)) == payload
    first_word = (start + WORD - 1) // WORD * WORD
    for address in range(first_word, start + len(payload) - 2 * WORD, WORD):
        rejected(address)


def test_object_minus_gc_header():
    obj = [Plain()]
    for delta in (WORD, 2 * WORD, 3 * WORD):
        rejected(id(obj) - delta)


def test_unmapped(unmapped_address):
    error = rejected(unmapped_address)
    assert error.address == unmapped_address
    assert "%#x" % unmapped_address in str(error)


@pytest.mark.parametrize("address", [8, 4096, 2**63, 0xFFFF800000000000,
                                     2**64 - 8, 0x1234567890ABCDE0])
def test_null_page_kernel_and_non_canonical(address):
    assert rejected(address).address == address


def test_guard_and_read_only_pages(scratch):
    for address in (scratch.guard, scratch.none, scratch.ro, scratch.rw,
                    scratch.ro - 2 * WORD, scratch.none - WORD):
        rejected(address)


def test_header_running_into_unreadable_memory(scratch, libc):
    """A count and a real type in the last two words before a PROT_NONE page:
    an object of that type would be longer than the readable memory."""
    assert float.__basicsize__ > 2 * WORD
    address = scratch.none - 2 * WORD
    libc.mprotect(scratch.ro, scratch.page, mmap.PROT_READ | mmap.PROT_WRITE)
    ctypes.c_ssize_t.from_address(address).value = 1
    ctypes.c_void_p.from_address(address + WORD).value = id(float)
    libc.mprotect(scratch.ro, scratch.page, mmap.PROT_READ)
    error = rejected(address)
    assert "unreadable" in error.reason


def test_freed_object():
    """A freed object is rejected, unless a new one now lives there."""
    obj = Plain()
    address = id(obj)
    del obj
    gc.collect()
    try:
        found = hexray.object_at(address)
    except InvalidObjectError as error:
        assert error.address == address
    else:
        assert id(found) == address


@pytest.mark.parametrize("make", [
    lambda i: [i, 2], lambda i: {"a": [i]}, lambda i: (Plain(), i),
    lambda i: i + 0.25, lambda i: 10**30 + i, lambda i: "freed %d" % i,
    lambda i: Slotted(),
], ids=["list", "dict", "tuple", "float", "big int", "str", "slotted"])
def test_freed_objects_of_many_kinds(make):
    addresses = []
    for i in range(20):
        obj = make(i)
        addresses.append(id(obj))
        del obj
    gc.collect()
    for address in addresses:
        try:
            found = hexray.object_at(address)
        except InvalidObjectError as error:
            assert error.address == address
        else:
            assert id(found) == address
            del found


def test_random_heap_addresses(run_python):
    """Aligned random addresses in the heap and around live objects: either
    rejected or an object starting there; never a crash."""
    code = """
        import random, hexray
        rng = random.Random(1234)
        keep = [[i, str(i), float(i)] for i in range(2000)]
        areas = [(r.start, r.end) for r in hexray.regions()
                 if r.kind in ("heap", "anonymous") and r.readable and r.writable]
        areas += [(id(x) - 4096, id(x) + 4096) for x in rng.sample(keep, 50)]
        tried = accepted = 0
        for start, end in areas:
            for _ in range(400):
                address = rng.randrange(start, end) & ~7
                try:
                    found = hexray.object_at(address)
                except hexray.InvalidObjectError:
                    pass
                else:
                    assert id(found) == address
                    accepted += 1
                    del found
                tried += 1
        print(tried, accepted)
    """
    returncode, out, err = run_python(code)
    assert returncode == 0, err[-3000:]
    tried, accepted = map(int, out.split())
    assert tried >= 400 and accepted > 0


def test_invalid_object_error_attributes():
    obj = [1]
    error = rejected(id(obj) + 1)
    assert error.address == id(obj) + 1
    assert isinstance(error.reason, str) and error.reason
    assert str(error) == "no live object at %#x: %s" % (id(obj) + 1, error.reason)


def test_object_at_argument_errors():
    with pytest.raises(ValueError) as info:
        hexray.object_at(-8)
    assert not isinstance(info.value, InvalidObjectError)
    with pytest.raises(OverflowError):
        hexray.object_at(2**64)
    with pytest.raises(TypeError):
        hexray.object_at("0x1000")
    with pytest.raises(TypeError):
        hexray.object_at()


def fake_list(gc_next, gc_prev):
    """An empty list's header, and a GC header before it, in a ctypes buffer
    too large for pymalloc (which would vouch for where objects start).
    Returns the buffer (keep it) and the header's address."""
    buffer = ctypes.create_string_buffer(8192)
    start = (ctypes.addressof(buffer) + 1024) // 64 * 64
    words = (ctypes.c_size_t * 7).from_address(start - 2 * WORD)
    words[:] = [gc_next, gc_prev, 1, id(list), 0, 0, 0]
    return buffer, start


def test_a_fake_with_an_untracked_gc_header_passes():
    """What the README says can still fool object_at: the control for the
    two tests after it."""
    buffer, address = fake_list(0, 0)
    found = hexray.object_at(address)
    assert type(found) is list and len(found) == 0
    del found
    assert ctypes.c_ssize_t.from_address(address).value == 1


def test_gc_header_that_claims_a_collection_is_running():
    """The collector marks the objects it examines, and only while it runs;
    a marked header outside a collection is no live object's.  (It would
    lead the collector astray if a layout held the object.)"""
    collecting = 2      # _PyGC_PREV_MASK_COLLECTING, every version
    buffer, address = fake_list(0, collecting)
    assert "collection" in rejected(address).reason
    buffer, address = fake_list(0, (address - 2 * WORD) | collecting)
    assert "collection" in rejected(address).reason


def test_gc_header_with_flag_bits_in_its_next_link():
    buffer, address = fake_list(id([]) | 1, 0)
    assert "misaligned" in rejected(address).reason
