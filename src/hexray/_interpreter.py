"""Which interpreters hexray runs on, and a clear refusal for the others.

This file and hexray/__init__.py must stay readable by any Python 3, so that
an old interpreter gets this refusal rather than a SyntaxError.
"""

import sys

SUPPORTED = ((3, 9), (3, 13))


def refusal(implementation, version, gil_disabled):
    """Why hexray cannot run on this interpreter (a str), or None if it can.

    implementation is sys.implementation.name, version a tuple such as
    sys.version_info, gil_disabled whether this is a free-threaded build.
    """
    if implementation != "cpython":
        return (
            "hexray reads CPython's own object layouts and runs only on CPython "
            "%d.%d-%d.%d; this is %s %d.%d"
            % (*SUPPORTED[0], *SUPPORTED[1], implementation, *version[:2])
        )
    if not SUPPORTED[0] <= tuple(version[:2]) <= SUPPORTED[1]:
        return (
            "hexray supports CPython %d.%d-%d.%d; this is CPython %d.%d"
            % (*SUPPORTED[0], *SUPPORTED[1], *version[:2])
        )
    if gil_disabled:
        return (
            "hexray does not support free-threaded CPython builds: their object "
            "header and reference counts are laid out differently"
        )
    return None


def check():
    """Raise ImportError unless hexray can run on the running interpreter."""
    gil_disabled = False
    if sys.version_info >= (3, 13):
        gil_disabled = not sys._is_gil_enabled() or bool(
            __import__("sysconfig").get_config_var("Py_GIL_DISABLED")
        )
    reason = refusal(sys.implementation.name, sys.version_info, gil_disabled)
    if reason is not None:
        raise ImportError(reason)
