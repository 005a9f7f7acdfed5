"""At least 10**5 adversarial inputs to peek, object_at and poke, in a child
process, so that a crash fails this test instead of killing the run."""

import json
import os
import subprocess
import sys

INPUTS = int(os.environ.get("HEXRAY_FUZZ_INPUTS", 100_000))
WORKER = os.path.join(os.path.dirname(__file__), "fuzz_worker.py")


def test_adversarial_addresses_never_crash():
    child = subprocess.run(
        [sys.executable, WORKER, "--inputs", str(INPUTS)],
        capture_output=True, text=True, timeout=1800,
    )
    assert child.returncode == 0, (
        "fuzz worker exited with %d\nstdout:\n%s\nstderr:\n%s"
        % (child.returncode, child.stdout[-4000:], child.stderr[-4000:])
    )
    counts = json.loads(child.stdout.strip().splitlines()[-1])
    print(counts)
    for function in ("peek", "object_at", "poke"):
        assert counts[function] >= INPUTS, (function, counts)
    # The strategies must actually reach the error paths, and the good ones.
    assert counts["peek_faults"] > INPUTS // 20, counts
    assert counts["object_at_rejected"] > INPUTS // 20, counts
    assert counts["object_at"] - counts["object_at_rejected"] > 0, counts
    assert counts["poke_written"] > 0 and counts["poke_faults"] > 0, counts
