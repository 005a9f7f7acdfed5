"""The values of split tables (layout_values.c): the same memory reads the
same whether a dict or the instance whose attributes they are leads to
it."""

import sys

import pytest

import hexray
from layout_checks import assert_consistent

V = sys.version_info[:2]
NAMES = ["a0", "a1", "a2"]

pytestmark = pytest.mark.skipif(V < (3, 11),
                                reason="instances keep values from 3.11")


def fresh_instance():
    """An instance of a new class (its own shared keys) with a0, a1, a2
    set in that order."""

    class Fresh:
        pass

    obj = Fresh()
    for name in NAMES:
        setattr(obj, name, "value of " + name)
    return obj


def checked(layout):
    assert_consistent(layout)
    assert layout.render()
    return layout


def instance_values(obj):
    """What the instance shows of its values: itself on 3.13, the block
    its managed words lead to on 3.11 and 3.12."""
    layout = checked(hexray.layout(obj))
    if V >= (3, 13):
        return layout
    word = "values" if V == (3, 11) else "dict_or_values"
    return checked(layout.follow(word))


def facts(layout, names):
    return [(layout[n].address, layout[n].size, layout[n].value)
            for n in names]


def test_values_read_alike_from_the_dict_and_the_instance():
    obj = fresh_instance()
    inside = instance_values(obj)
    header = ["size", "order[0]", "order[1]", "order[2]"]
    header += (["capacity", "embedded", "valid"] if V >= (3, 13)
               else ["prefix_size"])
    before = facts(inside, header)
    slots = [inside[name].address for name in NAMES]
    # Making the __dict__ hands it the same values (3.11, 3.12), or lets
    # it share them inside the object (3.13).
    block = checked(hexray.layout(obj.__dict__).follow("ma_values"))
    assert facts(block, header) == before
    for i, name in enumerate(NAMES):
        slot = block["values[%d]" % i]
        assert slot.address == slots[i]
        assert slot.value is getattr(obj, name)
    assert [block["order[%d]" % k].value for k in range(3)] == [0, 1, 2]


def test_instance_values_are_named_by_attribute():
    obj = fresh_instance()
    shown = instance_values(obj)
    for i, name in enumerate(NAMES):
        field = shown[name]
        assert field.value is getattr(obj, name)
        assert str(i) in field.meaning
