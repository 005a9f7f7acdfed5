import hexray


def test_imports():
    assert hexray.peek(hexray.address(hexray), 0) == b""
