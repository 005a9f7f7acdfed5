"""Adversarial layouts: layout_at, render, to_dict and follow on crafted
objects, in a process of its own.

test_fuzz_layouts.py runs this script in a subprocess, so that a crash
shows up as a failed test instead of a dead test run.  Each input is an
address given to hexray.layout_at():

- crafted objects, the most: bytes this script writes into pages it maps
  itself, a header whose ob_type is a real type (int, str, bytes, tuple,
  list, dict, set, type, function, code, frame, module, array.array, a
  class with __slots__, a class with many attributes...) followed by
  adversarial words: huge and negative counts, pointers to unmapped pages,
  to the NULL page, into the middle of things, to other crafted objects
  (cycles included), to blocks of crafted memory (item arrays, dict keys,
  C strings), to live and to freed objects.  Some are objects of a crafted
  type object.  The last one written ends where an unmapped page begins,
  so that reading past what it claims faults;
- the inside of crafted objects, live objects of every kind and their
  insides, freed objects, random heap addresses, unmapped and random ones.

Every Layout is then rendered (words and bytes, colour on and off), turned
into JSON, and every field's value, meaning and note is read; every field
that can be followed is followed, a few levels deep.  A crafted object
must never crash the process: hexray either rejects it (a raw-memory
layout saying why) or raises one of its exceptions (or ValueError,
KeyError, MemoryError, OverflowError), or lays it out.  Nothing here
writes into a live object; objects hexray hands back (a field's value) are
compared by identity, and never used.

Crafted memory is reused only when nothing refers to it any more: then the
reference count of every crafted object must be what it was written as,
or hexray kept (or dropped) a reference it should not have.

Prints a JSON summary of what was exercised; any inconsistency raises
AssertionError (exit status 1).
"""

import array
import ctypes
import gc
import json
import mmap
import random
import struct
import sys
import types

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import hexray
from workers import libc, seeded_calls, worker_main

PAGE = mmap.PAGESIZE
WORD = 8
TOP = 2**64
VERSION = sys.version_info[:2]

#: What hexray may raise for memory that is no object, or no longer one.
ALLOWED = (hexray.HexrayError, ValueError, KeyError, MemoryError,
           OverflowError)

#: Followed at most from each input, and how deep.
FOLLOWS = 8
DEPTH = 3

# Py_TPFLAGS_* bits a crafted type object is made of.
HEAPTYPE = 1 << 9
READY = 1 << 12
HAVE_GC = 1 << 14
TYPE_SUBCLASS = 1 << 31
GC_COLLECTING = 2   # _gc_prev bit: the collector is examining the object

#: Counts and sizes where bugs live.
SPECIAL = [0, 1, 2, 3, 7, 8, 15, 16, 255, 256, 4095, 4096, 4097, 65536,
           2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**40, 2**47, 2**47 - 8,
           2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**64 - 8, 2**64 - 4096,
           0xFFFF800000000000, 0x10, 0x1000]


def put(address, value, size=WORD):
    """Write an integer of size bytes (little-endian) at address."""
    ctypes.memmove(address, (value % (1 << (8 * size))).to_bytes(
        size, "little"), size)


def put_bytes(address, data):
    ctypes.memmove(address, bytes(data), len(data))


def word_at(address):
    return ctypes.c_uint64.from_address(address).value


# ----------------------------------------------------------------------
# Where crafted objects live


class Arena:
    """Slots of SLOT_PAGES read-write pages, each followed by an unmapped
    (PROT_NONE) page.  An example writes into one slot; slots are zeroed
    and reused once nothing refers to what they hold."""

    SLOT_PAGES = 4
    SLOTS = 64

    def __init__(self):
        self.stride = (self.SLOT_PAGES + 1) * PAGE
        size = PAGE + self.SLOTS * self.stride
        base = libc.mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE,
                         mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
        assert base not in (None, ctypes.c_void_p(-1).value)
        self.base = base
        assert libc.mprotect(base, PAGE, 0) == 0
        for i in range(self.SLOTS):
            assert libc.mprotect(self.guard(i), PAGE, 0) == 0
        self.free = list(range(self.SLOTS))
        self.used = []
        self.counts = []    # (address, reference count as written)

    def start(self, i):
        return self.base + PAGE + i * self.stride

    def guard(self, i):
        return self.start(i) + self.SLOT_PAGES * PAGE

    def take(self):
        if not self.free:
            self.recycle()
        i = self.free.pop()
        self.used.append(i)
        return self.start(i), self.guard(i)

    def recycle(self):
        """Check that no reference to a crafted object is left, then zero
        the slots for reuse."""
        gc.collect()
        for address, count in self.counts:
            found = word_at(address)
            assert found == count, (
                "the crafted object at %#x has a reference count of %d, "
                "written as %d: a reference was kept or dropped"
                % (address, found, count))
        self.counts = []
        for i in self.used:
            ctypes.memset(self.start(i), 0, self.SLOT_PAGES * PAGE)
        self.free += self.used
        self.used = []


# ----------------------------------------------------------------------
# What crafted objects imitate


class Slotted:
    __slots__ = ("a", "b", "c")


class Many:
    def __init__(self):
        for i in range(24):
            setattr(self, "attribute_%d" % i, i)


def finished_frame():
    """A frame object that outlived its call: it holds its frame data."""
    return sys._getframe()


def offsets(layout):
    return {f.name: (f.offset, f.size) for f in layout.fields if f.name}


class Universe:
    """Real objects and what hexray says of their fields, gathered once."""

    def __init__(self):
        sample_array = array.array("d", [1.0, 2.0])
        many = Many()
        # Kinds of crafted objects: name -> the real type in their header.
        self.kinds = {
            "int": int, "str": str, "bytes": bytes, "bytearray": bytearray,
            "tuple": tuple, "list": list, "dict": dict, "set": set,
            "frozenset": frozenset, "type": type,
            "function": types.FunctionType, "code": types.CodeType,
            "frame": types.FrameType, "module": types.ModuleType,
            "array": array.array, "range": range, "slice": slice,
            "float": float, "complex": complex, "Slotted": Slotted,
            "Many": Many, "exception": ValueError,
        }
        self.schema = {name: offsets(hexray.schema(t))
                       for name, t in self.kinds.items()}
        self.start = {name: -hexray.schema(t).start
                      for name, t in self.kinds.items()}
        self.keys = offsets(hexray.layout({"a": 1, "b": 2}).follow("ma_keys"))
        self.frame = offsets(hexray.layout(finished_frame()))
        self.many = offsets(hexray.layout(many))
        self.live_dict = {"x": 1, "y": 2}
        self.array_descr = word_at(id(sample_array)
                                   + self.schema["array"]["ob_descr"][0])
        self.ascii_header = sys.getsizeof("") - 1
        self.compact_header = str.__basicsize__ - WORD
        self.state = {f.name: f.bits for f in hexray.schema(str).fields
                      if f.bits}
        self.live = [
            0, 1, -5, 2**30, 2**120 - 1, 1.5, 2j, True, None, Ellipsis,
            NotImplemented, "", "a", "é" * 9, "\U0001f600" * 3, b"", b"xy",
            bytearray(b"abc"), (), (1, "a", None), [], [1, 2, "x"], {},
            {"k": 1}, {i: i for i in range(50)}, set(), set(range(20)),
            frozenset({1, 2}), range(3), slice(1, 2), Slotted(), many, Many,
            Slotted, int, type, object, print, len, sys, array, gc.collect,
            (lambda: 0), (lambda: 0).__code__, sys._getframe(),
            finished_frame(), sample_array, memoryview(b"ab"), iter([1]),
            ValueError("x"), (x for x in ()),
        ]
        self.live_ids = [id(o) for o in self.live]
        self.type_ids = [id(t) for t in self.kinds.values()] + [id(object)]
        self.freed_ids = self._freed()
        self.heap = [(r.start, r.end) for r in hexray.regions()
                     if r.kind in ("heap", "anonymous") and r.readable]

    @staticmethod
    def _freed():
        """Addresses of objects that existed a moment ago."""
        doomed = []
        for i in range(200):
            doomed += [Slotted(), [i], {i: i}, float(i) + 0.5, 2**100 + i,
                       "s%d" % i * 20, (i, str(i)), Many()]
        ids = [id(o) for o in doomed]
        del doomed
        gc.collect()
        return ids


# ----------------------------------------------------------------------
# Crafting

#: What crafted fields are made of: small counts, counts where bugs live,
#: negative ones, and any 64-bit word.  Hypothesis draws a list of knobs per
#: example (a draw per field would cost more than exercising the input);
#: crafters take them in turn, then go on with the example's generator,
#: which hypothesis seeds.
KNOB = st.one_of(st.integers(0, 16), st.sampled_from(SPECIAL),
                 st.integers(-4, -1), st.integers(0, TOP - 1))
KNOBS = 48


class Example:
    """One slot's worth of crafted objects and blocks."""

    def __init__(self, universe, arena, seed, knobs):
        self.u = universe
        self.arena = arena
        self.rng = random.Random(seed)
        self.knobs = list(reversed(knobs))
        self.slot, self.guard = arena.take()
        self.cursor = self.slot + 64
        self.fakes = []         # (address, kind)
        self.blocks = []        # addresses of crafted blocks
        self.strings = []       # addresses of crafted C strings
        self.current = self.kind = None

    # Choices -------------------------------------------------------------

    def knob(self):
        """The next knob: a count, a boundary, a negative or any word."""
        if self.knobs:
            return self.knobs.pop()
        r = self.rng.random()
        return (self.rng.randrange(17) if r < 0.4
                else self.rng.choice(SPECIAL) if r < 0.8
                else self.rng.randrange(-4, 0))

    def choice(self, options):
        return options[self.knob() % len(options)]

    def chance(self, percent):
        return self.knob() % 100 < percent

    # Placement -----------------------------------------------------------

    def place(self, size, before=0, flush=False):
        """An address with `before` bytes free before it and size bytes
        after it, 16-aligned; at the very end of the slot if flush (and
        size is a multiple of 16); None if there is no room."""
        size = max(size, WORD)
        if flush:
            at = (self.guard - size) & ~15
            if at - before < self.cursor:
                return None
        else:
            at = (self.cursor + before + 15) & ~15
            if at + size > self.guard:
                return None
        self.cursor = max(self.cursor, at + size + 16)
        return at

    # Words ---------------------------------------------------------------

    def word(self):
        """An adversarial word: a count, or a pointer somewhere telling."""
        rng, u = self.rng, self.u
        targets = [a for a, _ in self.fakes] + self.blocks + self.strings
        r = rng.random()
        if r < 0.14:
            return rng.choice(SPECIAL)
        if r < 0.22:
            return rng.getrandbits(64)
        if r < 0.42 and targets:
            # Now and then tagged (+1), as 3.12 tags an instance's values.
            return rng.choice(targets) + rng.choice((0, 0, 0, 8, 16, -16, 1,
                                                     3))
        if r < 0.52:
            return self.slot + rng.randrange(self.guard - self.slot)
        if r < 0.60:
            return self.guard + rng.randrange(-64, PAGE)
        if r < 0.70:
            return rng.choice(u.live_ids) + rng.choice((0, 0, 8, 16))
        if r < 0.76:
            return rng.choice(u.type_ids)
        if r < 0.82:
            return rng.choice(u.freed_ids)
        return rng.randrange(-64, 4096) % TOP

    def fill(self, address, size):
        words = [self.word() % TOP for _ in range(size // WORD)]
        put_bytes(address, struct.pack("<%dQ" % len(words), *words))

    def pointer(self, *choices):
        """One of choices (callables), or an adversarial word."""
        pick = self.rng.randrange(len(choices) + 1)
        return choices[pick]() if pick < len(choices) else self.word()

    def gc_header(self, address):
        """The GC header before a crafted object: untracked (zeros) most
        of the time, else adversarial words: with the collector's
        COLLECTING flag, or flag bits in the next link, now and then (the
        collector acts on those itself when it traverses a Layout that
        holds the object, so object_at must refuse them)."""
        r = self.rng.random()
        if r < 0.75:
            put(address - 16, 0)
            put(address - 8, 0)
        elif r < 0.85:
            put(address - 16, self.word() | self.rng.choice([0, 1]))
            put(address - 8, self.word() | GC_COLLECTING)
        else:
            put(address - 16, self.word())
            put(address - 8, self.word())

    # Blocks --------------------------------------------------------------

    def block(self, size=None, shape=None):
        """A block of adversarial words for pointers to lead to; at the end
        of the slot, before the unmapped page, now and then.  shape(at)
        then writes what the block should hold.  If the slot has no room,
        a word instead (which may be the address of an older block)."""
        if size is None:
            size = self.rng.choice([16, 64, 256, 1024])
        at = self.place(size, flush=self.rng.random() < 0.3)
        if at is None:
            return self.word()
        self.fill(at, size)
        self.blocks.append(at)
        if shape is not None:
            shape(at)
        return at

    def cstring(self, text=None):
        """A NUL-terminated string in the slot, or one with no NUL before
        the unmapped page."""
        rng = self.rng
        if text is None and rng.random() < 0.2:
            at = self.place(32, flush=True)
            if at is not None:
                put_bytes(at, b"A" * (self.guard - at))
                self.strings.append(at)
                return at
        data = text if text is not None else bytes(
            rng.choice(b"abc_%\t\xc3\xff") for _ in range(rng.randrange(40)))
        at = self.place(len(data) + 1)
        if at is None:
            return self.word()
        put_bytes(at, data + b"\0")
        self.strings.append(at)
        return at

    # Objects -------------------------------------------------------------

    def header(self, address, type_address, count):
        put(address, count)
        put(address + WORD, type_address)
        self.arena.counts.append((address, count))

    def field(self, name, value, kind=None):
        """Write value into field `name` of the crafted object, if this
        version has that field."""
        place = self.u.schema[kind or self.kind].get(name)
        if place is not None:
            put(self.current + place[0], value, place[1])

    def at(self, name, kind=None):
        """The address of a field of the crafted object (None if this
        version has no such field)."""
        place = self.u.schema[kind or self.kind].get(name)
        return None if place is None else self.current + place[0]


def refcount(ex):
    counts = [1, 2, 3, 1000]
    if VERSION >= (3, 12):
        counts.append(0xFFFFFFFF)   # immortal
    return ex.choice(counts)


# Each crafter writes the body of one kind at ex.current (whose header is
# written), within `size` bytes, and may make blocks it points to.

def craft_int(ex, size):
    digits = ex.knob() if ex.chance(30) else ex.knob() % 7
    digits = max(digits, 0) % 2**61
    sign = ex.choice(["+", "-", "0", "bogus"])
    if digits == 0 and sign != "bogus":
        sign = "0"
    if VERSION >= (3, 12):
        bits = {"+": 0, "0": 1, "-": 2, "bogus": 3}[sign]
        put(ex.current + 16, digits << 3 | bits)
    else:
        put(ex.current + 16, -digits if sign == "-" else digits)
    for i in range(min(digits, (size - 24) // 4)):
        value = ex.rng.randrange(1, 1 << 30)
        if ex.rng.random() < 0.1:
            value = ex.rng.getrandbits(32)
        put(ex.current + 24 + 4 * i, value, 4)


def craft_str(ex, size):
    ex.fill(ex.current + 16, size - 16)
    put(ex.current + 16, ex.knob() if ex.chance(40) else ex.knob() % 41)
    state = 0
    for name, (bit, width) in ex.u.state.items():
        value = (ex.choice([1, 1, 2, 4, 0, 3, 7]) if name == "state.kind"
                 else ex.knob())
        state |= (value & ((1 << width) - 1)) << bit
    put(ex.current + 32, state, 4)


def craft_bytes(ex, size):
    n = ex.knob() if ex.chance(30) else ex.knob() % 49
    put(ex.current + 16, n)
    put(ex.current + 24, ex.rng.getrandbits(64))
    room = size - 32
    put_bytes(ex.current + 32, ex.rng.randbytes(min(max(n, 0), room)))
    if 0 <= n < room:
        put_bytes(ex.current + 32 + n, b"\0")


def craft_tuple(ex, size):
    ex.fill(ex.current + 16, size - 16)
    put(ex.current + 16, ex.knob() if ex.chance(30) else ex.knob() % 11)


def craft_list(ex, size):
    ex.fill(ex.current + 16, size - 16)
    n = ex.knob() if ex.chance(30) else ex.knob() % 11
    ex.field("ob_size", n)
    ex.field("ob_item", ex.pointer(ex.block, lambda: 0))
    ex.field("allocated", ex.choice([n, n + ex.knob() % 9, ex.knob()]))


def keys_block(ex):
    """A dict keys object: a header with plausible or absurd sizes, then
    adversarial indices and entries."""
    keys = ex.u.keys

    def header(at):
        def set_(name, value):
            if name in keys:
                put(at + keys[name][0], value, keys[name][1])

        log2 = ex.choice([0, 1, 2, 3, 4, 5, 6, 7, 40, 41, 63, 255])
        set_("dk_refcnt", 1)
        set_("dk_log2_size", log2)
        set_("dk_log2_index_bytes", log2 + ex.choice([0, 0, 1, 2, 3, -1, 4]))
        set_("dk_kind", ex.knob() % 4)
        set_("dk_size", ex.choice([8, 16, 64, 1 << 40, 1 << 41, 3, 0, -8]))
        set_("dk_usable", ex.knob() if ex.chance(30) else ex.knob() % 6)
        set_("dk_nentries", ex.knob() if ex.chance(30) else ex.knob() % 6)
    return ex.block(ex.rng.choice([128, 512, 2048]), header)


def craft_dict(ex, size):
    ex.fill(ex.current + 16, size - 16)
    live = ex.u.live_dict
    ex.field("ma_used", ex.knob())
    ex.field("ma_keys", ex.pointer(
        lambda: keys_block(ex),
        lambda: word_at(id(live) + ex.u.schema["dict"]["ma_keys"][0])))
    ex.field("ma_values", ex.pointer(
        lambda: 0, lambda: ex.block() + ex.rng.choice([0, 8, 16, 32])))


def craft_set(ex, size):
    ex.fill(ex.current + 16, size - 16)
    ex.field("mask", ex.choice([7, 15, 63, 1023, -1, -5, 2**62, 2**63 - 1,
                                ex.knob()]))
    ex.field("table", ex.pointer(lambda: ex.at("smalltable[0].key"),
                                 ex.block))


def craft_type(ex, size):
    """A type object: heap type sized, with adversarial words, and a name,
    flags, sizes and pointers drawn to reach the describer's paths."""
    ex.fill(ex.current + 16, size - 16)
    flags = 0
    for bit in (HEAPTYPE, READY, HAVE_GC, TYPE_SUBCLASS, 1 << 10, 1 << 24,
                1 << 25, 1 << 28):
        flags |= bit if ex.chance(50) else 0
    ex.field("tp_flags", flags)
    ex.field("ob_size", ex.knob() if ex.chance(30) else ex.knob() % 5)
    ex.field("tp_name", ex.pointer(lambda: ex.cstring(b"fake.Type"),
                                   ex.cstring))
    ex.field("tp_basicsize", ex.choice([16, 24, 32, 48, 64, ex.knob()]))
    ex.field("tp_itemsize", ex.choice([0, 0, 8, ex.knob()]))
    for name in ("tp_members", "tp_methods", "tp_getset", "tp_as_number",
                 "ht_cached_keys"):
        ex.field(name, ex.pointer(ex.block, lambda: 0))
    for name in ("tp_base", "tp_mro", "tp_dict", "ht_name", "ht_qualname"):
        ex.field(name, ex.pointer(lambda: ex.rng.choice(ex.u.type_ids),
                                  lambda: 0))


def some_code(ex):
    """A crafted code object of this example, or a real one."""
    return ex.rng.choice([f for f, kind in ex.fakes if kind == "code"]
                         + [id(finished_frame.__code__)])


def craft_frame(ex, size):
    ex.fill(ex.current + 16, size - 16)
    inline = ex.at("_f_frame_data")
    if ex.at("f_frame") is None or inline is None:
        ex.field("f_code", some_code(ex))
        return
    ex.field("f_frame", ex.pointer(lambda: inline, ex.block))
    for name, (offset, width) in ex.u.frame.items():
        if name == "f_frame->owner":
            put(ex.current + offset, ex.knob() % 6, width)
        elif name in ("f_frame->f_code", "f_frame->f_executable"):
            put(ex.current + offset, some_code(ex))
        elif name == "f_frame->stacktop":
            put(ex.current + offset, ex.knob() % 16 - 2, width)


def craft_code(ex, size):
    ex.fill(ex.current + 16, size - 16)
    for name in ("co_argcount", "co_nlocals", "co_stacksize",
                 "co_nlocalsplus", "co_ncellvars", "co_nfreevars"):
        ex.field(name, ex.choice([0, 1, 2, 3, 6, 2**31 - 1, -1]))
    first = ex.u.schema["code"].get("co_code_adaptive[0].op.code")
    if first is not None:
        ex.field("ob_size", ex.knob() if ex.chance(30) else ex.knob() % 41)
        room = max(0, size - first[0])
        put_bytes(ex.current + first[0], ex.rng.randbytes(room))


def craft_module(ex, size):
    ex.fill(ex.current + 16, size - 16)

    def m_size(at):
        put(at + 56, ex.choice(SPECIAL + [-1, 24]))
    ex.field("md_def", ex.pointer(lambda: ex.block(128, m_size)))


def craft_array(ex, size):
    ex.fill(ex.current + 16, size - 16)

    def typecode_and_itemsize(at):
        put_bytes(at, bytes([ex.rng.choice(b"bBuwhHiIlLqQfdx")]))
        put(at + 4, ex.knob() % 83 - 2, 4)
    ex.field("ob_descr", ex.pointer(
        lambda: ex.u.array_descr, lambda: ex.block(64, typecode_and_itemsize)))
    ex.field("ob_size", ex.knob() if ex.chance(30) else ex.knob() % 11)
    ex.field("allocated", ex.knob() if ex.chance(30) else ex.knob() % 13)
    ex.field("ob_item", ex.pointer(ex.block))


def craft_bytearray(ex, size):
    ex.fill(ex.current + 16, size - 16)
    buffer = ex.block()
    ex.field("ob_bytes", buffer)
    ex.field("ob_start", buffer + ex.choice([0, 1, 8, 16, ex.knob()]))
    ex.field("ob_alloc", ex.knob() if ex.chance(30) else ex.knob() % 65)
    ex.field("ob_size", ex.knob() if ex.chance(30) else ex.knob() % 65)


def craft_instance(ex, size):
    """Slotted, Many, exceptions and the rest: adversarial words; 3.13's
    values inside the object get a header drawn to be read."""
    ex.fill(ex.current + 16, size - 16)
    if ex.kind == "Many":
        for name in ("capacity", "size", "valid", "embedded"):
            if name in ex.u.many:
                put(ex.current + ex.u.many[name][0],
                    ex.choice([ex.knob() % 31, 255]), 1)


def craft_words(ex, size):
    ex.fill(ex.current + 16, size - 16)


CRAFTERS = {
    "int": craft_int, "str": craft_str, "bytes": craft_bytes,
    "bytearray": craft_bytearray, "tuple": craft_tuple, "list": craft_list,
    "dict": craft_dict, "set": craft_set, "frozenset": craft_set,
    "type": craft_type, "function": craft_words, "code": craft_code,
    "frame": craft_frame, "module": craft_module, "array": craft_array,
    "range": craft_words, "slice": craft_words, "float": craft_words,
    "complex": craft_words, "Slotted": craft_instance,
    "Many": craft_instance, "exception": craft_instance,
}

#: An instance whose type is a crafted type object, not a real one.
OF_FAKE_TYPE = "of a crafted type"
KINDS = sorted(CRAFTERS) + [OF_FAKE_TYPE]


def body_size(universe, kind):
    t = universe.kinds[kind]
    extra = {"int": 32, "str": 96, "bytes": 64, "tuple": 96, "code": 128,
             "type": 5 * 40, "Many": 256, "frame": 128}.get(kind, 32)
    return (t.__basicsize__ + extra + 15) & ~15


def craft(universe, arena, seed, kinds, knobs):
    """Crafted objects (and the blocks they point to) in a fresh slot."""
    ex = Example(universe, arena, seed, knobs)
    kinds = list(kinds)
    if OF_FAKE_TYPE in kinds and "type" not in kinds:
        kinds.insert(0, "type")
    flush_last = ex.chance(50)
    # Place them all first, so that each can point to any other.
    planned = []
    for i, kind in enumerate(kinds):
        real = "Slotted" if kind == OF_FAKE_TYPE else kind
        size = body_size(universe, real)
        before = universe.start[real] + 16
        at = ex.place(size, before, flush_last and i == len(kinds) - 1)
        if at is None:
            break
        planned.append((at, kind, real, size))
        ex.fakes.append((at, kind))
    for at, kind, real, size in planned:
        ex.current, ex.kind = at, real
        # What precedes the object: managed words, then the GC header.
        ex.fill(at - universe.start[real], universe.start[real])
        ex.gc_header(at)
        if kind == OF_FAKE_TYPE:
            type_address = ex.rng.choice([a for a, k in ex.fakes
                                          if k == "type"])
        else:
            type_address = id(universe.kinds[kind])
        ex.header(at, type_address, refcount(ex))
        CRAFTERS[real](ex, size)
    return ex


# ----------------------------------------------------------------------
# Exercising a layout


class Exerciser:
    def __init__(self, counts):
        self.counts = counts
        self.follows = 0

    def layout_at(self, address, size=None):
        counts = self.counts
        counts["inputs"] += 1
        try:
            layout = (hexray.layout_at(address) if size is None
                      else hexray.layout_at(address, size))
        except ALLOWED as error:
            counts["layout_at_raised"] += 1
            counts["raised " + type(error).__name__] += 1
            return None
        counts["kind " + layout.kind] += 1
        self.follows = 0
        self.visit(layout, 0, full=True)
        return layout

    def render(self, layout, full):
        modes = ([(b, c) for b in (False, True) for c in (False, True)]
                 if full else [(self.follows % 2 == 0, self.follows % 3 == 0)])
        rows = None if full and layout.size <= 4096 else 16
        for bytes_mode, color in modes:
            text = layout.render(bytes=bytes_mode, color=color, rows=rows)
            assert isinstance(text, str) and text
            self.counts["renders"] += 1

    def look_at_fields(self, layout, full):
        """What each field says; all of it for the first layout, what is
        decoded from memory (value, meaning, note) for the others."""
        assert layout.kind in ("object", "memory", "block"), layout.kind
        assert len(layout.raw) == layout.size
        for field in layout:
            if full:
                assert layout.start <= field.offset, field
                assert field.offset + field.size <= layout.start + layout.size
                assert len(field.raw) == field.size
                repr(field), field.name, field.ctype, field.address
                field.pointer, field.on_request, field.bits
            # An object found in memory is compared by identity only (even
            # isinstance() would look up attributes of a crafted type).
            value = field.value
            if field.value is not None and field.follows != "object":
                assert type(value) in (int, float, str, bytes), field
            field.meaning, field.note
            del value
            self.counts["fields"] += 1

    def visit(self, layout, depth, full=False):
        """Everything about the layout, and what its fields lead to.  A
        followed layout is rendered one way, and turned into data one time
        in three (the time goes to the variety of inputs instead)."""
        self.counts["layouts"] += 1
        repr(layout), len(layout), layout.title, layout.address
        layout.note, layout.region, layout.start
        self.render(layout, full)
        if full:
            json.dumps(layout.to_dict())
        elif self.follows % 3 == 0:
            layout.to_dict()
        self.counts["to_dict"] += full or self.follows % 3 == 0
        self.look_at_fields(layout, full)
        if depth >= DEPTH:
            return
        for i, field in enumerate(layout.fields):
            if field.follows is None or self.follows >= FOLLOWS:
                continue
            self.follows += 1
            try:
                target = (field.follow() if self.follows % 2
                          else layout.follow(field.name or i))
            except ALLOWED as error:
                self.counts["follow raised " + type(error).__name__] += 1
                continue
            self.counts["follows"] += 1
            self.visit(target, depth + 1)


# ----------------------------------------------------------------------
# Driving


class Counts(dict):
    def __missing__(self, key):
        return 0


def addresses_around(universe, ex):
    """Addresses to lay out besides the crafted objects: their insides, the
    blocks, live objects and their insides, freed objects, the heap,
    unmapped memory and anywhere; with a size for raw memory now and then."""
    rng = ex.rng
    picks = [(a + rng.choice([-16, 8, 16, 24, 40]), None)
             for a, _ in ex.fakes if ex.chance(30)]
    for _ in range(2 + ex.knob() % 5):
        which = ex.knob() % 7
        if which == 0:
            address = rng.choice(universe.live_ids) + rng.randrange(-64, 256)
        elif which == 1:
            address = rng.choice(universe.freed_ids)
        elif which == 2:
            start, end = rng.choice(universe.heap)
            address = rng.randrange(start, end)
        elif which == 3:
            address = ex.guard + rng.randrange(-64, PAGE)
        elif which == 4:
            address = ex.knob() % TOP
        elif which == 5 and ex.blocks:
            address = rng.choice(ex.blocks)
        else:
            address = rng.choice(universe.live_ids)
        size = ex.choice([None, None, None, ex.knob() % 513, PAGE,
                          3 * PAGE, 1 << 40])
        picks.append((address, size))
    return picks


def check_crafted(exerciser, address, kind):
    layout = exerciser.layout_at(address)
    if layout is None:
        return
    if kind == OF_FAKE_TYPE:
        # Its type is no type the interpreter knows: raw memory, always.
        assert layout.kind == "memory", layout
    elif layout.kind == "object":
        exerciser.counts["crafted laid out"] += 1
        exerciser.counts["crafted laid out: " + kind] += 1


def run(inputs, seed, examples_per_call=100):
    universe = Universe()
    arena = Arena()
    counts = Counts()
    exerciser = Exerciser(counts)

    @settings(max_examples=examples_per_call, database=None, deadline=None,
              phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.integers(0, 2**32), st.lists(st.sampled_from(KINDS),
                                           min_size=1, max_size=5),
           st.lists(KNOB, min_size=KNOBS, max_size=KNOBS))
    def fuzz(seed, kinds, knobs):
        ex = craft(universe, arena, seed, kinds, knobs)
        for address, kind in ex.fakes:
            check_crafted(exerciser, address, kind)
        for address, size in addresses_around(universe, ex):
            exerciser.layout_at(address, size)
        if ex.chance(6):
            address = ex.fakes[0][0]
            try:
                hexray.dumps(address=address, depth=2, limit=8)
                hexray.dumps(address=address, follow=True, format="json",
                             limit=8)
                counts["dumps"] += 1
            except ALLOWED:
                counts["dumps raised"] += 1

    for _ in seeded_calls(fuzz, seed):
        if counts["inputs"] >= inputs:
            break
    arena.recycle()     # every reference to a crafted object is gone
    return counts


if __name__ == "__main__":
    worker_main(__doc__, run, 20_000, "addresses given to layout_at")
