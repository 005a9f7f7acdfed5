"""hexray.Pointer (csrc/pointer.c)."""

import copy
import gc
import pickle
import sys
import typing
import weakref

import pytest

import hexray
from hexray import DanglingPointerError, HexrayError, NullPointerError, Pointer, ptr


class Node:
    """A user class: weakly referenceable, tracked by the collector."""

    def __init__(self, name="node"):
        self.name = name


class NoWeakrefs:
    __slots__ = ("value",)


def collect():
    gc.collect()


def test_ptr_is_pointer():
    assert ptr is Pointer
    assert isinstance(ptr(1), Pointer)


def test_deref():
    x = Node()
    p = ptr(x)
    assert ~p is x
    assert p.deref() is x
    assert ~p is p.deref()


def test_address_is_id():
    x = Node()
    assert ptr(x).address == id(x) == hexray.address(x)
    assert Pointer().address == 0


def test_pointer_keeps_target_alive():
    x = Node()
    ref = weakref.ref(x)
    p = ptr(x)
    del x
    collect()
    assert ref() is not None
    assert ~p is ref()
    del p
    collect()
    assert ref() is None


def test_refcount_on_create_and_delete():
    x = Node()
    before = sys.getrefcount(x)
    p = ptr(x)
    assert sys.getrefcount(x) == before + 1
    q = ptr(x)
    assert sys.getrefcount(x) == before + 2
    del p
    assert sys.getrefcount(x) == before + 1
    del q
    assert sys.getrefcount(x) == before


def test_deref_returns_new_reference():
    x = Node()
    p = ptr(x)
    before = sys.getrefcount(x)
    y = ~p
    assert sys.getrefcount(x) == before + 1
    del y
    z = p.deref()
    assert sys.getrefcount(x) == before + 1
    del z
    assert sys.getrefcount(x) == before


def test_assign_repoints_and_moves_the_reference():
    x, y = Node("x"), Node("y")
    p = ptr(x)
    x_count, y_count = sys.getrefcount(x), sys.getrefcount(y)
    assert p.assign(y) is None
    assert ~p is y and p.address == id(y)
    assert sys.getrefcount(x) == x_count - 1
    assert sys.getrefcount(y) == y_count + 1


def test_assign_same_object_keeps_count():
    x = Node()
    p = ptr(x)
    before = sys.getrefcount(x)
    p.assign(x)
    assert sys.getrefcount(x) == before
    assert ~p is x


def test_assign_to_only_referenced_target():
    """Re-pointing at the object only the pointer itself keeps alive."""
    p = ptr(Node("only"))
    p.assign(~p)
    assert (~p).name == "only"
    p >>= ~p
    assert (~p).name == "only"


def test_irshift_repoints_and_returns_same_pointer():
    x, y = Node("x"), Node("y")
    p = ptr(x)
    original = p
    y_count = sys.getrefcount(y)
    x_count = sys.getrefcount(x)
    p >>= y
    assert p is original
    assert ~p is y
    assert sys.getrefcount(y) == y_count + 1
    assert sys.getrefcount(x) == x_count - 1


def test_assign_null_pointer():
    p = Pointer()
    p.assign(5)
    assert ~p == 5 and not p.is_null


def test_rshift_is_not_supported():
    with pytest.raises(TypeError):
        ptr(1) >> 2
    value = 1
    with pytest.raises(TypeError):
        value >>= ptr(1)


def test_comparisons_follow_addresses():
    a, b = Node("a"), Node("b")
    low, high = sorted([a, b], key=id)
    p, q = ptr(low), ptr(high)
    assert ptr(a) == ptr(a)
    assert not (ptr(a) != ptr(a))
    assert p != q and not (p == q)
    assert p < q and p <= q and q > p and q >= p
    assert not (q < p) and not (p > q)
    assert p <= ptr(low) and p >= ptr(low)
    assert Pointer() == Pointer()
    assert Pointer() < p


def test_comparison_with_other_types():
    x = Node()
    assert ptr(x) != x
    assert ptr(x) != id(x)
    assert not (ptr(x) == id(x))
    with pytest.raises(TypeError):
        ptr(x) < id(x)


def test_strong_and_weak_pointers_to_same_object_are_equal():
    x = Node()
    assert ptr(x) == ptr(x, weak=True)
    assert hash(ptr(x)) == hash(ptr(x, weak=True))


def test_hash():
    x, y = Node(), Node()
    assert hash(ptr(x)) == hash(ptr(x))
    assert hash(Pointer()) == hash(Pointer())
    table = {ptr(x): "x", ptr(y): "y"}
    assert table[ptr(x)] == "x" and table[ptr(y)] == "y"
    assert len({ptr(x), ptr(x), ptr(y)}) == 2


def test_repr():
    x = Node()
    text = repr(ptr(x))
    assert "Pointer" in text and "Node" in text
    assert "%#x" % id(x) in text
    assert "weak" not in text
    assert "NULL" in repr(Pointer())
    assert "list" in repr(ptr([]))


def test_null_pointer():
    p = Pointer()
    assert p.is_null and not p and p.address == 0
    with pytest.raises(NullPointerError):
        ~p
    with pytest.raises(NullPointerError, match="NULL"):
        p.deref()
    assert issubclass(NullPointerError, HexrayError)


def test_bool():
    assert ptr(0)
    assert ptr(None)
    assert ptr([])
    assert not Pointer()


def test_is_null():
    assert not ptr(None).is_null
    assert Pointer().is_null


def test_pointer_to_pointer():
    x = Node()
    p = ptr(x)
    pp = ptr(p)
    assert ~pp is p
    assert ~~pp is x
    assert ptr(pp).deref().deref().deref() is x


def test_pointer_to_itself_is_collected():
    p = Pointer()
    p >>= p
    assert ~p is p
    ref = weakref.ref(p)
    del p
    collect()
    assert ref() is None


def test_long_pointer_chain_is_freed_without_crashing(run_python):
    """Releasing ptr(ptr(...ptr(None)...)) must not recurse once per link,
    as tuples and lists do not."""
    code = """
        import gc, hexray
        gc.disable()
        p = None
        for _ in range(1_000_000):
            p = hexray.ptr(p)
        del p
        print("freed")
    """
    returncode, out, err = run_python(code)
    assert (returncode, out.strip()) == (0, "freed"), err[-2000:]


# ----------------------------------------------------------------------
# Weak pointers


def test_weak_pointer_does_not_keep_target_alive():
    x = Node()
    ref = weakref.ref(x)
    before = sys.getrefcount(x)
    w = ptr(x, weak=True)
    assert sys.getrefcount(x) == before
    assert w.weak
    assert ~w is x and w.deref() is x
    address = id(x)
    del x
    collect()
    assert ref() is None
    with pytest.raises(DanglingPointerError):
        ~w
    with pytest.raises(DanglingPointerError, match="Node"):
        w.deref()
    assert w.address == address
    assert not w
    assert not w.is_null


def test_dangling_message_names_type_and_address():
    x = Node()
    w = ptr(x, weak=True)
    address = "%#x" % id(x)
    del x
    collect()
    with pytest.raises(DanglingPointerError) as info:
        ~w
    assert "Node" in str(info.value)
    assert address in str(info.value)


def test_dangling_pointer_error_is_reference_error():
    assert issubclass(DanglingPointerError, ReferenceError)
    assert issubclass(DanglingPointerError, HexrayError)


def test_weak_repr():
    x = Node()
    w = ptr(x, weak=True)
    address = "%#x" % id(x)
    assert "weak" in repr(w) and "dangling" not in repr(w)
    assert address in repr(w) and "Node" in repr(w)
    del x
    collect()
    assert "dangling" in repr(w)
    assert address in repr(w) and "Node" in repr(w)


@pytest.mark.parametrize("obj", [1, "text", (1, 2), None, [1], {"a": 1}, NoWeakrefs()],
                         ids=["int", "str", "tuple", "None", "list", "dict", "slots"])
def test_weak_pointer_to_type_without_weakrefs(obj):
    with pytest.raises(TypeError) as info:
        ptr(obj, weak=True)
    message = str(info.value)
    assert type(obj).__name__ in message
    assert "weak" in message


def test_assign_on_weak_pointer_stays_weak():
    x, y = Node("x"), Node("y")
    w = ptr(x, weak=True)
    y_count = sys.getrefcount(y)
    w.assign(y)
    assert w.weak
    assert sys.getrefcount(y) == y_count
    assert ~w is y
    w >>= x
    assert w.weak and ~w is x
    del x
    collect()
    with pytest.raises(DanglingPointerError):
        ~w


def test_refused_weak_assign_leaves_pointer_unchanged():
    x = Node()
    w = ptr(x, weak=True)
    with pytest.raises(TypeError):
        w.assign(42)
    assert ~w is x and w.address == id(x)


def test_null_weak_pointer():
    w = Pointer(weak=True)
    assert w.is_null and w.weak
    with pytest.raises(NullPointerError):
        ~w
    x = Node()
    w.assign(x)
    assert w.weak and ~w is x


def test_strong_pointer_is_not_weak():
    assert ptr(Node()).weak is False
    assert Pointer().weak is False


def test_weak_pointer_to_pointer():
    p = ptr(Node())
    w = ptr(p, weak=True)
    assert ~w is p
    del p
    collect()
    with pytest.raises(DanglingPointerError):
        ~w


# ----------------------------------------------------------------------
# Garbage collection


def test_cycle_through_pointer_is_collected():
    lst = []
    p = ptr(lst)
    lst.append(p)
    marker = Node()
    lst.append(marker)
    ref = weakref.ref(marker)
    del lst, p, marker
    collect()
    assert ref() is None


def test_cycle_through_object_attribute_is_collected():
    node = Node()
    node.self_pointer = ptr(node)
    ref = weakref.ref(node)
    del node
    collect()
    assert ref() is None


def test_referents_include_target():
    x = Node()
    assert x in gc.get_referents(ptr(x))
    assert gc.is_tracked(ptr(x))


def test_weak_pointer_cycle_is_collected():
    node = Node()
    node.back = ptr(node, weak=True)
    ref = weakref.ref(node)
    del node
    collect()
    assert ref() is None


# ----------------------------------------------------------------------
# Typing, pickling, construction


def test_class_getitem():
    alias = Pointer[int]
    assert typing.get_origin(alias) is Pointer
    assert typing.get_args(alias) == (int,)
    p = alias(5)
    assert isinstance(p, Pointer) and ~p == 5


def test_annotations_resolve():
    def f(p: Pointer[Node]) -> Pointer[int]:
        return p

    hints = typing.get_type_hints(f)
    assert hints["p"] == Pointer[Node]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickling_fails(protocol):
    with pytest.raises((TypeError, pickle.PicklingError)):
        pickle.dumps(ptr([1, 2]), protocol=protocol)
    with pytest.raises((TypeError, pickle.PicklingError)):
        pickle.dumps(Pointer(), protocol=protocol)


def test_copy_fails():
    with pytest.raises(TypeError):
        copy.copy(ptr([1]))


def test_constructor_arguments():
    with pytest.raises(TypeError):
        Pointer(1, 2)
    with pytest.raises(TypeError):
        Pointer(1, True)  # weak is keyword-only
    with pytest.raises(TypeError):
        Pointer(unknown=1)
    x = Node()
    assert ~Pointer(obj=x) is x
    assert Pointer(x, weak=1).weak


def test_subclass():
    class Tagged(Pointer):
        pass

    x = Node()
    ref = weakref.ref(x)
    p = Tagged(x)
    assert ~p is x and isinstance(p, Pointer)
    p.tag = "tagged"
    p >>= p  # a cycle through the subclass instance
    del x
    collect()
    assert ref() is None
    assert ~p is p


def test_pointer_is_weakly_referenceable():
    p = ptr(1)
    ref = weakref.ref(p)
    assert ref() is p
    del p
    assert ref() is None
