"""Layouts of tuple, list, dict (its keys object and split values), set and
frozenset (csrc/layout_containers.c).

Every layout is checked against what the interpreter says about the same
objects (len, sys.getsizeof, __sizeof__, id, hash, iteration order), and
its bytes against ctypes reads of the same memory.  Dict lookups are redone
here, probe by probe, on the memory the layout says holds the hash table.
"""

import ctypes
import json
import re
import subprocess
import sys

import pytest

import hexray
from hexray import HexrayError, NullPointerError
from layout_checks import WORD, assert_consistent, memory, word_at

PY = sys.version_info[:2]
MASK64 = 2**64 - 1
PERTURB_SHIFT = 5      # Objects/dictobject.c, every version


# ----------------------------------------------------------------------
# Helpers

def indexed(layout, pattern):
    """{index: field} of the fields whose names match pattern, a regular
    expression with one group for the index."""
    found = {}
    for field in layout.fields:
        match = re.fullmatch(pattern, field.name)
        if match:
            found[int(match.group(1))] = field
    return found


def items_of(layout, name="ob_item"):
    fields = indexed(layout, re.escape(name) + r"\[(\d+)\]")
    assert sorted(fields) == list(range(len(fields)))
    return [fields[i] for i in range(len(fields))]


def summary(layout):
    """The fields that stand for items not described one by one."""
    return [f for f in layout.fields if f.name == ""
            and "not described" in f.meaning]


def unnamed_words(layout, start, end):
    return [f for f in layout.fields
            if f.name == "" and start <= f.offset < end]


def all_layouts(root, depth=1):
    """root and every layout its pointers lead to: blocks at no cost,
    objects at one step each, up to depth steps (ob_type left alone)."""
    found = [root]
    queue = [(root, 0)]
    seen = {(root.address, root.kind)}
    while queue:
        current, steps = queue.pop()
        for field in current.fields:
            if field.follows is None or not field.pointer \
                    or field.on_request:
                continue
            cost = steps + (field.follows == "object")
            key = (field.pointer, field.follows == "object")
            if cost > depth or key in seen:
                continue
            seen.add(key)
            target = field.follow()
            found.append(target)
            queue.append((target, cost))
    return found


def pointer_fields(layout):
    return [f for f in layout.fields if f.follows is not None and f.pointer]


def set_dummy():
    """The address of _PySet_Dummy, as the dynamic linker knows it."""
    return ctypes.c_void_p.in_dll(ctypes.pythonapi, "_PySet_Dummy").value


# ----------------------------------------------------------------------
# Dict keys: the table's shape, and lookups redone by hand

def table_slots(keys):
    if "dk_size" in {f.name for f in keys.fields}:
        return keys["dk_size"].value
    return 1 << keys["dk_log2_size"].value


def expected_index_width(slots):
    """Bytes per dk_indices slot, by CPython's rule (DK_IXSIZE and
    new_keys_object)."""
    if slots <= 0xFF:
        return 1
    if slots <= 0xFFFF:
        return 2
    if slots <= 0xFFFFFFFF:
        return 4
    return 8


def usable_fraction(slots):
    return (slots << 1) // 3


def entries_of(keys):
    """{entry index: {"me_hash"/"me_key"/"me_value": field}}"""
    entries = {}
    for field in keys.fields:
        match = re.fullmatch(r"dk_entries\[(\d+)\]\.(me_\w+)", field.name)
        if match:
            entries.setdefault(int(match.group(1)), {})[match.group(2)] = field
    return entries


class Table:
    """Where a keys object's layout says its slots and entries are; read
    by ctypes from there."""

    def __init__(self, keys):
        self.slots = table_slots(keys)
        first = keys["dk_indices[0]"]
        self.indices = keys.address + first.offset
        self.width = first.size
        key = keys["dk_entries[0].me_key"].offset
        self.step = keys["dk_entries[1].me_key"].offset - key
        self.keys = keys.address + key

    def index_at(self, slot):
        """dk_indices[slot] (signed)."""
        raw = memory(self.indices + slot * self.width, self.width)
        return int.from_bytes(raw, sys.byteorder, signed=True)

    def key_address(self, ix):
        """The me_key word of entry ix: entries follow one another at the
        distance between the first two."""
        return word_at(self.keys + ix * self.step)


def lookup(keys, key, table=None):
    """The entry a lookup of key reaches, probing dk_indices as CPython's
    lookdict does; None if it meets a free slot first."""
    table = table or Table(keys)
    mask = table.slots - 1
    perturb = hash(key) & MASK64
    i = perturb & mask
    for _ in range(4 * table.slots + 64):
        ix = table.index_at(i)
        if ix == -1:
            return None
        if ix >= 0 and table.key_address(ix) == id(key):
            return ix
        perturb >>= PERTURB_SHIFT
        i = (i * 5 + perturb + 1) & mask
    raise AssertionError("the probe sequence never ended")


def dict_layouts(d):
    layout = hexray.layout(d)
    keys = layout.follow("ma_keys")
    values = layout.follow("ma_values") if layout["ma_values"].pointer \
        else None
    for each in (layout, keys, values):
        if each is not None:
            assert_consistent(each)
    return layout, keys, values


def check_combined(d):
    """Every key of d is found where a lookup finds it, with its value and
    hash, and entries keep the insertion order."""
    layout, keys, values = dict_layouts(d)
    assert values is None
    assert layout["ma_used"].value == len(d)
    assert keys["dk_nentries"].value == len(d)
    entries = entries_of(keys)
    for position, key in enumerate(d):
        ix = lookup(keys, key)
        assert ix == position
        entry = entries[ix]
        assert entry["me_key"].pointer == id(key)
        assert entry["me_key"].value is key
        assert entry["me_value"].pointer == id(d[key])
        assert entry["me_value"].value is d[key]
        if "me_hash" in entry:
            assert entry["me_hash"].value == hash(key)
    return layout, keys


# ----------------------------------------------------------------------
# tuple

class Thing:
    pass


def test_tuple_items_are_the_tuple_s_items():
    thing = Thing()
    t = (1, "two", None, 3.5, thing, (4,))
    layout = hexray.layout(t)
    assert_consistent(layout)
    assert layout.size == sys.getsizeof(t)
    assert layout["ob_size"].value == len(t)
    items = items_of(layout)
    assert len(items) == len(t)
    for i, (field, item) in enumerate(zip(items, t)):
        assert field.offset == tuple.__basicsize__ + i * tuple.__itemsize__
        assert field.pointer == id(item)
        assert field.value is item
        assert field.follows == "object"
        assert field.ctype == "PyObject *"
    assert items[4].follow().object is thing


def test_empty_tuple():
    layout = hexray.layout(())
    assert_consistent(layout)
    assert layout["ob_size"].value == 0
    assert items_of(layout) == []
    assert layout.size == sys.getsizeof(())


def test_big_tuple_describes_some_items_and_summarises_the_rest():
    t = tuple(range(10000, 10000 + 5000))
    layout = hexray.layout(t)
    assert_consistent(layout)
    items = items_of(layout)
    assert 0 < len(items) < len(t)
    for field, item in zip(items, t):
        assert field.pointer == id(item)
    rest, = summary(layout)
    assert rest.meaning == "%d more items, not described" % (
        len(t) - len(items))
    assert rest.offset == items[-1].offset + WORD


class TupleWithDict(tuple):
    pass


def test_tuple_subclass_instance_dict():
    t = TupleWithDict((1, 2, 3))
    t.tag = "x"
    layout = hexray.layout(t)
    assert_consistent(layout)
    assert [f.value for f in items_of(layout)] == [1, 2, 3]
    # Wherever this version keeps it (after the items up to 3.11, before
    # the object from 3.12), one field holds the instance's __dict__.
    assert [f for f in layout.fields if f.pointer == id(t.__dict__)]


# ----------------------------------------------------------------------
# list

def test_list_and_its_item_array():
    thing = Thing()
    lst = [1, "two", None, thing]
    lst.append(5.5)
    layout = hexray.layout(lst)
    assert_consistent(layout)
    allocated = (sys.getsizeof(lst) - sys.getsizeof([])) // WORD
    assert allocated > len(lst)      # five appended items leave room
    assert layout["ob_size"].value == len(lst)
    assert layout["allocated"].value == allocated
    assert str(allocated - len(lst)) in layout["allocated"].meaning
    assert layout["ob_item"].follows == "item array"

    array = layout.follow("ob_item")
    assert_consistent(array)
    assert array.kind == "block" and array.title == "item array"
    assert array.owner is lst
    assert array.address == layout["ob_item"].pointer
    assert array.start == 0 and array.size == allocated * WORD
    items = items_of(array)
    assert len(items) == len(lst)
    for field, item in zip(items, lst):
        assert field.pointer == id(item)
        assert field.value is item
    spare = unnamed_words(array, len(lst) * WORD, allocated * WORD)
    assert len(spare) == allocated - len(lst)
    assert all(f.size == WORD and f.value is None for f in spare)


def test_list_object_extent():
    lst = [1, 2, 3]
    layout = hexray.layout(lst)
    # getsizeof counts the header words before the object and the item
    # array; __sizeof__ counts the object and the item array.
    assert layout.size == sys.getsizeof(lst) - lst.__sizeof__() \
        + list.__basicsize__
    assert layout.start == -(sys.getsizeof(lst) - lst.__sizeof__())


def test_empty_list_has_no_item_array():
    layout = hexray.layout([])
    assert_consistent(layout)
    assert layout["ob_item"].pointer == 0
    assert layout["allocated"].value == 0
    assert "NULL" in layout["ob_item"].meaning
    with pytest.raises(NullPointerError):
        layout.follow("ob_item")


def test_item_array_the_list_no_longer_uses_is_refused():
    lst = [1, 2, 3]
    layout = hexray.layout(lst)
    lst.extend(range(1000))
    with pytest.raises(HexrayError, match="no longer"):
        layout.follow("ob_item")
    lst.clear()
    with pytest.raises(HexrayError, match="no longer"):
        layout.follow("ob_item")


def test_item_array_follows_the_list_as_it_is_now():
    lst = [1, 2, 3, 4, 5]
    layout = hexray.layout(lst)
    del lst[3:]             # shrinks in place
    array = layout.follow("ob_item")
    assert [f.value for f in items_of(array)] == lst


def test_big_list_item_array_is_summarised():
    lst = list(range(10000, 15000))
    array = hexray.layout(lst).follow("ob_item")
    assert_consistent(array)
    items = items_of(array)
    assert 0 < len(items) < len(lst)
    for field, item in zip(items, lst):
        assert field.pointer == id(item)
    rest, = summary(array)
    assert rest.meaning == "%d more items, not described" % (
        len(lst) - len(items))


class SlottedList(list):
    __slots__ = ("tag",)


def test_list_subclass_slots():
    lst = SlottedList([1, 2])
    tag = object()
    lst.tag = tag
    layout = hexray.layout(lst)
    assert_consistent(layout)
    assert layout["tag"].pointer == id(tag)
    assert layout["tag"].offset >= list.__basicsize__
    assert [f.value for f in items_of(layout.follow("ob_item"))] == [1, 2]


# ----------------------------------------------------------------------
# dict

def test_small_dict_of_mixed_keys():
    d = {"a": [1], 2: "two", (3,): 3.0, None: None}
    layout, keys = check_combined(d)
    assert keys.kind == "block" and keys.title == "keys object"
    assert keys.owner is d
    assert keys.address == layout["ma_keys"].pointer


def test_str_keyed_dict():
    d = {"alpha": 1, "beta": 2, "gamma": 3}
    layout, keys = check_combined(d)
    entries = entries_of(keys)
    # A table of str keys keeps no hashes from 3.11 on; before, it does.
    assert ("me_hash" in entries[0]) == (PY < (3, 11))


def test_keys_object_extent_is_what_the_dict_accounts_for():
    for d in ({1: 2}, {"x": 1, "y": 2}, {i: i for i in range(50)},
              {str(i): i for i in range(50)}):
        layout, keys, values = dict_layouts(d)
        assert keys["dk_refcnt"].value == 1
        # __sizeof__ adds the keys object it owns alone to the dict.
        assert keys.start == 0
        assert keys.size == d.__sizeof__() - dict.__basicsize__
        assert layout.size == sys.getsizeof(d) - keys.size


@pytest.mark.parametrize("count", [8, 200, 300, 70000])
def test_index_width_follows_the_table_size(count):
    d = {i * 7 + 1: i for i in range(count)}
    layout, keys, values = dict_layouts(d)
    slots = table_slots(keys)
    assert slots & (slots - 1) == 0
    assert len(d) <= usable_fraction(slots)
    width = expected_index_width(slots)
    first = keys["dk_indices[0]"]
    assert first.size == width
    assert first.ctype == "int%d_t" % (8 * width)
    assert first.offset == keys["dk_nentries"].offset \
        + keys["dk_nentries"].size
    indices = indexed(keys, r"dk_indices\[(\d+)\]")
    entries = entries_of(keys)
    first_entry = min(f.offset for f in entries[0].values())
    assert first_entry == first.offset + slots * width
    positions = {key: i for i, key in enumerate(d)}
    table = Table(keys)
    for key in list(d)[::max(1, count // 500)]:
        assert lookup(keys, key, table) == positions[key]
    if len(indices) == slots:
        assert len(entries) == len(d)
        assert keys.size == d.__sizeof__() - dict.__basicsize__
        for slot, field in indices.items():
            assert field.size == width
            assert field.value == table.index_at(slot)
    else:
        assert len(entries) < len(d)
        for ix, key in enumerate(list(d)[:len(entries)]):
            assert entries[ix]["me_key"].pointer == id(key)
        slots_rest, entries_rest = summary(keys)
        assert slots_rest.meaning == "%d more slots, not described" % (
            slots - len(indices))
        assert entries_rest.meaning == "%d more entries, not described" % (
            len(d) - len(entries))


def test_index_widths_differ_between_sizes():
    widths = set()
    for count in (8, 300, 70000):
        keys = hexray.layout({i: i for i in range(count)}).follow("ma_keys")
        widths.add(keys["dk_indices[0]"].size)
    assert len(widths) == 3


def test_deleted_entries():
    d = {i: str(i) for i in range(10)}
    gone = [3, 5]
    for key in gone:
        del d[key]
    layout, keys, values = dict_layouts(d)
    assert layout["ma_used"].value == len(d)
    assert keys["dk_nentries"].value == len(d) + len(gone)
    entries = entries_of(keys)
    for key in gone:
        entry = entries[key]        # keys were inserted in order
        assert entry["me_key"].pointer == 0
        assert entry["me_value"].pointer == 0
        assert all("deleted" in f.meaning for f in entry.values())
    dummies = [f for f in indexed(keys, r"dk_indices\[(\d+)\]").values()
               if f.value == -2]
    assert len(dummies) == len(gone)
    assert all("DKIX_DUMMY" in f.meaning for f in dummies)
    for key in d:
        ix = lookup(keys, key)
        assert ix == key
        assert entries[ix]["me_value"].value is d[key]
        assert entries[ix]["me_hash"].value == hash(key)
    for key in gone:
        assert lookup(keys, key) is None


def test_free_entries_after_the_used_ones():
    d = {1: 1, 2: 2}
    layout, keys, values = dict_layouts(d)
    entries = entries_of(keys)
    step = keys["dk_entries[1].me_key"].offset \
        - keys["dk_entries[0].me_key"].offset
    end_of_used = max(f.offset + f.size for f in entries[1].values())
    free = unnamed_words(keys, end_of_used, keys.size)
    room = usable_fraction(table_slots(keys)) - len(d)
    assert sum(f.size for f in free) == room * step
    assert end_of_used + room * step == keys.size


def test_empty_dicts_share_their_keys():
    a, b = {}, {}
    la, keys, values = dict_layouts(a)
    lb = hexray.layout(b)
    assert la["ma_used"].value == 0
    assert la["ma_keys"].pointer == lb["ma_keys"].pointer
    assert table_slots(keys) == 1
    assert keys["dk_nentries"].value == 0
    if PY < (3, 11):
        # An empty dict points to a static values array of one NULL.
        assert la["ma_values"].pointer == lb["ma_values"].pointer != 0
        assert [f.pointer for f in items_of(values, "values")] == [0]
    else:
        assert la["ma_values"].pointer == 0
        with pytest.raises(NullPointerError):
            la.follow("ma_values")


def test_version_tag_changes_with_the_dict():
    d = {"a": 1}
    before = hexray.layout(d)["ma_version_tag"]
    d["b"] = 2
    after = hexray.layout(d)["ma_version_tag"]
    assert after.value != before.value
    if PY >= (3, 12):
        assert "watch" in after.meaning


def test_keys_the_dict_no_longer_uses_are_refused():
    d = {1: 2}
    layout = hexray.layout(d)
    d.update((i, i) for i in range(100))
    with pytest.raises(HexrayError, match="no longer"):
        layout.follow("ma_keys")


def split_instance_class():
    """A fresh class, so no other test has added keys to its shared
    keys."""
    class Attrs:
        def __init__(self, order=("first", "second", "third")):
            for name in order:
                setattr(self, name, [name])
    return Attrs


def shared_key_names(keys):
    entries = entries_of(keys)
    return [entries[i]["me_key"].value for i in sorted(entries)]


def test_split_table_values():
    obj = split_instance_class()()
    d = obj.__dict__
    layout, keys, values = dict_layouts(d)
    assert layout["ma_values"].pointer != 0
    assert values.title == "values" and values.owner is d
    assert keys["dk_refcnt"].value >= 2        # the class holds it too
    names = shared_key_names(keys)
    assert names == list(d)
    entries = entries_of(keys)
    for ix, name in enumerate(names):
        assert entries[ix]["me_key"].value == name
        assert entries[ix]["me_value"].pointer == 0
        field = values["values[%d]" % ix]
        assert field.pointer == id(d[name])
        assert field.value is d[name]
        assert lookup(keys, name) == ix
    first = values["values[0]"]
    if PY >= (3, 13):
        capacity = values["capacity"].value
        assert capacity >= len(d)
        assert values["size"].value == len(d)
        # The values, a header word before them, then one order byte
        # per value, rounded up to whole words (values_size_from_count).
        assert values.size == (capacity + 1) * WORD \
            + -(-capacity // WORD) * WORD
        # The values of a plain class's instance live inside it.
        assert values["embedded"].value == 1 and values["valid"].value == 1
        assert values.address == id(obj) + object.__basicsize__
        assert capacity * WORD >= d.__sizeof__() - dict.__basicsize__
    else:
        slots = (values.start + values.size - first.offset) // WORD
        assert slots * WORD == d.__sizeof__() - dict.__basicsize__
    if (3, 11) <= PY < (3, 13):
        prefix = values["prefix_size"].value
        assert values.start == -prefix and prefix % WORD == 0
        assert values["size"].value == len(d)
    if PY >= (3, 11):
        order = [values["order[%d]" % i].value for i in range(len(d))]
        assert order == [names.index(name) for name in d]


def test_split_table_insertion_order():
    if PY < (3, 11):
        pytest.skip("3.9 and 3.10 keep split tables in the keys' order")
    cls = split_instance_class()
    cls()
    obj = cls(order=("third", "first"))
    d = obj.__dict__
    layout, keys, values = dict_layouts(d)
    names = shared_key_names(keys)
    assert names[:3] == ["first", "second", "third"]
    order = [values["order[%d]" % i].value for i in range(len(d))]
    assert order == [names.index("third"), names.index("first")]
    assert values["values[%d]" % names.index("second")].pointer == 0
    for name in d:
        assert values["values[%d]" % names.index(name)].value is d[name]


def test_values_the_dict_no_longer_uses_are_refused():
    obj = split_instance_class()()
    d = obj.__dict__
    layout = hexray.layout(d)
    d[1] = "not a str key: the table becomes combined"
    assert hexray.layout(d)["ma_values"].pointer == 0
    with pytest.raises(HexrayError, match="no longer"):
        layout.follow("ma_values")


class SlottedDict(dict):
    __slots__ = ("tag",)


def test_dict_subclass():
    d = SlottedDict(a=1, b=2)
    d.tag = "t"
    layout, keys = check_combined(d)
    assert layout["tag"].pointer == id(d.tag)
    assert layout["tag"].offset >= dict.__basicsize__


# ----------------------------------------------------------------------
# set and frozenset

def set_slots(layout, name):
    keys = indexed(layout, re.escape(name) + r"\[(\d+)\]\.key")
    hashes = indexed(layout, re.escape(name) + r"\[(\d+)\]\.hash")
    assert sorted(keys) == sorted(hashes)
    return [(keys[i], hashes[i]) for i in sorted(keys)]


def check_members(s, slots):
    dummy = set_dummy()
    members = [(k, h) for k, h in slots if k.pointer not in (0, dummy)]
    assert sorted(k.pointer for k, h in members) == sorted(map(id, s))
    for key, hashed in members:
        assert key.value in s
        assert hashed.value == hash(key.value)
    return members


def test_small_set():
    s = {1, "two", (3,)}
    layout = hexray.layout(s)
    assert_consistent(layout)
    assert layout.size == sys.getsizeof(s)
    slots = set_slots(layout, "smalltable")
    assert layout["used"].value == len(s) == layout["fill"].value
    assert layout["mask"].value + 1 == len(slots)
    assert layout["table"].pointer == slots[0][0].address
    assert layout["table"].follows is None
    assert layout["hash"].value == -1
    assert layout["weakreflist"].pointer == 0
    check_members(s, slots)


def test_set_deleted_entry_is_the_dummy():
    s = {1, 2, 3}
    s.discard(2)
    layout = hexray.layout(s)
    assert_consistent(layout)
    slots = set_slots(layout, "smalltable")
    dummies = [(k, h) for k, h in slots if k.pointer == set_dummy()]
    assert len(dummies) == layout["fill"].value - layout["used"].value == 1
    key, hashed = dummies[0]
    assert "_PySet_Dummy" in key.meaning
    assert hashed.value == -1
    check_members(s, slots)


def test_big_set_table():
    s = set(range(100, 200))
    layout = hexray.layout(s)
    assert_consistent(layout)
    table = layout.follow("table")
    assert_consistent(table)
    assert table.title == "hash table" and table.owner is s
    slots = set_slots(table, "table")
    assert len(slots) == layout["mask"].value + 1
    step = slots[1][0].offset - slots[0][0].offset
    assert table.size == len(slots) * step
    assert sys.getsizeof(s) == layout.size + table.size
    check_members(s, slots)
    # The inline table is left over from before the set grew.
    for key, hashed in set_slots(layout, "smalltable"):
        assert key.follows is None and "unused" in key.meaning


def test_huge_set_table_is_summarised():
    s = set(range(10000))
    layout = hexray.layout(s)
    table = layout.follow("table")
    assert_consistent(table)
    slots = set_slots(table, "table")
    assert 0 < len(slots) < layout["mask"].value + 1
    rest, = summary(table)
    assert rest.meaning == "%d more slots, not described" % (
        layout["mask"].value + 1 - len(slots))


def test_frozenset_hash_is_cached():
    fs = frozenset({"a", "b", 3})
    assert hexray.layout(fs)["hash"].value == -1
    h = hash(fs)
    layout = hexray.layout(fs)
    assert_consistent(layout)
    assert layout["hash"].value == h
    check_members(fs, set_slots(layout, "smalltable"))


def test_set_table_the_set_no_longer_uses_is_refused():
    s = set(range(100))
    layout = hexray.layout(s)
    s.update(range(100, 1000))
    with pytest.raises(HexrayError, match="no longer"):
        layout.follow("table")


class SlottedSet(set):
    __slots__ = ("tag",)


def test_set_subclass():
    s = SlottedSet({1, 2})
    s.tag = "t"
    layout = hexray.layout(s)
    assert_consistent(layout)
    assert layout["tag"].pointer == id(s.tag)
    assert layout["tag"].offset >= set.__basicsize__
    check_members(s, set_slots(layout, "smalltable"))


# ----------------------------------------------------------------------
# Every container: following, dumps, JSON, schemas

#: Instances whose __dict__ is sampled: while they and their class live,
#: the shared keys' dk_refcnt stays put between a snapshot and ctypes.
_keep = []


def sample_containers():
    obj = split_instance_class()()
    _keep.append(obj)
    return [
        (1, "two", [3]),
        [1, "two", (3,)],
        {"a": 1, 2: "b"},
        {"x": 1},
        obj.__dict__,
        {},
        {1, 2, 3},
        set(range(50)),
        frozenset({"f"}),
    ]


@pytest.mark.parametrize("index", range(len(sample_containers())))
def test_every_pointer_field_can_be_followed(index):
    obj = sample_containers()[index]
    root = hexray.layout(obj)
    layouts = all_layouts(root)
    assert len(layouts) > 1
    for each in layouts:
        # Other families of objects have tests of their own.
        if each.kind == "block" or each.object is obj:
            assert_consistent(each)
        for field in pointer_fields(each):
            target = field.follow()
            assert target.address == field.pointer
            if field.follows == "object":
                assert target.object is not None or target.kind == "memory"
            else:
                assert target.kind == "block"
                assert target.title == field.follows


@pytest.mark.parametrize("obj, names", [
    ((1, 2), ["ob_size", "ob_item[0]", "ob_item[1]"]),
    ([1, 2], ["ob_item", "allocated", "item array", "ob_item[1]"]),
    ({"k": "v"}, ["ma_used", "ma_version_tag", "ma_keys", "ma_values",
                  "keys object", "dk_refcnt", "dk_nentries",
                  "dk_indices[0]", "dk_entries[0].me_key",
                  "dk_entries[0].me_value"]),
    ({1}, ["fill", "used", "mask", "table", "finger",
           "smalltable[0].key", "smalltable[7].hash", "weakreflist"]),
])
def test_dump_text_names_the_fields(obj, names):
    text = hexray.dumps(obj, follow=True, rows=None)
    for name in names:
        assert name in text


def test_cli_dump_follow_shows_the_list_its_items_and_their_objects():
    child = subprocess.run(
        [sys.executable, "-m", "hexray", "dump", "[1, 2, 'aaaaaaa']",
         "--follow", "--no-color"],
        capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
    dumps = child.stdout.strip().split("\n\n")
    titles = [d.splitlines()[0] for d in dumps]
    assert titles[0].startswith("list object at ")
    assert titles[1].startswith("item array at ")
    # The item array's words are the addresses of the three objects
    # dumped after it.
    where = {}
    for title in titles[2:]:
        kind, address = re.match(r"(\w+) object at (0x[0-9a-f]+)",
                                 title).groups()
        where[int(address, 16)] = kind
    for i, (value, kind) in enumerate([("1", "int"), ("2", "int"),
                                       ("'aaaaaaa'", "str")]):
        line, = [line for line in dumps[1].splitlines()
                 if " ob_item[%d] = %s " % (i, value) in line]
        word = int(re.search(r"0x[0-9a-f]{16}", line).group(0), 16)
        assert where[word] == kind
    for title, dump in zip(titles[2:], dumps[2:]):
        assert "ob_refcnt = " in dump and "ob_type = " in dump


def test_to_dict_is_json():
    for obj in sample_containers():
        for each in all_layouts(hexray.layout(obj), depth=0):
            document = json.loads(json.dumps(each.to_dict()))
            assert [f["name"] for f in document["fields"]] == \
                [f.name for f in each.fields]
            assert document["size"] == each.size


@pytest.mark.parametrize("cls, names", [
    (tuple, ["ob_size", "ob_item[0]"]),
    (list, ["ob_size", "ob_item", "allocated"]),
    (dict, ["ma_used", "ma_version_tag", "ma_keys", "ma_values"]),
    (set, ["fill", "used", "mask", "table", "hash", "finger",
           "smalltable[0].key", "smalltable[0].hash", "weakreflist"]),
    (frozenset, ["fill", "hash", "smalltable[7].key", "weakreflist"]),
])
def test_schema(cls, names):
    schema = hexray.schema(cls)
    assert schema.address is None and schema.raw is None
    fields = {f.name: f for f in schema.fields}
    for name in names:
        assert fields[name].value is None
    offsets = [f.offset for f in schema.fields]
    assert offsets == sorted(offsets)
    if cls is tuple:
        assert fields["ob_item[0]"].offset == tuple.__basicsize__
    else:
        last = schema.fields[-1]
        assert last.offset + last.size == cls.__basicsize__
    # The fixed fields lie where an instance has them.
    instance = hexray.layout(cls((1, 2)) if cls is not dict else {1: 2})
    for name, field in fields.items():
        if name in ("ob_item[0]",):
            continue
        assert instance[name].offset == field.offset
        assert instance[name].size == field.size
        assert instance[name].ctype == field.ctype
