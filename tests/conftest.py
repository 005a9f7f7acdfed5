"""Shared fixtures: scratch memory with a known layout, an address that is
certainly not mapped, an independent reader of /proc/self/maps, and a way
to run Python snippets in a child process."""

import ctypes
import mmap
import os
import subprocess
import sys
import textwrap
from collections import namedtuple

import pytest

PAGE = mmap.PAGESIZE

PROT_NONE = 0
PROT_READ = mmap.PROT_READ
PROT_WRITE = mmap.PROT_WRITE
MAP_PRIVATE = mmap.MAP_PRIVATE
MAP_SHARED = mmap.MAP_SHARED
MAP_ANONYMOUS = mmap.MAP_ANONYMOUS
MAP_FAILED = 2**64 - 1


class Libc:
    """The few libc calls the tests need, through ctypes."""

    def __init__(self):
        lib = ctypes.CDLL(None, use_errno=True)
        self.lib = lib
        self._mmap = lib.mmap
        self._mmap.restype = ctypes.c_void_p
        self._mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                               ctypes.c_int, ctypes.c_int, ctypes.c_long]
        self._mprotect = lib.mprotect
        self._mprotect.restype = ctypes.c_int
        self._mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t,
                                   ctypes.c_int]
        self._munmap = lib.munmap
        self._munmap.restype = ctypes.c_int
        self._munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]

    @staticmethod
    def _check(ok, what):
        if not ok:
            err = ctypes.get_errno()
            raise OSError(err, "%s: %s" % (what, os.strerror(err)))

    def mmap(self, length, prot=PROT_READ | PROT_WRITE,
             flags=MAP_PRIVATE | MAP_ANONYMOUS, fd=-1, offset=0):
        address = self._mmap(None, length, prot, flags, fd, offset)
        self._check(address is not None and address != MAP_FAILED, "mmap")
        return address

    def mprotect(self, address, length, prot):
        self._check(self._mprotect(address, length, prot) == 0, "mprotect")

    def munmap(self, address, length):
        self._check(self._munmap(address, length) == 0, "munmap")

    def function_address(self, name):
        return ctypes.cast(getattr(self.lib, name), ctypes.c_void_p).value


_libc = Libc()


@pytest.fixture(scope="session")
def libc():
    return _libc


class Scratch:
    """An anonymous private mapping laid out as

        [PROT_NONE guard][RW_PAGES read-write pages][read-only page][PROT_NONE]

    with every readable byte set from a fixed pseudo-random pattern."""

    RW_PAGES = 2
    PAGES = RW_PAGES + 3

    def __init__(self, libc):
        self.page = PAGE
        self.size = self.PAGES * PAGE
        self.base = libc.mmap(self.size)
        self.guard = self.base
        self.rw = self.base + PAGE
        self.rw_size = self.RW_PAGES * PAGE
        self.ro = self.rw + self.rw_size
        self.none = self.ro + PAGE
        self.end = self.base + self.size
        pattern = bytes((i * 131 + 7) % 251 for i in range(self.size))
        ctypes.memmove(self.base, pattern, self.size)
        libc.mprotect(self.guard, PAGE, PROT_NONE)
        libc.mprotect(self.ro, PAGE, PROT_READ)
        libc.mprotect(self.none, PAGE, PROT_NONE)

    def readable(self, address):
        return self.rw <= address < self.none

    def writable(self, address):
        return self.rw <= address < self.ro

    def contents(self):
        """The readable part, read with ctypes."""
        return ctypes.string_at(self.rw, self.none - self.rw)


@pytest.fixture
def scratch(libc):
    memory = Scratch(libc)
    try:
        yield memory
    finally:
        libc.munmap(memory.base, memory.size)


Mapping = namedtuple("Mapping", "start end perms offset device inode path")


def parse_proc_maps():
    """/proc/self/maps, parsed here without hexray."""
    with open("/proc/self/maps", "rb") as f:
        text = f.read()
    mappings = []
    for line in text.splitlines():
        fields = line.split(None, 5)
        start, end = fields[0].split(b"-")
        path = fields[5].lstrip() if len(fields) > 5 else b""
        mappings.append(Mapping(
            start=int(start, 16),
            end=int(end, 16),
            perms=fields[1].decode(),
            offset=int(fields[2], 16),
            device=fields[3].decode(),
            inode=int(fields[4]),
            path=os.fsdecode(path),
        ))
    return mappings


@pytest.fixture
def proc_maps():
    return parse_proc_maps


@pytest.fixture
def unmapped_address(libc):
    """The address of a page that was mapped a moment ago and is not now."""
    address = libc.mmap(PAGE)
    libc.munmap(address, PAGE)
    assert not any(m.start <= address < m.end for m in parse_proc_maps())
    return address


def _run_python(code, *args, env=None, python=None, timeout=120):
    """Run a snippet in a child interpreter: (returncode, stdout, stderr)."""
    child_env = dict(os.environ)
    child_env.pop("PYTHONFAULTHANDLER", None)
    child_env.update(env or {})
    child = subprocess.run(
        [python or sys.executable, *args, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=child_env, timeout=timeout,
    )
    return child.returncode, child.stdout, child.stderr


@pytest.fixture(scope="session")
def run_python():
    return _run_python
