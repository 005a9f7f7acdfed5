"""Adversarial addresses for peek, object_at and poke, in a process of its own.

test_fuzz.py runs this script in a subprocess, so that a crash shows up as a
failed test instead of a dead test run.  Hypothesis draws addresses from
strategies aimed at where memory bugs live: NULL and the page above it, the
inside of live objects, freed objects, the edges of every mapping, guard
pages, the top of user space, kernel space, and anywhere at all.

peek and object_at get every address.  poke writes only where nothing of the
process can be harmed: into a scratch mapping whose contents are checked
afterwards, or where memory is not writable (each such range is checked
against /proc/self/maps and is_writable first, and skipped if writable).

Prints a JSON summary of how many inputs each function received; any
inconsistency raises AssertionError (exit status 1).
"""

import ctypes
import gc
import mmap
import os
import random
import sys

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import hexray
from workers import libc, seeded_calls, worker_main

PAGE = mmap.PAGESIZE
PROT_NONE = 0
TOP = 2**64
BATCH = 200


class Scratch:
    """A private mapping laid out as [none][read-write x4][read-only][none]."""

    RW_PAGES = 4

    def __init__(self):
        pages = self.RW_PAGES + 3
        base = libc.mmap(None, pages * PAGE, mmap.PROT_READ | mmap.PROT_WRITE,
                         mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
        assert base not in (None, ctypes.c_void_p(-1).value)
        self.base = base
        self.rw = base + PAGE
        self.rw_end = self.rw + self.RW_PAGES * PAGE
        self.ro = self.rw_end
        self.end = base + pages * PAGE
        assert libc.mprotect(base, PAGE, PROT_NONE) == 0
        assert libc.mprotect(self.ro, PAGE, mmap.PROT_READ) == 0
        assert libc.mprotect(self.ro + PAGE, PAGE, PROT_NONE) == 0
        self.pages = [base + i * PAGE for i in range(pages)]
        self.fill()

    def fill(self):
        pattern = bytes(random.Random(0).getrandbits(8)
                        for _ in range(self.RW_PAGES * PAGE))
        ctypes.memmove(self.rw, pattern, len(pattern))
        self.expected = bytearray(pattern)

    def contents(self):
        return ctypes.string_at(self.rw, self.RW_PAGES * PAGE)


def writable_ranges():
    """Writable mappings, read from /proc/self/maps (not through hexray)."""
    ranges = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            span, perms = line.split()[:2]
            if perms[1] == "w":
                start, end = (int(x, 16) for x in span.split("-"))
                ranges.append((start, end))
    return ranges


class Universe:
    """Places worth aiming at, gathered once at start-up."""

    def __init__(self):
        self.scratch = Scratch()

        class Instance:
            def __init__(self, n):
                self.n = n

        class Slotted:
            __slots__ = ("a", "b")

        self.live = [
            0, 1, -5, 256, 257, 2**30, 2**120 - 1, -(2**70), 1.5, 2j, True,
            None, Ellipsis, NotImplemented, "", "a", "aaaaaaa", "é" * 9,
            "\U0001f600" * 3, b"", b"x", b"\x01" * 40, bytearray(b"abc"),
            (), (1,), (1, "a", None), [], [1, 2, "aaaaaaa"], {}, {"k": 1},
            set(), frozenset({1, 2}), range(3), slice(1, 2), Instance(1),
            Slotted(), Instance, Slotted, int, type, object, print, len,
            sys, os, gc.collect, (lambda: 0), (lambda: 0).__code__,
            sys._getframe(), memoryview(b"ab"), iter([1]),
        ]
        self.live_ids = [id(o) for o in self.live]
        self.freed_ids = self._freed(Instance)
        self.boundaries = []
        self.heap = []
        for region in hexray.regions():
            self.boundaries += [region.start, region.end]
            if region.kind in ("heap", "anonymous") and region.readable:
                self.heap.append((region.start, region.end))
        self.text = [r for r in hexray.regions()
                     if r.kind == "executable" and r.executable]
        self.writable = writable_ranges()

    @staticmethod
    def _freed(instance_type):
        """Addresses of objects that existed a moment ago."""
        doomed = []
        for i in range(400):
            doomed += [instance_type(i), [i], {i: i}, float(i) + 0.5,
                       2**100 + i, "s%d" % i * 20, (i, str(i))]
        ids = [id(o) for o in doomed]
        del doomed
        gc.collect()
        return ids

    def strategies(self):
        def around(bases, spread):
            return st.builds(lambda a, d: (a + d) % TOP,
                             st.sampled_from(bases),
                             st.integers(-spread, spread))

        def inside(spans):
            return st.sampled_from(spans).flatmap(
                lambda s: st.integers(s[0], s[1] - 1))

        addresses = st.one_of(
            st.integers(0, TOP - 1),
            st.integers(0, 1 << 20),
            around(self.live_ids, 256),
            around(self.freed_ids, 64),
            around(self.boundaries, 2 * PAGE),
            around(self.scratch.pages, PAGE),
            inside(self.heap),
            st.integers((1 << 47) - 2 * PAGE, (1 << 47) + 2 * PAGE),
            st.integers(1 << 63, TOP - 1),
        )
        sizes = st.one_of(
            st.integers(0, 64),
            st.integers(0, 3 * PAGE),
            st.sampled_from([1 << 40, TOP // 4, sys.maxsize]),
        )
        return addresses, sizes


def check_peek(address, size, counts):
    try:
        data = hexray.peek(address, size)
    except hexray.MemoryFault as fault:
        assert fault.address == address and fault.size == size, fault
        assert size > 0, fault
        assert address <= fault.fault_address < address + size, fault
        assert not hexray.is_readable(address, size), fault
        counts["peek_faults"] += 1
    except (MemoryError, OverflowError):
        assert size >= 1 << 40, (address, size)
    else:
        assert len(data) == size
        if size:
            assert hexray.is_readable(address, size), (address, size)
    counts["peek"] += 1


def check_object_at(address, counts):
    try:
        obj = hexray.object_at(address)
    except hexray.InvalidObjectError as error:
        assert error.address == address, error
        counts["object_at_rejected"] += 1
    else:
        # Nothing but its identity is looked at: a crafted header in some
        # buffer could pass the checks, and its methods must not be run.
        assert id(obj) == address
        del obj
    counts["object_at"] += 1


def check_poke(universe, address, data, counts):
    """Write only where it is certain that nothing of the process is hit."""
    scratch = universe.scratch
    end = address + len(data)
    if not data:
        hexray.poke(address, data)  # writes nothing, anywhere
    elif scratch.rw <= address and end <= scratch.rw_end:
        hexray.poke(address, data)
        offset = address - scratch.rw
        scratch.expected[offset:offset + len(data)] = data
        assert scratch.contents() == bytes(scratch.expected)
        counts["poke_written"] += 1
    elif scratch.base <= address and end <= scratch.end:
        # Overlaps a page of the scratch mapping that is not writable.
        expect_fault(scratch, address, data, counts)
    elif end > TOP or not any(s < end and address < e
                              for s, e in universe.writable):
        if hexray.is_writable(address, len(data)):
            counts["poke_skipped"] += 1  # mapped writable since the snapshot
            return
        expect_fault(scratch, address, data, counts)
    else:
        counts["poke_skipped"] += 1
        return
    counts["poke"] += 1


def expect_fault(scratch, address, data, counts):
    before = scratch.contents()
    try:
        hexray.poke(address, data)
    except hexray.MemoryFault as fault:
        assert fault.access == "write" and fault.address == address, fault
        counts["poke_faults"] += 1
    else:
        raise AssertionError("poke(%#x, %d bytes) wrote to memory that is not "
                             "writable" % (address, len(data)))
    assert scratch.contents() == before, "a refused poke changed memory"


def run(inputs, seed):
    universe = Universe()
    addresses, sizes = universe.strategies()
    counts = dict.fromkeys(["peek", "peek_faults", "object_at",
                            "object_at_rejected", "poke", "poke_written",
                            "poke_faults", "poke_skipped"], 0)
    examples = -(-inputs // BATCH)
    fuzz_settings = settings(
        max_examples=examples, database=None, deadline=None,
        phases=[Phase.generate], suppress_health_check=list(HealthCheck))

    @fuzz_settings
    @given(st.lists(st.tuples(addresses, sizes), min_size=BATCH,
                    max_size=BATCH))
    def fuzz_reads(cases):
        for address, size in cases:
            check_peek(address, size, counts)
            check_object_at(address, counts)

    scratch = universe.scratch
    poke_addresses = st.one_of(
        st.integers(scratch.base - PAGE, scratch.end + PAGE),
        addresses,
    )

    @fuzz_settings
    @given(st.lists(st.tuples(poke_addresses, st.binary(max_size=64)),
                    min_size=BATCH, max_size=BATCH))
    def fuzz_writes(cases):
        universe.writable = writable_ranges()
        for address, data in cases:
            check_poke(universe, address, data, counts)

    next(seeded_calls(fuzz_reads, seed))
    for _ in seeded_calls(fuzz_writes, seed + 1):
        if counts["poke"] >= inputs:
            break
    return counts


if __name__ == "__main__":
    worker_main(__doc__, run, 100_000, "inputs for each function")
