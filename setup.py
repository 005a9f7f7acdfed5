"""Build script for hexray's C core (metadata lives in pyproject.toml)."""

import glob
import os
import sys

from setuptools import Extension, setup

SUPPORTED = ((3, 9), (3, 13))

if sys.implementation.name != "cpython" or not (
    SUPPORTED[0] <= sys.version_info[:2] <= SUPPORTED[1]
):
    sys.exit(
        "hexray builds only for CPython %d.%d to %d.%d; this is %s %s"
        % (*SUPPORTED[0], *SUPPORTED[1], sys.implementation.name,
           sys.version.split()[0])
    )

compile_args = ["-Wall", "-Wextra", "-fvisibility=hidden"]
if os.environ.get("HEXRAY_WERROR"):
    compile_args.append("-Werror")

# Separate build directories let several environments build at once.
build_base = os.environ.get("HEXRAY_BUILD_BASE")

setup(
    options={"build": {"build_base": build_base}} if build_base else {},
    ext_modules=[
        Extension(
            "hexray._hexray",
            sources=sorted(glob.glob("csrc/*.c")),
            depends=sorted(glob.glob("csrc/*.h")),
            extra_compile_args=compile_args,
        )
    ]
)
