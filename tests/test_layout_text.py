"""Layouts of str, bytes and bytearray, checked against what the objects
say about themselves (len, hash, sys.getsizeof, __alloc__, the type's
__basicsize__), against ctypes reads and C API calls, and against the
characters and bytes they hold."""

import ctypes
import json
import os
import sys

import pytest
from hypothesis import given, settings, strategies as st

import hexray
from layout_checks import WORD, assert_consistent, memory

TESTS = os.path.dirname(os.path.abspath(__file__))
PY312 = sys.version_info >= (3, 12)
LAST_STATE_BIT = "state.statically_allocated" if PY312 else "state.ready"
STATE_NAMES = ["state.interned", "state.kind", "state.compact", "state.ascii",
               LAST_STATE_BIT]

# Texts of every kind: ASCII, Latin-1, UCS-2, UCS-4, with a NUL and a lone
# surrogate among them.
TEXTS = ["abc", "hello, world", "a\x00b", "caf\xe9", "\xff\xfe", "\u20acuro",
         "x\ud800y", "\U0001f600 ok", "mixed \xe9\u20ac\U0010ffff"]
BYTES = [b"ab", b"hello world", b"\x00\xff\x00", bytes(range(256))]


def fresh(text):
    """A new str equal to text (two or more characters), made at run time:
    never hashed, interned or cached."""
    assert len(text) >= 2
    return text[:1] + text[1:]


def fresh_bytes(data):
    assert len(data) >= 2
    return data[:1] + data[1:]


def kind_of(text):
    """Bytes per character CPython picks for text."""
    widest = max(map(ord, text), default=0)
    return 1 if widest < 0x100 else 2 if widest < 0x10000 else 4


def encoded(text):
    """text as kind_of(text)-byte characters, in native byte order."""
    order = "le" if sys.byteorder == "little" else "be"
    codec = {1: "latin-1", 2: "utf-16-" + order, 4: "utf-32-" + order}
    return text.encode(codec[kind_of(text)], "surrogatepass")


def layout_of(obj):
    """hexray.layout(obj), checked against ctypes reads."""
    layout = hexray.layout(obj)
    assert_consistent(layout)
    return layout


def follow(layout, name):
    """The block a pointer field leads to, checked against ctypes reads."""
    block = layout.follow(name)
    assert_consistent(block)
    return block


def items(layout, prefix):
    """The fields called prefix[0], prefix[1], ..., in order."""
    found = []
    while True:
        try:
            found.append(layout["%s[%d]" % (prefix, len(found))])
        except KeyError:
            return found


def names(layout):
    return [f.name for f in layout.fields]


class State(ctypes.Structure):
    """PyASCIIObject.state, laid out by ctypes from the header's declaration
    (the last field is `ready` up to 3.11, `statically_allocated` after)."""
    _fields_ = [("interned", ctypes.c_uint, 2), ("kind", ctypes.c_uint, 3),
                ("compact", ctypes.c_uint, 1), ("ascii", ctypes.c_uint, 1),
                ("last", ctypes.c_uint, 1), ("unused", ctypes.c_uint, 24)]


def state_by_ctypes(text, layout):
    """The state bit fields of text, read by ctypes where the layout says
    the state is."""
    state = State.from_address(id(text) + layout["state.kind"].offset)
    return {"state.interned": state.interned, "state.kind": state.kind,
            "state.compact": state.compact, "state.ascii": state.ascii,
            LAST_STATE_BIT: state.last}


def state_of(layout):
    return {name: layout[name].value for name in STATE_NAMES}


def assert_characters(fields, text, kind):
    """One field per character, then the NUL."""
    assert [f.value for f in fields[:len(text)]] == list(text)
    assert all(f.size == kind for f in fields)
    terminator = fields[len(text)]
    assert len(fields) == len(text) + 1
    assert terminator.value == 0 and terminator.raw == bytes(kind)
    for before, after in zip(fields, fields[1:]):
        assert after.offset == before.offset + kind


# ----------------------------------------------------------------------
# str: compact strings

@pytest.mark.parametrize("text", TEXTS)
def test_compact_string(text):
    s = fresh(text)
    layout = layout_of(s)
    kind = kind_of(s)
    assert layout["length"].value == len(s)
    assert layout["hash"].value == -1
    assert layout["state.kind"].value == kind
    assert layout["state.ascii"].value == s.isascii()
    assert layout["state.compact"].value == 1
    assert layout["state.interned"].value == 0
    if not PY312:
        assert layout["state.ready"].value == 1
    assert state_of(layout) == state_by_ctypes(s, layout)
    chars = items(layout, "data")
    assert_characters(chars, s, kind)
    assert memory(chars[0].address, len(s) * kind) == encoded(s)
    # A str is not tracked by the GC: the object is all there is.
    assert layout.start == 0 and layout.size == sys.getsizeof(s)
    assert layout["ob_type"].value is str


@pytest.mark.parametrize("text", ["abc", "hello, world", "a\x00b"])
def test_compact_ascii_has_no_utf8_fields(text):
    s = fresh(text)
    layout = layout_of(s)
    for name in ("utf8", "utf8_length", "wstr_length", "data"):
        assert name not in names(layout)
    # The characters, then the NUL, end the object.
    assert layout["data[0]"].offset == sys.getsizeof(s) - len(s) - 1


@pytest.mark.parametrize("text", ["caf\xe9", "\u20acuro", "\U0001f600 ok"])
def test_compact_utf8_cache(text):
    s = fresh(text)
    before = layout_of(s)
    assert before["utf8"].pointer == 0 and before["utf8_length"].value == 0
    with pytest.raises(hexray.NullPointerError):
        before.follow("utf8")

    size = ctypes.c_ssize_t()
    as_utf8 = ctypes.pythonapi.PyUnicode_AsUTF8AndSize
    as_utf8.restype = ctypes.c_void_p
    as_utf8.argtypes = [ctypes.py_object, ctypes.POINTER(ctypes.c_ssize_t)]
    address = as_utf8(s, ctypes.byref(size))

    layout = layout_of(s)
    utf8 = s.encode("utf-8")
    assert layout["utf8"].pointer == address
    assert layout["utf8_length"].value == size.value == len(utf8)
    block = follow(layout, "utf8")
    assert block.kind == "block" and block.owner is s
    assert block.address == address
    cache = items(block, "utf8")
    assert b"".join(f.value for f in cache[:-1]) == utf8
    assert cache[-1].value == 0
    # sys.getsizeof counts the cache too.
    assert layout.size + len(utf8) + 1 == sys.getsizeof(s)


def test_compact_ascii_utf8_is_the_data():
    s = fresh("plain ascii")
    as_utf8 = ctypes.pythonapi.PyUnicode_AsUTF8
    as_utf8.restype = ctypes.c_void_p
    as_utf8.argtypes = [ctypes.py_object]
    assert layout_of(s)["data[0]"].address == as_utf8(s)


def test_hash_is_cached_once_computed():
    s = fresh("a string made at run time %d" % id(object()))
    assert layout_of(s)["hash"].value == -1
    expected = hash(s)
    assert layout_of(s)["hash"].value == expected


def test_interned_state():
    s = fresh("not interned yet %d" % id(object()))
    assert layout_of(s)["state.interned"].value == 0
    assert sys.intern(s) is s
    # 3.12 makes every interned string immortal; 3.9-3.11 and 3.13 keep
    # sys.intern()'s strings mortal.
    expected = 2 if sys.version_info[:2] == (3, 12) else 1
    layout = layout_of(s)
    assert layout["state.interned"].value == expected
    assert state_of(layout) == state_by_ctypes(s, layout)


@pytest.mark.skipif(not PY312, reason="statically_allocated is 3.12+")
def test_statically_allocated(proc_maps):
    def in_interpreter_image(address):
        for m in proc_maps():
            if m.start <= address < m.end:
                return bool(m.path) and ("libpython" in m.path or
                                         os.path.realpath(m.path)
                                         == os.path.realpath(sys.executable))
        return False

    empty = "abc"[:0]
    assert in_interpreter_image(id(empty))
    for s in [empty, fresh("heap"), chr(100)]:
        layout = layout_of(s)
        assert layout[LAST_STATE_BIT].value == in_interpreter_image(id(s))
    # The runtime's own strings are interned as static (3).
    assert layout_of(empty)["state.interned"].value == 3


def test_state_bits_match_ctypes_bitfields():
    """Each state field's (bit, width) is where ctypes puts the same bit
    field of the same declaration."""
    fields = {"state.interned": "interned", "state.kind": "kind",
              "state.compact": "compact", "state.ascii": "ascii",
              LAST_STATE_BIT: "last"}
    layout = layout_of(fresh("xy"))
    for name, member in fields.items():
        state = State()
        setattr(state, member, 2**32 - 1)
        word = int.from_bytes(bytes(state), sys.byteorder)
        bit = (word & -word).bit_length() - 1
        assert layout[name].bits == (bit, bin(word).count("1")), name
        assert layout[name].size == ctypes.sizeof(State)


@given(st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_any_text(text):
    layout = layout_of(text)
    assert layout["state.compact"].value == 1
    assert_characters(items(layout, "data"), text, kind_of(text))
    assert layout["length"].value == len(text)
    assert layout["state.kind"].value == kind_of(text)
    assert layout["state.ascii"].value == text.isascii()


def test_long_string_is_summarised():
    s = fresh("\u20ac" * 20000)
    layout = layout_of(s)
    chars = items(layout, "data")
    assert 0 < len(chars) < len(s)
    assert [f.value for f in chars] == list(s[:len(chars)])
    rest = layout.fields[-1]
    assert rest.name == "" and rest.offset == chars[-1].offset + 2
    assert str(len(s) - len(chars)) in rest.meaning
    assert layout.size < sys.getsizeof(s)
    assert "data[%d]" % len(s) not in names(layout)


# ----------------------------------------------------------------------
# str: legacy strings (instances of subclasses, and on 3.9-3.11 strings
# made by the Py_UNICODE API)

class Text(str):
    pass


class Tagged(str):
    __slots__ = ("tag",)


@pytest.mark.parametrize("text", TEXTS)
def test_subclass_instance_is_legacy(text):
    s = Text(text)
    layout = layout_of(s)
    kind = kind_of(s)
    assert layout["ob_type"].value is Text
    assert layout["length"].value == len(s)
    assert layout["state.compact"].value == 0
    assert layout["state.kind"].value == kind
    assert layout["state.ascii"].value == s.isascii()
    assert state_of(layout) == state_by_ctypes(s, layout)
    # data is the last member of the struct that str.__basicsize__ measures.
    data = layout["data"]
    assert data.offset + data.size == str.__basicsize__
    block = follow(layout, "data")
    assert block.owner is s and block.address == data.pointer
    chars = items(block, "data")
    assert_characters(chars, s, kind)
    assert chars[0].offset == 0
    assert memory(data.pointer, len(s) * kind) == encoded(s)
    # The object ends where the subclass says, and sys.getsizeof counts
    # what is before it, the str struct and the characters.
    assert layout.start + layout.size == Text.__basicsize__
    assert sys.getsizeof(s) == (-layout.start + str.__basicsize__
                                + (len(s) + 1) * kind)


def test_legacy_ascii_shares_its_utf8():
    s = Text("ascii only")
    layout = layout_of(s)
    assert layout["utf8"].pointer == layout["data"].pointer != 0
    assert layout["utf8_length"].value == len(s)
    assert "same memory as data" in layout["utf8"].meaning
    cache = items(follow(layout, "utf8"), "utf8")
    assert b"".join(f.value for f in cache[:-1]) == s.encode()


def test_legacy_non_ascii_has_no_utf8_yet():
    layout = layout_of(Text("caf\xe9"))
    assert layout["utf8"].pointer == 0 and layout["utf8_length"].value == 0


def test_subclass_hash():
    s = Text("subclass %d" % id(object()))
    assert layout_of(s)["hash"].value == -1
    expected = hash(s)
    assert layout_of(s)["hash"].value == expected


def test_subclass_slots_and_dict():
    tag = object()
    s = Tagged("tagged")
    s.tag = tag
    layout = layout_of(s)
    field = layout["tag"]
    assert field.value is tag and field.offset >= str.__basicsize__
    t = Text("with a dict")
    t.attribute = 1
    if Text.__dictoffset__ > 0:
        dict_field = layout_of(t)["__dict__"]
        assert dict_field.offset == Text.__dictoffset__
        assert dict_field.value is t.__dict__


@pytest.mark.skipif(PY312, reason="Py_UNICODE strings are gone in 3.12")
def test_legacy_string_before_and_after_ready(run_python):
    """A string from PyUnicode_FromUnicode(NULL, n) holds only wchar_t until
    it is made ready.  Filling it is a write, so it runs in a child."""
    code = """
        import ctypes, sys, warnings
        sys.path.insert(0, %r)
        import hexray
        from layout_checks import assert_consistent, memory

        api = ctypes.pythonapi
        api.PyUnicode_FromUnicode.restype = ctypes.py_object
        api.PyUnicode_FromUnicode.argtypes = [ctypes.c_void_p,
                                              ctypes.c_ssize_t]
        api._PyUnicode_Ready.argtypes = [ctypes.py_object]
        text = "a\\u20acz"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = api.PyUnicode_FromUnicode(None, len(text))

        layout = hexray.layout(s)
        assert_consistent(layout)
        values = {f.name: f.value for f in layout.fields if f.name}
        assert values["state.ready"] == 0, values
        assert values["state.kind"] == 0 and values["state.compact"] == 0
        assert values["length"] == 0 and values["wstr_length"] == len(text)
        assert layout["data"].pointer == 0
        assert layout.start + layout.size == str.__basicsize__
        wstr = layout["wstr"].pointer
        width = ctypes.sizeof(ctypes.c_wchar)
        assert memory(wstr + len(text) * width, width) == bytes(width)
        ctypes.memmove(wstr, ctypes.create_unicode_buffer(text),
                       len(text) * width)

        block = layout.follow("wstr")
        assert_consistent(block)
        chars = [block["wstr[%%d]" %% i] for i in range(len(text) + 1)]
        assert [f.value for f in chars[:-1]] == list(text)
        assert chars[-1].value == 0 and chars[0].size == width

        assert api._PyUnicode_Ready(s) == 0
        layout = hexray.layout(s)
        assert_consistent(layout)
        assert layout["state.ready"].value == 1
        assert layout["state.compact"].value == 0
        assert layout["state.kind"].value == 2
        assert layout["length"].value == len(s) == len(text)
        block = layout.follow("data")
        chars = [block["data[%%d]" %% i] for i in range(len(text) + 1)]
        assert [f.value for f in chars[:-1]] == list(s) == list(text)
        assert s == text
        print("ok")
    """ % TESTS
    code_rc, out, err = run_python(code)
    assert code_rc == 0, err
    assert out.strip() == "ok"


@pytest.mark.skipif(PY312, reason="wstr is gone in 3.12")
@pytest.mark.parametrize("text", ["abc", "caf\xe9", "\u20acuro"])
def test_wstr_made_by_py_unicode_api(text):
    s = fresh(text)
    assert layout_of(s)["wstr"].pointer == 0
    as_unicode = ctypes.pythonapi.PyUnicode_AsUnicode
    as_unicode.restype = ctypes.c_void_p
    as_unicode.argtypes = [ctypes.py_object]
    address = as_unicode(s)
    layout = layout_of(s)
    assert layout["wstr"].pointer == address
    if not s.isascii():
        assert layout["wstr_length"].value == len(s)
    block = follow(layout, "wstr")
    chars = items(block, "wstr")
    assert [f.value for f in chars[:-1]] == list(s)
    assert chars[-1].value == 0


@pytest.mark.skipif(PY312, reason="wstr is gone in 3.12")
def test_ucs4_wstr_is_the_data():
    s = fresh("\U0001f600\U0001f601")
    layout = layout_of(s)
    assert layout["wstr"].pointer == layout["data[0]"].address
    chars = items(follow(layout, "wstr"), "wstr")
    assert [f.value for f in chars[:-1]] == list(s)


# ----------------------------------------------------------------------
# bytes

@pytest.mark.parametrize("data", BYTES)
def test_bytes(data):
    b = fresh_bytes(data)
    layout = layout_of(b)
    assert layout["ob_size"].value == len(b)
    assert layout["ob_shash"].value == -1
    values = items(layout, "ob_sval")
    assert b"".join(f.value for f in values[:-1]) == b
    assert values[-1].value == 0 and values[-1].raw == b"\0"
    assert values[0].offset == bytes.__basicsize__ - 1
    assert memory(values[0].address, len(b) + 1) == b + b"\0"
    assert layout.start == 0 and layout.size == sys.getsizeof(b)
    expected = hash(b)
    assert layout_of(b)["ob_shash"].value == expected


@given(st.binary(max_size=64))
@settings(max_examples=100, deadline=None)
def test_any_bytes(data):
    layout = layout_of(data)
    values = items(layout, "ob_sval")
    assert b"".join(f.value for f in values[:-1]) == data
    assert layout.size == sys.getsizeof(data)


def test_long_bytes_are_summarised():
    b = bytes(range(256)) * 100
    layout = layout_of(b)
    values = items(layout, "ob_sval")
    assert 0 < len(values) < len(b)
    assert b"".join(f.value for f in values) == b[:len(values)]
    rest = layout.fields[-1]
    assert rest.name == "" and str(len(b) - len(values)) in rest.meaning
    assert layout.size < sys.getsizeof(b)


class Data(bytes):
    pass


def test_bytes_subclass():
    b = Data(b"subclassed")
    b.attribute = "set"
    layout = layout_of(b)
    assert layout["ob_type"].value is Data
    values = items(layout, "ob_sval")
    assert b"".join(f.value for f in values[:-1]) == bytes(b)
    if Data.__dictoffset__ < 0 and not PY312:
        # After the bytes, at the end of the var-sized object.
        end = Data.__basicsize__ + len(b)
        end = (end + WORD - 1) // WORD * WORD
        field = layout["__dict__"]
        assert field.offset == end + Data.__dictoffset__
        assert field.value is b.__dict__


# ----------------------------------------------------------------------
# bytearray

def test_bytearray():
    ba = bytearray(b"hello, bytearray")
    ba.append(ord("!"))     # grows the buffer with room to spare
    layout = layout_of(ba)
    assert layout["ob_size"].value == len(ba)
    assert layout["ob_alloc"].value == ba.__alloc__() > len(ba) + 1
    assert layout["ob_start"].pointer == layout["ob_bytes"].pointer != 0
    assert layout["ob_exports"].value == 0
    exports = layout["ob_exports"]
    assert exports.offset + exports.size == bytearray.__basicsize__
    assert layout.start == 0
    assert layout.size + ba.__alloc__() == sys.getsizeof(ba)

    buffer = follow(layout, "ob_bytes")
    assert buffer.owner is ba and buffer.address == layout["ob_bytes"].pointer
    values = items(buffer, "ob_start")
    assert b"".join(f.value for f in values[:-1]) == bytes(ba)
    assert values[0].offset == 0 and values[-1].value == 0
    spare = buffer.fields[-1]
    assert spare.name == "" and spare.offset == len(ba) + 1
    assert spare.offset + spare.size == ba.__alloc__() == buffer.size
    assert str(spare.size) in spare.meaning


def test_bytearray_start_is_where_the_buffer_protocol_points():
    ba = bytearray(b"0123456789")
    view = (ctypes.c_char * len(ba)).from_buffer(ba)
    layout = layout_of(ba)
    assert layout["ob_start"].pointer == ctypes.addressof(view)
    assert layout["ob_exports"].value == 1
    del view
    assert layout_of(ba)["ob_exports"].value == 0


def test_deleting_from_the_front_advances_ob_start():
    ba = bytearray(b"0123456789abcdefghij")
    alloc = ba.__alloc__()
    del ba[:3]
    assert ba.__alloc__() == alloc     # shrunk in place, not reallocated
    layout = layout_of(ba)
    start, buffer_at = layout["ob_start"].pointer, layout["ob_bytes"].pointer
    assert start - buffer_at == 3
    assert "+ 3" in layout["ob_start"].meaning
    assert memory(start, len(ba)) == bytes(ba)
    buffer = follow(layout, "ob_bytes")
    gap = buffer.fields[0]
    assert (gap.name, gap.offset, gap.size) == ("", 0, 3)
    assert gap.raw == b"012"
    values = items(buffer, "ob_start")
    assert values[0].offset == 3
    assert b"".join(f.value for f in values[:-1]) == bytes(ba)
    assert buffer.size == alloc


def test_memoryviews_are_exports():
    ba = bytearray(b"exported")
    with memoryview(ba) as first, memoryview(ba) as second:
        assert layout_of(ba)["ob_exports"].value == 2
        assert first.obj is ba and second.obj is ba
    assert layout_of(ba)["ob_exports"].value == 0


def test_empty_bytearray_has_no_buffer():
    ba = bytearray()
    layout = layout_of(ba)
    assert ba.__alloc__() == layout["ob_alloc"].value == 0
    assert layout["ob_bytes"].pointer == layout["ob_start"].pointer == 0
    with pytest.raises(hexray.NullPointerError):
        layout.follow("ob_bytes")


def test_buffer_the_bytearray_no_longer_uses_is_refused():
    ba = bytearray(b"abc")
    layout = layout_of(ba)
    ba.extend(bytes(1 << 20))   # far too big to grow in place
    with pytest.raises(hexray.HexrayError, match="no longer"):
        layout.follow("ob_bytes")
    buffer = layout_of(ba).follow("ob_bytes")
    assert [f.value for f in buffer.fields[:4]] == [b"a", b"b", b"c", b"\0"]
    del ba[:]
    with pytest.raises(hexray.HexrayError, match="no longer"):
        layout.follow("ob_bytes")


def test_long_bytearray_is_summarised():
    ba = bytearray(b"z" * 50000)
    buffer = follow(layout_of(ba), "ob_bytes")
    values = items(buffer, "ob_start")
    assert 0 < len(values) < len(ba)
    assert str(len(ba) - len(values)) in buffer.fields[-1].meaning
    assert buffer.size < ba.__alloc__()


class Buffer(bytearray):
    pass


def test_bytearray_subclass():
    ba = Buffer(b"sub")
    ba.attribute = 1
    layout = layout_of(ba)
    assert layout["ob_size"].value == 3
    assert layout.start + layout.size >= Buffer.__basicsize__
    if Buffer.__dictoffset__ > 0:
        assert layout["__dict__"].value is ba.__dict__


# ----------------------------------------------------------------------
# Dumps, JSON and schemas

def test_dump_names_the_fields():
    s = Text("dump \u20ac")
    text = hexray.dumps(s, follow=True)
    for name in STATE_NAMES + ["length", "hash", "data", "data[0]",
                               "characters at"]:
        assert name in text
    text = hexray.dumps(fresh("h\xe9llo"))
    assert "utf8_length" in text and "data[3] = 'l'" in text
    text = hexray.dumps(fresh_bytes(b"xyz"))
    assert "ob_shash" in text and "ob_sval[2] = b'z'" in text
    text = hexray.dumps(bytearray(b"buffer"), follow=True)
    for name in ("ob_alloc", "ob_bytes", "ob_exports", "bytearray buffer",
                 "ob_start[0] = b'b'"):
        assert name in text


@pytest.mark.parametrize("obj", [
    "text", "caf\xe9", Text("\U0001f600"), b"bytes", bytearray(b"array"),
    Data(b"x"), bytearray()])
def test_to_dict_is_json(obj):
    layout = layout_of(obj)
    document = json.loads(json.dumps(layout.to_dict()))
    assert [f["name"] for f in document["fields"]] == names(layout)
    for field in layout.fields:
        if field.follows not in (None, "object") and field.pointer:
            json.dumps(field.follow().to_dict())


def test_schema_of_str():
    schema = hexray.schema(str)
    assert schema.kind == "schema" and schema.address is None
    assert all(f.value is None and f.raw is None for f in schema)
    found = names(schema)
    for name in ["length", "hash"] + STATE_NAMES:
        assert name in found
    for name in ("utf8", "data", "data[0]"):
        assert name not in found
    assert ("wstr" in found) == (not PY312)
    live = layout_of(fresh("xy"))
    for name in STATE_NAMES:
        assert schema[name].bits == live[name].bits


def test_schema_of_str_subclass():
    schema = hexray.schema(Text)
    data = schema["data"]
    assert data.offset + data.size == str.__basicsize__
    assert schema.start + schema.size == Text.__basicsize__
    assert "utf8" in names(schema) and "utf8_length" in names(schema)


def test_schema_of_bytes_and_bytearray():
    schema = hexray.schema(bytes)
    assert schema["ob_sval[0]"].offset == bytes.__basicsize__ - 1
    assert "ob_shash" in names(schema)
    schema = hexray.schema(bytearray)
    assert schema.start + schema.size == bytearray.__basicsize__
    for name in ("ob_alloc", "ob_bytes", "ob_start", "ob_exports"):
        assert schema[name].value is None
    with pytest.raises(ValueError):
        schema.follow("ob_bytes")
