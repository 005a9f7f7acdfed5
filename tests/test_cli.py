"""The hexray command (and python -m hexray), run as a user runs it."""

import json
import os
import subprocess
import sys

import pytest

import hexray


def hexray_command(*args):
    child = subprocess.run([sys.executable, "-m", "hexray", *args],
                           capture_output=True, text=True, timeout=60)
    return child.returncode, child.stdout, child.stderr


def field_lines(out, name):
    return [line for line in out.splitlines() if " %s = " % name in line]


def test_dump_of_a_big_int_shows_its_four_digits():
    status, out, err = hexray_command("dump", "2**120-1", "--no-color")
    assert status == 0, err
    for i in range(4):
        line, = field_lines(out, "ob_digit[%d]" % i)
        assert line.endswith("= %d  (digit %d, %d bits of the magnitude)"
                             % (2**30 - 1, i, sys.int_info.bits_per_digit))


def test_dump_follow_shows_the_list_its_items_and_their_objects():
    status, out, err = hexray_command(
        "dump", "[1, 2, 'aaaaaaa']", "--follow", "--no-color")
    assert status == 0, err
    titles = [line.split(" at ")[0] for line in out.splitlines()
              if line and not line.startswith(" ")]
    assert titles[0] == "list object"
    assert titles.count("int object") == 2 and "str object" in titles
    assert len(field_lines(out, "ob_refcnt")) == 4


def test_dump_json():
    status, out, err = hexray_command("dump", "2**70", "--json")
    assert status == 0, err
    document = json.loads(out)
    assert document["type"] == "int"
    shift = sys.int_info.bits_per_digit
    digits = [(2**70 >> (shift * i)) & ((1 << shift) - 1) for i in range(3)]
    assert [f["value"] for f in document["fields"]
            if f["name"].startswith("ob_digit")] == digits


def test_dump_bytes_mode():
    status, out, err = hexray_command("dump", "1.5", "--bytes", "--no-color")
    assert status == 0, err
    row = next(line for line in out.splitlines()
               if line.split()[:1] == ["+16"])
    assert "00 00 00 00 00 00 f8 3f" in row      # 1.5 as a little-endian double


def test_modules_are_imported_on_demand():
    status, out, err = hexray_command("dump", "fractions.Fraction(1, 3)",
                                      "--no-color")
    assert status == 0, err
    assert out.startswith("Fraction object at 0x")


@pytest.mark.parametrize("expression, message", [
    ("foo(", "invalid expression"),
    ("no_such_name + 1", "no_such_name"),
    ("1/0", "ZeroDivisionError"),
])
def test_bad_expressions_give_one_line_and_no_traceback(expression, message):
    status, out, err = hexray_command("dump", expression)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert "Traceback" not in err


def test_layout_of_a_type():
    status, out, err = hexray_command("layout", "float", "--no-color")
    assert status == 0, err
    line, = [line for line in out.splitlines() if "ob_fval" in line]
    offset, size = line.split()[:2]
    assert int(offset) + int(size) == float.__basicsize__


def test_layout_of_a_type_as_json():
    status, out, err = hexray_command("layout", "int", "--json")
    assert status == 0, err
    document = json.loads(out)
    assert document["kind"] == "schema" and document["address"] is None


def test_layout_needs_a_type():
    status, out, err = hexray_command("layout", "42")
    assert status == 2 and "not a type" in err


def test_version_and_help():
    status, out, _ = hexray_command("--version")
    assert status == 0 and out.strip().startswith("hexray %s"
                                                  % hexray.__version__)
    status, out, _ = hexray_command("--help")
    assert status == 0 and "examples:" in out and "hexray dump" in out
    status, out, _ = hexray_command()
    assert status == 2 and "usage:" in out


def test_installed_command():
    script = os.path.join(os.path.dirname(sys.executable), "hexray")
    if not os.path.exists(script):
        pytest.fail("the hexray command is not installed next to %s"
                    % sys.executable)
    child = subprocess.run([script, "dump", "7", "--no-color"],
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 0 and "ob_digit[0] = 7" in child.stdout
