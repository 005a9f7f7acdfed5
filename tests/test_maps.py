"""regions() and region_of() (csrc/maps.c), checked against /proc/self/maps
as parsed in Python."""

import ctypes
import mmap
import os
import sys

import pytest

import hexray

PAGE = mmap.PAGESIZE
FIELDS = ("start", "end", "perms", "offset", "device", "inode", "path")


def stable(proc_maps, call):
    """call() while /proc/self/maps stays the same: (maps, call's result)."""
    for _ in range(50):
        before = proc_maps()
        result = call()
        if proc_maps() == before:
            return before, result
    pytest.fail("/proc/self/maps kept changing")


def as_mapping(region):
    return tuple(getattr(region, name) for name in FIELDS)


def expected_kind(path):
    """The kind a mapping of path has, as the Region docs describe it."""
    if path == "" or path.startswith("[anon"):
        return "anonymous"
    names = {"[heap]": "heap", "[vdso]": "vdso", "[vsyscall]": "vsyscall"}
    if path in names:
        return names[path]
    if path.startswith("[stack"):
        return "stack"
    if path.startswith("[vvar"):
        return "vvar"
    if path.startswith("["):
        return "special"
    if path == os.readlink("/proc/self/exe"):
        return "executable"
    base = os.path.basename(path)
    if base.endswith((".so", ".so (deleted)")) or ".so." in base:
        return "library"
    return "file"


def region_with_path(regions, test):
    found = [r for r in regions if test(r.path)]
    assert found, "no mapping found"
    return found


# ----------------------------------------------------------------------
# regions()


def test_regions_match_proc_maps(proc_maps, scratch):
    expected, regions = stable(proc_maps, hexray.regions)
    assert [as_mapping(r) for r in regions] == [tuple(m) for m in expected]


def test_regions_are_sorted_and_disjoint():
    regions = hexray.regions()
    assert regions
    for region in regions:
        assert region.start < region.end
    for before, after in zip(regions, regions[1:]):
        assert before.end <= after.start


def test_region_fields_are_consistent():
    for region in hexray.regions():
        assert isinstance(region, hexray.Region)
        assert isinstance(region, tuple) and len(region) == 13
        assert region.size == region.end - region.start
        assert region.start % PAGE == 0 and region.end % PAGE == 0
        perms = region.perms
        assert len(perms) == 4
        assert region.readable is (perms[0] == "r")
        assert region.writable is (perms[1] == "w")
        assert region.executable is (perms[2] == "x")
        assert region.shared is (perms[3] == "s")
        assert tuple(region) == (
            region.start, region.end, region.size, region.perms,
            region.readable, region.writable, region.executable,
            region.shared, region.offset, region.device, region.inode,
            region.path, region.kind)


def test_every_kind_follows_the_path():
    for region in hexray.regions():
        assert region.kind == expected_kind(region.path), region


def test_heap_and_stack_kinds():
    regions = hexray.regions()
    heap = [r for r in regions if r.path == "[heap]"]
    if not heap:
        pytest.skip("this process has no [heap] mapping")
    assert all(r.kind == "heap" for r in heap)
    stack = region_with_path(regions, lambda p: p == "[stack]")
    assert all(r.kind == "stack" for r in stack)


def test_executable_kind():
    """The mappings of the interpreter's binary, found by its real path."""
    executable = os.path.realpath(sys.executable)
    regions = region_with_path(hexray.regions(), lambda p: p == executable)
    assert all(r.kind == "executable" for r in regions)
    assert any(r.executable for r in regions)


def test_library_kind():
    libc = region_with_path(hexray.regions(),
                            lambda p: os.path.basename(p).startswith(("libc.so", "libc-")))
    assert all(r.kind == "library" for r in libc)
    assert any(r.executable for r in libc)


def test_scratch_mapping_is_anonymous_with_its_protections(scratch):
    rw = hexray.region_of(scratch.rw)
    assert (rw.start, rw.end, rw.perms) == (scratch.rw, scratch.ro, "rw-p")
    assert (rw.kind, rw.path, rw.inode, rw.offset) == ("anonymous", "", 0, 0)
    assert rw.readable and rw.writable and not rw.executable and not rw.shared

    ro = hexray.region_of(scratch.ro)
    assert (ro.start, ro.end, ro.perms, ro.kind) == (scratch.ro, scratch.none, "r--p", "anonymous")
    assert ro.readable and not ro.writable

    for page in (scratch.guard, scratch.none):
        none = hexray.region_of(page + PAGE - 1)
        assert none.perms == "---p" and none.kind == "anonymous"
        assert none.start <= page and page + PAGE <= none.end
        assert not (none.readable or none.writable or none.executable)

    assert hexray.region_of(scratch.rw + scratch.rw_size - 1) == rw


@pytest.fixture
def mapped_file(tmp_path, libc):
    """Map a file (a name that needs no escaping) and give (address, path)."""
    mappings = []

    def map_file(name, size=PAGE):
        path = tmp_path / name
        path.write_bytes(b"\xab" * size)
        with open(path, "rb") as f:
            address = libc.mmap(size, mmap.PROT_READ, mmap.MAP_PRIVATE, f.fileno(), 0)
        mappings.append((address, size))
        return address, str(path)

    yield map_file
    for address, size in mappings:
        libc.munmap(address, size)


def test_file_mapping(mapped_file, proc_maps):
    address, path = mapped_file("data with spaces \xe9.bin")
    region = hexray.region_of(address)
    assert region.path == path
    assert region.kind == "file"
    assert region.perms == "r--p" and region.offset == 0
    assert region.inode != 0
    [mapping] = [m for m in proc_maps() if m.start <= address < m.end]
    assert as_mapping(region) == tuple(mapping)


def test_file_mapping_with_undecodable_name(mapped_file):
    address, path = mapped_file(os.fsdecode(b"raw\xff\xfename"))
    assert hexray.region_of(address).path == path


def test_library_named_file(mapped_file):
    for name in ("libdemo.so", "libdemo.so.1.2"):
        address, path = mapped_file(name)
        region = hexray.region_of(address)
        assert (region.path, region.kind) == (path, "library")


def test_deleted_file_mapping(mapped_file):
    address, path = mapped_file("gone.bin")
    os.unlink(path)
    region = hexray.region_of(address)
    assert region.path == path + " (deleted)"
    assert region.kind == "file"


# ----------------------------------------------------------------------
# region_of()


@pytest.mark.parametrize("make", [
    lambda: [1, 2, 3], lambda: object(), lambda: 10**100, lambda: "text" * 10,
    lambda: sys, lambda: int, lambda: None,
])
def test_region_of_object_contains_it(make):
    obj = make()
    region = hexray.region_of(id(obj))
    assert region is not None
    assert region.start <= id(obj) < region.end
    assert region.readable


def test_region_of_agrees_with_proc_maps(proc_maps):
    maps = proc_maps()
    for mapping in maps:
        for address in (mapping.start, mapping.end - 1, (mapping.start + mapping.end) // 2):
            region = hexray.region_of(address)
            if region is None:  # unmapped since the snapshot
                continue
            assert region.start <= address < region.end
            if as_mapping(region) != tuple(mapping):
                assert proc_maps() != maps, (mapping, region)


def test_region_of_edges(proc_maps):
    maps = proc_maps()
    for below, above in zip(maps, maps[1:]):
        if below.end < above.start:  # a gap between two mappings
            assert hexray.region_of(below.end) is None or proc_maps() != maps
            assert hexray.region_of(above.start - 1) is None or proc_maps() != maps


def test_region_of_unmapped_is_none(unmapped_address):
    assert hexray.region_of(unmapped_address) is None
    assert hexray.region_of(unmapped_address + PAGE - 1) is None
    assert hexray.region_of(0) is None
    assert hexray.region_of(4096) is None
    assert hexray.region_of(0x1234567890ABCDE0) is None


def test_region_of_c_function(libc):
    address = libc.function_address("strlen")
    region = hexray.region_of(address)
    assert region.executable and region.kind == "library"
    assert "libc" in os.path.basename(region.path)


def test_region_of_ctypes_buffer_is_writable():
    buf = ctypes.create_string_buffer(4096)
    region = hexray.region_of(ctypes.addressof(buf))
    assert region.readable and region.writable
