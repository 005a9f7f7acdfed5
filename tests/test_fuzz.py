"""At least 10**5 adversarial inputs to peek, object_at and poke, in a child
process, so that a crash fails this test instead of killing the run."""

import os

from workers import run_worker

INPUTS = int(os.environ.get("HEXRAY_FUZZ_INPUTS", 100_000))


def test_adversarial_addresses_never_crash():
    counts = run_worker("fuzz_worker.py", INPUTS)
    for function in ("peek", "object_at", "poke"):
        assert counts[function] >= INPUTS, (function, counts)
    # The strategies must actually reach the error paths, and the good ones.
    assert counts["peek_faults"] > INPUTS // 20, counts
    assert counts["object_at_rejected"] > INPUTS // 20, counts
    assert counts["object_at"] - counts["object_at_rejected"] > 0, counts
    assert counts["poke_written"] > 0 and counts["poke_faults"] > 0, counts
