"""Fuzz workers run in a child process, so that a crash fails a test
instead of ending the run."""

import json
import os
import subprocess
import sys


def run_worker(script, inputs):
    """Run tests/<script> with --inputs; the counts it printed last, as a
    dict.  A non-zero exit (a crash is a signal) fails the calling test."""
    path = os.path.join(os.path.dirname(__file__), script)
    child = subprocess.run(
        [sys.executable, path, "--inputs", str(inputs)],
        capture_output=True, text=True, timeout=1800,
    )
    assert child.returncode == 0, (
        "%s exited with %d\nstdout:\n%s\nstderr:\n%s"
        % (script, child.returncode, child.stdout[-4000:],
           child.stderr[-4000:])
    )
    counts = json.loads(child.stdout.strip().splitlines()[-1])
    print(counts)
    return counts
