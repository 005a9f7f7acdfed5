"""The layout engine: Layout and Field, following pointers, raw memory,
schemas, and the pre-header of GC objects."""

import ctypes
import gc
import json
import sys
import weakref

import pytest

import hexray
from layout_checks import assert_consistent, word_at


class Plain:
    pass


def test_layout_and_layout_at_agree():
    value = 12345678901234567890
    by_object = hexray.layout(value)
    by_address = hexray.layout_at(id(value))
    assert by_address.kind == by_object.kind == "object"
    assert by_address.object is by_object.object is value
    assert [f.name for f in by_address] == [f.name for f in by_object]
    assert by_address.raw[8:] == by_object.raw[8:]   # past the refcount


def test_layout_attributes():
    value = 2**100
    layout = hexray.layout(value)
    assert layout.address == id(value)
    assert layout.type is int and layout.title == "int"
    assert layout.object is value and layout.owner is None
    assert layout.start == 0 and layout.size == len(layout.raw)
    assert layout.note is None and layout.region is None
    assert len(layout) == len(layout.fields) == len(list(layout))
    assert layout[0].name == "ob_refcnt" and layout[-1].name == "ob_digit[3]"
    assert repr(layout).startswith("<hexray.Layout of int at 0x")


def test_field_attributes():
    value = 2**100
    layout = hexray.layout(value)
    field = layout.field("ob_type")
    assert field.name == "ob_type" and field.ctype == "PyTypeObject *"
    assert (field.offset, field.size) == (8, ctypes.sizeof(ctypes.c_void_p))
    assert field.address == id(value) + 8
    assert field.pointer == id(int) == word_at(id(value) + 8)
    assert field.value is int and field.note is None
    assert field.follows == "object" and field.on_request
    assert field.bits is None and isinstance(field.meaning, str)
    assert repr(field) == "<hexray.Field 'ob_type' at +8, 8 bytes>"
    refcount = layout["ob_refcnt"]
    assert refcount.pointer is None and refcount.follows is None


def test_unknown_fields_and_bad_keys():
    layout = hexray.layout(1.5)
    with pytest.raises(KeyError, match="no_such_field"):
        layout["no_such_field"]
    with pytest.raises(IndexError):
        layout[len(layout)]
    with pytest.raises(TypeError):
        layout[1.0]


def test_follow_a_pointer_to_an_object():
    layout = hexray.layout(2.5)
    followed = layout.follow("ob_type")
    assert followed.object is float and followed.kind == "object"
    assert layout["ob_type"].follow().object is float


def test_follow_refuses_what_is_not_a_pointer():
    with pytest.raises(ValueError, match="ob_fval"):
        hexray.layout(2.5).follow("ob_fval")


def test_layout_keeps_its_object_alive():
    obj = Plain()
    alive = weakref.ref(obj)
    layout = hexray.layout(obj)
    del obj
    gc.collect()
    assert alive() is not None and layout.object is alive()
    field = layout["ob_type"]
    del layout
    gc.collect()
    assert alive() is not None and field.value is Plain  # the field holds it
    del field
    gc.collect()
    assert alive() is None


def test_cycle_through_a_layout_is_collected():
    obj = Plain()
    obj.layout = hexray.layout(obj)
    alive = weakref.ref(obj)
    del obj
    gc.collect()
    assert alive() is None


def test_cycle_through_a_found_layout_is_collected():
    obj = Plain()
    obj.layout = hexray.layout_at(id(obj))
    obj.field = hexray.layout(obj)["ob_type"]
    assert obj.layout.object is obj
    alive = weakref.ref(obj)
    del obj
    gc.collect()
    assert alive() is None


def test_gc_header_precedes_gc_objects():
    obj = Plain()
    layout = hexray.layout(obj)
    assert_consistent(layout)
    before = sys.getsizeof(obj) - obj.__sizeof__()
    assert layout.start == -before
    next_, prev = layout["_gc_next"], layout["_gc_prev"]
    word = ctypes.sizeof(ctypes.c_void_p)
    assert (next_.offset, prev.offset) == (-2 * word, -word)
    assert gc.is_tracked(obj) and next_.value != 0


def test_objects_without_gc_have_no_pre_header():
    layout = hexray.layout(2.5)
    assert not gc.is_tracked(2.5) and layout.start == 0
    assert all(f.offset >= 0 for f in layout)


def test_raw_memory_that_holds_no_object():
    buffer = ctypes.create_string_buffer(b"hexray!!" * 8)
    address = ctypes.addressof(buffer)
    layout = hexray.layout_at(address, 32)
    assert layout.kind == "memory" and layout.object is None
    assert layout.size == 32 and layout.raw == ctypes.string_at(address, 32)
    assert layout.note.startswith("no live object here: ")
    assert layout.region.start <= address < layout.region.end
    assert all(f.name == "" for f in layout)
    assert "raw memory" in layout.render()


def test_raw_memory_that_cannot_be_read():
    with pytest.raises(hexray.MemoryFault):
        hexray.layout_at(0xDEAD0000)


def test_raw_memory_larger_than_its_mapping():
    """A size no mapping holds fails as a fault that names the memory,
    before anything is set aside for it."""
    buffer = ctypes.create_string_buffer(64)
    address = ctypes.addressof(buffer)
    with pytest.raises(hexray.MemoryFault) as caught:
        hexray.layout_at(address, 1 << 40)
    assert caught.value.address >= address
    assert "%#x" % address in str(caught.value)


def test_to_dict_is_plain_json():
    value = [1, "two", 3.0]
    layout = hexray.layout(value)
    document = layout.to_dict()
    text = json.dumps(document)
    assert json.loads(text) == document
    assert document["address"] == id(value) and document["type"] == "list"
    assert bytes.fromhex(document["raw"]) == layout.raw
    assert document["start"] == layout.start
    names = [f["name"] for f in document["fields"]]
    assert names[names.index("ob_refcnt") + 1] == "ob_type"
    type_field = document["fields"][names.index("ob_type")]
    assert type_field["value"]["address"] == id(list)


def test_render_shows_words_and_fields():
    value = 2**70
    layout = hexray.layout(value)
    text = layout.render()
    assert text.startswith("int object at 0x%x" % id(value))
    assert "ob_digit[2]" in text and "ob_type = <class 'int'>" in text
    assert "\x1b[" not in text
    assert "\x1b[" in layout.render(color=True)


def test_rendered_words_are_the_bytes_at_their_offsets():
    value = 2**200 - 12345
    layout = hexray.layout(value)
    rows = [line.split() for line in layout.render().splitlines()
            if line.strip()[:1] in "+-"]
    assert len(rows) == -(-layout.size // 8)
    for row in rows:
        offset, address, word = row[:3]
        if word == "0x":            # a last, partial word: padded
            word = row[3]
        offset = int(offset)
        assert int(address, 16) == id(value) + offset
        chunk = layout.raw[offset - layout.start:][:8]
        assert int(word, 16) == int.from_bytes(chunk, "little")


def test_render_rows_and_bytes_modes():
    value = 3**500
    layout = hexray.layout(value)
    short = layout.render(rows=2)
    assert "more bytes not shown" in short
    word_rows = [line for line in layout.render().splitlines()
                 if line.strip().startswith(("+", "-"))]
    byte_rows = [line for line in layout.render(bytes=True).splitlines()
                 if line.strip().startswith(("+", "-"))]
    assert len(word_rows) == -(-layout.size // 8)
    assert len(byte_rows) == -(-layout.size // 16)


def test_schema_needs_a_type():
    with pytest.raises(TypeError):
        hexray.schema(42)
    assert "ob_refcnt" in hexray.schema(float).render()
