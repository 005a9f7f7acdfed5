"""dump() and dumps(): which layouts are shown, and in which format."""

import io
import json
import sys

import pytest

import hexray


def steady(text):
    """A dump without its reference counts, which each new Layout (and
    each call that passes the object) changes."""
    return [line for line in text.splitlines() if "ob_refcnt" not in line]


def titles(text):
    """The title line of each layout in a dump."""
    return [line for line in text.splitlines()
            if line and not line.startswith(" ") and " at 0x" in line]


def test_dumps_of_one_object_is_its_render():
    value = 2**90 + 1
    assert steady(hexray.dumps(value)) == steady(hexray.layout(value).render())
    assert steady(hexray.dumps(value, bytes=True)) == \
        steady(hexray.layout(value).render(bytes=True))
    assert len(steady(hexray.dumps(value))) == \
        len(hexray.dumps(value).splitlines()) - 1


def test_dumps_by_address_is_the_same_object():
    value = 2**90 + 1
    assert steady(hexray.dumps(address=id(value))) == \
        steady(hexray.dumps(value))


def test_dumps_needs_one_of_object_or_address():
    with pytest.raises(TypeError):
        hexray.dumps()
    with pytest.raises(TypeError):
        hexray.dumps(1, address=id(1))
    with pytest.raises(ValueError):
        hexray.dumps(1, format="xml")


def test_depth_zero_shows_only_the_object():
    assert len(titles(hexray.dumps([1, 2], depth=0))) == 1


def test_follow_shows_the_item_array_and_the_items():
    value = [10**20, 2**70, "aaaaaaa"]
    text = hexray.dumps(value, follow=True)
    shown = titles(text)
    assert shown[0].startswith("list object at 0x%x" % id(value))
    for item in value:
        assert any(title.startswith("%s object at 0x%x"
                                    % (type(item).__name__, id(item)))
                   for title in shown), (item, shown)
    # The type objects the items point to are not followed.
    assert not any(title.startswith("type object") for title in shown)


def test_follow_does_not_repeat_objects():
    shared = 2**80 + 5
    value = [shared, shared, shared]
    shown = titles(hexray.dumps(value, follow=True))
    assert sum(t.startswith("int object at 0x%x" % id(shared))
               for t in shown) == 1


def test_limit_caps_the_layouts_shown():
    value = [10**20 + i for i in range(10)]
    text = hexray.dumps(value, follow=True, limit=3)
    assert len(titles(text)) == 3
    assert "more layouts not shown (limit=3)" in text


def test_json_format():
    value = [2**70, "x"]
    document = json.loads(hexray.dumps(value, format="json", follow=True))
    assert document["address"] == id(value)
    followed = document["followed"]
    addresses = {layout["address"] for layout in followed}
    assert id(value[0]) in addresses and id(value[1]) in addresses
    plain = json.loads(hexray.dumps(2**70, format="json"))
    assert "followed" not in plain and plain["type"] == "int"


def test_dump_writes_to_a_file_without_colour():
    value = 2**70
    out = io.StringIO()
    hexray.dump(value, file=out)
    assert out.getvalue().endswith("\n")
    assert steady(out.getvalue()) == steady(hexray.dumps(value))
    assert "\x1b[" not in out.getvalue()


def test_dump_colour_follows_the_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    hexray.dump(2**70, file=out)
    assert "\x1b[" in out.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    out = Terminal()
    hexray.dump(2**70, file=out)
    assert "\x1b[" not in out.getvalue()


def test_dump_defaults_to_stdout(capsys):
    hexray.dump(2.5)
    assert "ob_fval = 2.5" in capsys.readouterr().out


def test_dump_of_memory_that_is_no_object(capsys):
    import ctypes
    buffer = ctypes.create_string_buffer(64)
    hexray.dump(address=ctypes.addressof(buffer), size=16)
    out = capsys.readouterr().out
    assert "raw memory at 0x%x: 16 bytes" % ctypes.addressof(buffer) in out
    assert "no live object here" in out
