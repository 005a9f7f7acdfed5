"""At least 20,000 adversarial addresses given to layout_at, each layout
rendered, turned into JSON and followed, in a child process, so that a
crash fails this test instead of killing the run.  Crafted objects (fake
headers of real types, in memory the child maps) are most of them."""

import os

from workers import run_worker

INPUTS = int(os.environ.get("HEXRAY_FUZZ_LAYOUT_INPUTS", 20_000))


def test_adversarial_layouts_never_crash():
    counts = run_worker("fuzz_layouts_worker.py", INPUTS)
    assert counts["inputs"] >= INPUTS, counts
    # The inputs must reach the describers, not only the validator: crafted
    # objects of every kind laid out, fields decoded, pointers followed.
    assert counts["crafted laid out"] > INPUTS // 20, counts
    kinds = [key for key in counts if key.startswith("crafted laid out: ")]
    assert len(kinds) >= min(20, INPUTS // 100), sorted(kinds)
    assert counts["kind memory"] > INPUTS // 20, counts
    assert counts["follows"] > INPUTS // 2, counts
    assert counts["fields"] > INPUTS * 10, counts
