"""Fuzz workers run in a child process, so that a crash fails a test
instead of ending the run."""

import argparse
import ctypes
import json
import os
import random
import subprocess
import sys

import hypothesis

#: The C library, for the workers' own mappings (mmap, mprotect, munmap).
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]


def fuzz_seed():
    """The seed a fuzz run starts from: HEXRAY_FUZZ_SEED to replay a run,
    otherwise a fresh one."""
    given = os.environ.get("HEXRAY_FUZZ_SEED")
    return int(given) if given else random.SystemRandom().getrandbits(32)


def run_worker(script, inputs):
    """Run tests/<script> with --inputs and a seed; the counts it printed
    last, as a dict.  A non-zero exit (a crash is a signal) fails the
    calling test with a message that names the seed; the seed is printed
    too, so that a run the calling test finds wanting can be replayed."""
    seed = fuzz_seed()
    path = os.path.join(os.path.dirname(__file__), script)
    print("%s: replay with HEXRAY_FUZZ_SEED=%d" % (script, seed))
    child = subprocess.run(
        [sys.executable, path, "--inputs", str(inputs), "--seed", str(seed)],
        capture_output=True, text=True, timeout=1800,
    )
    assert child.returncode == 0, (
        "%s exited with %d (HEXRAY_FUZZ_SEED=%d)\nstdout:\n%s\nstderr:\n%s"
        % (script, child.returncode, seed, child.stdout[-4000:],
           child.stderr[-4000:])
    )
    counts = json.loads(child.stdout.strip().splitlines()[-1])
    print(counts)
    return counts


def seeded_calls(test, seed):
    """Call test, a function decorated with hypothesis.given, again and
    again, each call seeded with the next number from seed: the same run
    for the same seed, and different examples in every call.  (Without a
    seed, Hypothesis's "ci" profile, loaded where a CI variable is set,
    derandomizes: every call would generate the same examples.)"""
    call = 0
    while True:
        hypothesis.seed(seed + call)(test)
        test()
        call += 1
        yield call


def worker_main(doc, run, default, what):
    """A worker script's main: --inputs (default `default`, the `what` it
    gives) and --seed, then run(inputs, seed)'s counts as a line of JSON,
    which run_worker reads."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=default,
                        help="%s (default %d)" % (what, default))
    parser.add_argument("--seed", type=int, default=0,
                        help="where Hypothesis starts (default 0)")
    args = parser.parse_args()
    counts = run(args.inputs, args.seed)
    print(json.dumps(dict(sorted(counts.items()))))
