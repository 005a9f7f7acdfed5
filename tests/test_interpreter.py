"""Which interpreters hexray accepts (src/hexray/_interpreter.py and the
check in csrc/module.c), and how it refuses the others."""

import glob
import mmap
import os
import platform
import re
import shutil
import subprocess
import sys

import pytest

import hexray
from hexray import _hexray, _interpreter

PACKAGE_DIR = os.path.dirname(hexray.__file__)
SITE_DIR = os.path.dirname(PACKAGE_DIR)

REPORT_IMPORT = """
import importlib.util, sys
print(importlib.util.find_spec("hexray").origin)
try:
    import hexray
except ImportError as error:
    print("ImportError:", error)
    print("cause:", repr(error.__cause__))
else:
    print("imported")
"""


@pytest.mark.parametrize("version", [(3, 9), (3, 10), (3, 11), (3, 12), (3, 13),
                                     (3, 9, 0, "final", 0), (3, 13, 7, "candidate", 1)])
def test_supported_cpython(version):
    assert _interpreter.refusal("cpython", version, False) is None


@pytest.mark.parametrize("version", [(3, 8), (3, 8, 18, "final", 0), (3, 7), (2, 7)])
def test_older_cpython(version):
    reason = _interpreter.refusal("cpython", version, False)
    assert reason is not None
    assert "%d.%d" % version[:2] in reason
    assert "3.9" in reason and "3.13" in reason


@pytest.mark.parametrize("version", [(3, 14), (3, 14, 0, "alpha", 1), (3, 15), (4, 0)])
def test_newer_cpython(version):
    reason = _interpreter.refusal("cpython", version, False)
    assert reason is not None
    assert "%d.%d" % version[:2] in reason
    assert "3.13" in reason


@pytest.mark.parametrize("implementation", ["pypy", "graalpy", "ironpython"])
def test_other_implementations(implementation):
    reason = _interpreter.refusal(implementation, (3, 10), False)
    assert reason is not None
    assert implementation in reason
    assert "CPython" in reason


@pytest.mark.parametrize("version", [(3, 13), (3, 14)])
def test_free_threaded(version):
    reason = _interpreter.refusal("cpython", version, True)
    assert reason is not None
    assert "free-threaded" in reason or "%d.%d" % version in reason
    assert _interpreter.refusal("cpython", (3, 13), True) != _interpreter.refusal(
        "cpython", (3, 13), False)


def test_check_passes_here():
    assert _interpreter.check() is None


def test_built_for_this_interpreter():
    assert _hexray.BUILT_FOR.split()[0] == platform.python_version()
    assert _hexray.PAGE_SIZE == mmap.PAGESIZE


def pyenv_interpreters(predicate):
    """(version, path) of pyenv's interpreters whose (major, minor) passes."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return []
    found = {}
    for path in glob.glob(os.path.join(root, "versions", "*", "bin", "python[0-9].*")):
        match = re.fullmatch(r"python(\d+)\.(\d+)", os.path.basename(path))
        if match and os.access(path, os.X_OK):
            version = (int(match.group(1)), int(match.group(2)))
            if predicate(version):
                found[version] = path
    return sorted(found.items())


OLDER = pyenv_interpreters(lambda v: (3, 6) <= v < (3, 9))


@pytest.mark.skipif(not OLDER, reason="no CPython older than 3.9 found under `pyenv root`/versions")
@pytest.mark.parametrize("version, python", OLDER,
                         ids=["%d.%d" % v for v, _ in OLDER] or None)
def test_older_interpreter_gets_clear_import_error(run_python, version, python):
    returncode, out, err = run_python(REPORT_IMPORT, python=python,
                                      env={"PYTHONPATH": SITE_DIR})
    assert returncode == 0, err[-2000:]
    lines = out.splitlines()
    assert lines[0] == os.path.join(PACKAGE_DIR, "__init__.py")
    assert lines[1].startswith("ImportError: ")
    assert "CPython %d.%d" % version in lines[1]
    assert "3.9" in lines[1] and "3.13" in lines[1]


@pytest.fixture
def package_copy(tmp_path):
    """A copy of the installed hexray package, without its compiled core."""
    shutil.copytree(PACKAGE_DIR, str(tmp_path / "hexray"),
                    ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    return tmp_path


def test_missing_c_core(run_python, package_copy):
    returncode, out, err = run_python(REPORT_IMPORT, env={"PYTHONPATH": str(package_copy)})
    assert returncode == 0, err[-2000:]
    lines = out.splitlines()
    assert lines[0] == str(package_copy / "hexray" / "__init__.py")
    assert lines[1].startswith("ImportError: ")
    assert "not built for this interpreter" in lines[1]
    assert platform.python_version() in lines[1]
    assert lines[2].startswith("cause: ") and "ImportError" in lines[2]


OTHER_SUPPORTED = pyenv_interpreters(
    lambda v: (3, 9) <= v <= (3, 13) and v != sys.version_info[:2])


@pytest.mark.skipif(not OTHER_SUPPORTED,
                    reason="no other supported CPython found under `pyenv root`/versions")
def test_core_built_for_another_version(run_python, package_copy):
    """This interpreter's compiled core, under a name any CPython would load,
    imported by a different CPython."""
    [compiled] = glob.glob(os.path.join(PACKAGE_DIR, "_hexray*.so"))
    shutil.copy(compiled, str(package_copy / "hexray" / "_hexray.so"))
    version, python = OTHER_SUPPORTED[-1]
    returncode, out, err = run_python(REPORT_IMPORT, python=python,
                                      env={"PYTHONPATH": str(package_copy)})
    assert returncode == 0, err[-2000:]
    lines = out.splitlines()
    assert lines[1].startswith("ImportError: ")
    assert "not built for this interpreter" in lines[1]
    assert "CPython %d.%d" % version in lines[1]
    cause = lines[2]
    if "undefined symbol" not in cause:
        assert "built for CPython %d.%d but is running in %d.%d" % (
            sys.version_info[:2] + version) in cause
