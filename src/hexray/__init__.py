"""hexray: see and touch the memory under Python objects, safely.

Everything that reads or writes memory runs in hexray's C core, under a
fault guard: a bad address raises MemoryFault instead of crashing the
interpreter.
"""

from hexray import _interpreter

_interpreter.check()

try:
    from hexray import _hexray
except ImportError as _error:  # built for another interpreter, or not built
    import sys as _sys

    _refusal = ImportError(
        "hexray's C core is not built for this interpreter (CPython %s at %s): "
        "install hexray with this interpreter, e.g. `%s -m pip install hexray`"
        % (_sys.version.split()[0], _sys.executable, _sys.executable)
    )
    _refusal.__cause__ = _error   # `raise ... from` would not parse on 2.7
    raise _refusal

from hexray._hexray import (
    DanglingPointerError,
    Field,
    Layout,
    HexrayError,
    InvalidObjectError,
    MemoryFault,
    NullPointerError,
    Pointer,
    Region,
    address,
    fault_handler_active,
    is_readable,
    is_writable,
    layout,
    layout_at,
    object_at,
    peek,
    poke,
    ptr,
    read,
    region_of,
    regions,
    restore_fault_handler,
    schema,
    write,
)
from hexray._dump import dump, dumps

__version__ = "0.1.0"

__all__ = [
    "DanglingPointerError",
    "Field",
    "Layout",
    "HexrayError",
    "InvalidObjectError",
    "MemoryFault",
    "NullPointerError",
    "Pointer",
    "Region",
    "address",
    "fault_handler_active",
    "is_readable",
    "is_writable",
    "dump",
    "dumps",
    "layout",
    "layout_at",
    "object_at",
    "peek",
    "poke",
    "ptr",
    "read",
    "region_of",
    "regions",
    "restore_fault_handler",
    "schema",
    "write",
]
