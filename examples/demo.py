"""A walk through what hexray can do, run by `make demo`."""

import ctypes
import gc
import sys

import hexray


def heading(text):
    if sys.stdout.isatty():
        print("\n\033[1m== %s\033[0m" % text)
    else:
        print("\n== " + text)


def words(address, size):
    """The memory at address as little-endian 8-byte words, two per row."""
    data = hexray.peek(address, size)
    for row in range(0, len(data), 16):
        cells = [data[i:i + 8][::-1].hex()
                 for i in range(row, min(row + 16, len(data)), 8)]
        print("   0x%x  %s" % (address + row, "  ".join(cells)))


def addresses_and_raw_memory():
    heading("Objects have addresses; peek reads the memory there")
    x = 1000
    print("x = 1000 lives at 0x%x (id(x) == address(x): %s)"
          % (hexray.address(x), id(x) == hexray.address(x)))
    words(hexray.address(x), sys.getsizeof(x))
    type_word = hexray.read(hexray.address(x) + 8, "P")
    print("   word 0 counts references; word 1, 0x%x, is the address of int: %s"
          % (type_word, type_word == hexray.address(int)))


def bad_addresses():
    heading("Bad addresses raise MemoryFault; the interpreter lives on")
    for address, what in [(0, "NULL"), (0xDEAD0000, "unmapped"),
                          (0xFFFF800000000000, "kernel space")]:
        try:
            hexray.peek(address, 8)
        except hexray.MemoryFault as fault:
            print("   %-13s %s" % (what + ":", fault))
    code = next(r for r in hexray.regions() if r.executable and r.path)
    print("   code of %s at 0x%x: readable %s, writable %s"
          % (code.path.rsplit("/", 1)[-1], code.start,
             hexray.is_readable(code.start), hexray.is_writable(code.start)))


def typed_reads_and_writes():
    heading("Typed reads and writes, struct-module formats")
    scratch = ctypes.create_string_buffer(16)
    at = ctypes.addressof(scratch)
    hexray.write(at, "<Id", (7, 2.5))
    hexray.poke(at + 12, b"hi")
    print("   wrote (7, 2.5) and b'hi' into a scratch buffer:", scratch.raw)
    print("   read back:", hexray.read(at, "<Id"), hexray.peek(at + 12, 2))


def objects_at_addresses():
    heading("object_at: the live object at an address, checked, never trusted")
    names = ["alpha", "beta"]
    print("   object_at(address(names)) is names:",
          hexray.object_at(hexray.address(names)) is names)

    class Thing:
        pass

    gone = Thing()
    address = id(gone)
    del gone
    gc.collect()
    for label, candidate in [("inside a list", hexray.address(names) + 8),
                             ("misaligned", hexray.address(names) + 3),
                             ("a freed object", address)]:
        try:
            found = hexray.object_at(candidate)
            print("   %-15s -> reused by a new %s"
                  % (label, type(found).__name__))
        except hexray.InvalidObjectError as error:
            print("   %-15s -> %s" % (label, error.reason))


def pointers():
    heading("Pointers: strong, weak, NULL, pointers to pointers")
    data = [1, 2, 3]
    p = hexray.ptr(data)
    print("  ", p, "-> ~p is data:", ~p is data)
    pp = hexray.ptr(p)
    print("   ~~pp is data:", ~~pp is data)
    p >>= "something else"
    print("   after p >>= 'something else':", p)

    class Node:
        pass

    node = Node()
    weak = hexray.ptr(node, weak=True)
    print("  ", weak)
    del node
    gc.collect()
    print("  ", weak)
    try:
        ~weak
    except hexray.DanglingPointerError as error:
        print("   ~weak ->", error)
    try:
        ~hexray.Pointer()
    except hexray.NullPointerError as error:
        print("   ~Pointer() ->", error)


def mappings():
    heading("Where things live: the mappings of this process")
    for label, obj in [("a small int", 5), ("a new list", [0]),
                       ("the int type", int), ("a C function", len)]:
        region = hexray.region_of(hexray.address(obj))
        print("   %-12s 0x%x  %-10s %s %s" % (label, hexray.address(obj),
                                             region.kind, region.perms,
                                             region.path))
    print("   %d mappings in all; hexray's fault handler in front: %s"
          % (len(hexray.regions()), hexray.fault_handler_active()))


def layouts():
    heading("Layouts: the fields of any object, from the interpreter's headers")
    big = 2**120 - 1
    layout = hexray.layout(big)
    for field in layout:
        print("   %-12s %+4d %2d bytes  %-14r %s"
              % (field.name, field.offset, field.size, field.value,
                 field.meaning))
    print("   the digits rebuild the number:",
          sum(f.value << (sys.int_info.bits_per_digit * i)
              for i, f in enumerate(f for f in layout
                                    if f.name.startswith("ob_digit")))
          == big)
    print()
    print(hexray.dumps(big, color=sys.stdout.isatty()))


def dumps_that_follow_pointers():
    heading("dump(..., follow=True): the list, its item array, the items")
    print(hexray.dumps([1, 2, "aaaaaaa"], follow=True,
                       color=sys.stdout.isatty()))
    heading("A dict, its keys object and values; a type without an instance")
    print(hexray.dumps({"key": "value"}, follow=True, rows=12,
                       color=sys.stdout.isatty()))
    print(hexray.schema(float).render(color=sys.stdout.isatty()))
    print("   (the same from a shell: hexray dump \"[1, 2, 'aaaaaaa']\" "
          "--follow; hexray layout float)")


def main():
    print("hexray %s on CPython %s"
          % (hexray.__version__, sys.version.split()[0]))
    addresses_and_raw_memory()
    bad_addresses()
    typed_reads_and_writes()
    objects_at_addresses()
    pointers()
    mappings()
    layouts()
    dumps_that_follow_pointers()


if __name__ == "__main__":
    main()
