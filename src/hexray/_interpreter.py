"""Which interpreters hexray runs on, and a clear refusal for the others.

This file and hexray/__init__.py must stay readable by any Python, 2.7
included, so that an old interpreter gets this refusal rather than a
SyntaxError.
"""

import sys

SUPPORTED = ((3, 9), (3, 13))


def _supported():
    low, high = SUPPORTED
    return "%d.%d-%d.%d" % (low[0], low[1], high[0], high[1])


def refusal(implementation, version, gil_disabled):
    """Why hexray cannot run on this interpreter (a str), or None if it can.

    implementation is sys.implementation.name, version a tuple such as
    sys.version_info, gil_disabled whether this is a free-threaded build.
    """
    if implementation != "cpython":
        return ("hexray reads CPython's own object layouts and runs only on "
                "CPython %s; this is %s %d.%d"
                % (_supported(), implementation, version[0], version[1]))
    if not SUPPORTED[0] <= tuple(version[:2]) <= SUPPORTED[1]:
        return ("hexray supports CPython %s; this is CPython %d.%d"
                % (_supported(), version[0], version[1]))
    if gil_disabled:
        return ("hexray does not support free-threaded CPython builds: their "
                "object header and reference counts are laid out differently")
    return None


def check():
    """Raise ImportError unless hexray can run on the running interpreter."""
    gil_disabled = False
    if sys.version_info >= (3, 13):
        gil_disabled = not sys._is_gil_enabled() or bool(
            __import__("sysconfig").get_config_var("Py_GIL_DISABLED")
        )
    implementation = getattr(sys, "implementation", None)   # 3.3+
    name = implementation.name if implementation is not None else "cpython"
    reason = refusal(name, sys.version_info, gil_disabled)
    if reason is not None:
        raise ImportError(reason)
