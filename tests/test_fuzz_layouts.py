"""At least 20,000 adversarial addresses given to layout_at, each layout
rendered, turned into JSON and followed, in a child process, so that a
crash fails this test instead of killing the run.  Crafted objects (fake
headers of real types, in memory the child maps) are most of them."""

import json
import os
import subprocess
import sys

INPUTS = int(os.environ.get("HEXRAY_FUZZ_LAYOUT_INPUTS", 20_000))
WORKER = os.path.join(os.path.dirname(__file__), "fuzz_layouts_worker.py")


def test_adversarial_layouts_never_crash():
    child = subprocess.run(
        [sys.executable, WORKER, "--inputs", str(INPUTS)],
        capture_output=True, text=True, timeout=1800,
    )
    assert child.returncode == 0, (
        "layout fuzz worker exited with %d\nstdout:\n%s\nstderr:\n%s"
        % (child.returncode, child.stdout[-4000:], child.stderr[-4000:])
    )
    counts = json.loads(child.stdout.strip().splitlines()[-1])
    print(counts)
    assert counts["inputs"] >= INPUTS, counts
    # The inputs must reach the describers, not only the validator: crafted
    # objects of every kind laid out, fields decoded, pointers followed.
    assert counts["crafted laid out"] > INPUTS // 20, counts
    kinds = [key for key in counts if key.startswith("crafted laid out: ")]
    assert len(kinds) >= 20, sorted(kinds)
    assert counts["kind memory"] > INPUTS // 20, counts
    assert counts["follows"] > INPUTS // 2, counts
    assert counts["fields"] > INPUTS * 10, counts
