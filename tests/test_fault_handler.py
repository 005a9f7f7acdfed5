"""hexray's SIGSEGV/SIGBUS handler next to faulthandler (csrc/guard.c and
csrc/handlers.c).  Every scenario runs in a child interpreter."""

import ctypes
import os
import signal

import pytest

import hexray

FATAL = "Fatal Python error: Segmentation fault"

# Snippets run in the child.  CRASH dereferences a bad pointer for real.
CRASH = "import ctypes; ctypes.c_long.from_address(16).value"
GUARDED_FAULT = """
import hexray
for address in (0xdead0000, 16, 2**63):
    try:
        hexray.peek(address, 8)
    except hexray.MemoryFault:
        pass
    else:
        raise SystemExit("no MemoryFault at %#x" % address)
"""


def snippet(*parts):
    return "\n".join(parts) + "\n"


def assert_killed_by(returncode, signo, err):
    assert returncode == -signo, "exit %s, stderr:\n%s" % (returncode, err[-3000:])


@pytest.mark.parametrize("crash", [
    CRASH,
    "import faulthandler; faulthandler._read_null()",
    "import faulthandler; faulthandler._sigsegv()",
])
def test_crash_after_import_still_kills(run_python, crash):
    returncode, out, err = run_python(snippet("import hexray", crash))
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert FATAL not in err


@pytest.mark.parametrize("name", ["SIGSEGV", "SIGBUS"])
@pytest.mark.parametrize("enable", [False, True], ids=["plain", "faulthandler"])
def test_sent_fault_signal_still_kills(run_python, name, enable):
    """A fault signal sent, not caused by a fault, does not repeat by itself."""
    code = snippet("import hexray, faulthandler, signal",
                   "faulthandler.enable()" if enable else "",
                   "signal.raise_signal(signal.%s)" % name)
    returncode, out, err = run_python(code)
    assert_killed_by(returncode, getattr(signal, name), err)
    assert ("Fatal Python error" in err) is enable


def test_real_bus_error_after_import_still_kills(run_python):
    """A load past the end of a mapped file, outside hexray."""
    code = """
        import ctypes, mmap, tempfile, hexray
        libc = ctypes.CDLL(None)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                              ctypes.c_int, ctypes.c_int, ctypes.c_long]
        f = tempfile.TemporaryFile()
        f.write(b"x" * 10)
        f.flush()
        address = libc.mmap(None, 2 * mmap.PAGESIZE, mmap.PROT_READ,
                            mmap.MAP_SHARED, f.fileno(), 0)
        print("mapped", flush=True)
        ctypes.c_char.from_address(address + mmap.PAGESIZE).value
    """
    returncode, out, err = run_python(code)
    assert out.strip() == "mapped"
    assert_killed_by(returncode, signal.SIGBUS, err)


@pytest.mark.parametrize("crash", [CRASH, "import faulthandler; faulthandler._read_null()"])
def test_faulthandler_enabled_before_import_reports_crash(run_python, crash):
    returncode, out, err = run_python(snippet("import hexray", crash), "-X", "faulthandler")
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert FATAL in err
    assert 'File "<string>"' in err


def test_faulthandler_enabled_after_import_reports_crash(run_python):
    code = snippet("import hexray, faulthandler", "faulthandler.enable()",
                   "print(hexray.fault_handler_active(), flush=True)", CRASH)
    returncode, out, err = run_python(code)
    assert out.strip() == "True"
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert FATAL in err
    assert "Current thread" in err and 'File "<string>"' in err


def test_faulthandler_from_environment(run_python):
    returncode, out, err = run_python(snippet("import hexray", CRASH),
                                      env={"PYTHONFAULTHANDLER": "1"})
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert FATAL in err


@pytest.mark.parametrize("setup, args", [
    ("", ("-X", "faulthandler")),
    ("import faulthandler; faulthandler.enable()", ()),
    ("import faulthandler; faulthandler.enable(); faulthandler.enable()", ()),
], ids=["-X faulthandler", "enable() after import", "enable() twice"])
def test_guarded_faults_are_silent_and_keep_faulthandler(run_python, setup, args):
    code = snippet(
        "import hexray, faulthandler", setup, GUARDED_FAULT,
        "print(faulthandler.is_enabled(), hexray.fault_handler_active())",
    )
    returncode, out, err = run_python(code, *args)
    assert (returncode, out.strip(), err) == (0, "True True", "")


def test_guarded_faults_without_faulthandler_are_silent(run_python):
    code = snippet(GUARDED_FAULT, "import faulthandler",
                   "print(faulthandler.is_enabled(), hexray.fault_handler_active())")
    returncode, out, err = run_python(code)
    assert (returncode, out.strip(), err) == (0, "False True", "")


def test_crash_after_guarded_faults_is_still_reported(run_python):
    code = snippet("import faulthandler", "faulthandler.enable()", GUARDED_FAULT, CRASH)
    returncode, out, err = run_python(code)
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert err.count(FATAL) == 1


@pytest.mark.parametrize("args", [(), ("-X", "faulthandler")], ids=["enabled after", "enabled before"])
def test_disable_then_crash(run_python, args):
    code = snippet(
        "import hexray, faulthandler", "faulthandler.enable()", "faulthandler.disable()",
        "print(faulthandler.is_enabled(), hexray.fault_handler_active(), flush=True)",
        GUARDED_FAULT, CRASH,
    )
    returncode, out, err = run_python(code, *args)
    assert out.strip() == "False True"
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert FATAL not in err


def test_enable_disable_enable_reports_once(run_python):
    code = snippet(
        "import hexray, faulthandler",
        "faulthandler.enable(); faulthandler.disable(); faulthandler.enable()",
        GUARDED_FAULT, CRASH,
    )
    returncode, out, err = run_python(code)
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert err.count(FATAL) == 1


def test_fault_handler_active(run_python):
    code = snippet(
        "import hexray, faulthandler",
        "states = [hexray.fault_handler_active()]",
        "faulthandler.enable(); states.append(hexray.fault_handler_active())",
        "faulthandler.disable(); states.append(hexray.fault_handler_active())",
        "faulthandler.enable(); states.append(hexray.fault_handler_active())",
        "print(states)",
    )
    returncode, out, err = run_python(code)
    assert (returncode, out.strip()) == (0, "[True, True, True, True]"), err


def test_fault_handler_active_in_this_process():
    assert hexray.fault_handler_active() is True


class Sigaction(ctypes.Structure):
    """struct sigaction as the Linux C library lays it out."""
    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_ulong * 16),
                ("flags", ctypes.c_int), ("restorer", ctypes.c_void_p)]


SA_SIGINFO, SA_ONSTACK, SA_NODEFER = 0x4, 0x08000000, 0x40000000


@pytest.mark.parametrize("signo", [signal.SIGSEGV, signal.SIGBUS], ids=["SIGSEGV", "SIGBUS"])
def test_installed_handler_and_flags(libc, signo):
    """The kernel calls a handler inside hexray's compiled core, with
    SA_SIGINFO | SA_NODEFER | SA_ONSTACK."""
    action = Sigaction()
    assert libc.lib.sigaction(signo, None, ctypes.byref(action)) == 0
    wanted = SA_SIGINFO | SA_ONSTACK | SA_NODEFER
    assert action.flags & wanted == wanted
    region = hexray.region_of(action.handler)
    assert region.executable
    assert os.path.realpath(region.path) == os.path.realpath(hexray._hexray.__file__)


def test_faulthandler_enable_arguments_pass_through(run_python):
    """enable()'s arguments reach faulthandler (the report goes to stdout),
    and its errors come back with hexray's handler still in front."""
    code = snippet(
        "import sys, hexray, faulthandler",
        "faulthandler.enable(file=sys.stdout, all_threads=False)",
        "print(faulthandler.is_enabled(), hexray.fault_handler_active(), flush=True)",
        "try:",
        "    faulthandler.enable(file=-1)",
        "except ValueError:",
        "    print('refused', hexray.fault_handler_active(), flush=True)",
        GUARDED_FAULT,
        CRASH,
    )
    returncode, out, err = run_python(code)
    assert_killed_by(returncode, signal.SIGSEGV, err)
    lines = out.splitlines()
    assert lines[:2] == ["True True", "refused True"]
    assert FATAL in "\n".join(lines[2:])
    assert FATAL not in err


STACK_OVERFLOW = """
import faulthandler, gc
faulthandler.enable()
gc.disable()
chain = ()
for _ in range(1_000_000):
    chain = enumerate(chain)
print("built", flush=True)
del chain  # freeing the chain recurses once per link in C
print("survived", flush=True)
"""


def test_stack_overflow_is_reported_as_without_hexray(run_python):
    """A C stack overflow is reported by faulthandler on its alternate stack:
    hexray's handler, in front, must run there too (SA_ONSTACK)."""
    outcomes = []
    for prelude in ("", "import hexray"):
        returncode, out, err = run_python(snippet(prelude, STACK_OVERFLOW))
        outcomes.append((returncode, out.split(), FATAL in err))
    if outcomes[0][1] != ["built"]:
        pytest.skip("freeing a long enumerate chain does not overflow the stack here")
    assert outcomes[0] == (-signal.SIGSEGV, ["built"], True)
    assert outcomes[1] == outcomes[0]


def test_handler_displaced_outside_faulthandler_is_detected(run_python):
    """A handler installed later outside faulthandler (here through
    signal.signal) takes hexray's place; fault_handler_active says so."""
    code = snippet(
        "import signal, hexray",
        "before = hexray.fault_handler_active()",
        "signal.signal(signal.SIGSEGV, lambda *args: None)",
        "print(before, hexray.fault_handler_active())",
    )
    returncode, out, err = run_python(code)
    assert (returncode, out.strip()) == (0, "True False"), err


def test_restore_fault_handler(run_python):
    code = snippet(
        "import signal, hexray",
        "print(hexray.restore_fault_handler())",
        "signal.signal(signal.SIGSEGV, signal.SIG_DFL)",
        "print(hexray.fault_handler_active())",
        "print(hexray.restore_fault_handler(), hexray.fault_handler_active())",
        "print(hexray.restore_fault_handler())",
        GUARDED_FAULT,
        "print('guarded', flush=True)",
        CRASH,
    )
    returncode, out, err = run_python(code)
    assert out.split() == ["False", "False", "True", "True", "False", "guarded"], err
    assert_killed_by(returncode, signal.SIGSEGV, err)


def test_restore_in_front_of_unwrapped_faulthandler(run_python):
    """faulthandler.enable taken before hexray was imported is not wrapped:
    it displaces hexray's handler.  Once restored, guarded faults are silent
    again and a real crash is still reported, once."""
    code = snippet(
        "from faulthandler import enable",
        "import hexray",
        "enable()",
        "print(hexray.fault_handler_active())",
        "print(hexray.restore_fault_handler(), flush=True)",
        GUARDED_FAULT,
        "print('guarded', flush=True)",
        CRASH,
    )
    returncode, out, err = run_python(code)
    assert out.split() == ["False", "True", "guarded"], err
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert err.count(FATAL) == 1
    assert 'File "<string>"' in err


def test_crash_in_thread_is_reported(run_python):
    code = """
        import faulthandler, threading, hexray
        faulthandler.enable()

        def crash_here():
            faulthandler._read_null()

        thread = threading.Thread(target=crash_here)
        thread.start()
        thread.join()
    """
    returncode, out, err = run_python(code)
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert FATAL in err
    assert "crash_here" in err


def test_crash_in_thread_while_another_is_guarded(run_python):
    """A fault in one thread is not taken for the guarded accesses another
    thread keeps making at the same time."""
    code = """
        import ctypes, faulthandler, threading, hexray
        faulthandler.enable()
        stop = threading.Event()

        def guarded():
            while not stop.is_set():
                try:
                    hexray.peek(0xdead0000, 8)
                except hexray.MemoryFault:
                    pass

        worker = threading.Thread(target=guarded, daemon=True)
        worker.start()
        for _ in range(1000):
            hexray.peek(id(worker), 8)
        print("crashing", flush=True)
        ctypes.c_long.from_address(16).value
    """
    returncode, out, err = run_python(code)
    assert out.strip() == "crashing"
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert FATAL in err


def test_guarded_faults_in_many_threads_with_faulthandler(run_python):
    code = """
        import threading, faulthandler, hexray
        faulthandler.enable()
        counts = []

        def worker():
            n = 0
            for i in range(300):
                try:
                    hexray.peek(0xdead0000 + 8 * i, 8)
                except hexray.MemoryFault:
                    n += 1
            counts.append(n)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(counts == [300] * 8, faulthandler.is_enabled())
    """
    returncode, out, err = run_python(code)
    assert (returncode, out.strip(), err) == (0, "True True", "")


# ----------------------------------------------------------------------
# Handlers installed after hexray's, by C code


@pytest.fixture(scope="module")
def compile_c(tmp_path_factory):
    """compile_c(name, source, extension=False): build a shared object from
    C source with the compiler that built this interpreter; its directory."""
    import shlex
    import shutil
    import subprocess
    import sysconfig

    command = shlex.split(sysconfig.get_config_var("CC") or "cc")
    if shutil.which(command[0]) is None:
        pytest.skip("no C compiler to build a library with its own fault handler")
    directory = tmp_path_factory.mktemp("c")

    def compile_c(name, source, extension=False):
        source_path = directory / (name + ".c")
        source_path.write_text(source)
        if extension:
            output = name + sysconfig.get_config_var("EXT_SUFFIX")
            flags = ["-I" + sysconfig.get_paths()["include"]]
        else:
            output, flags = "lib%s.so" % name, []
        subprocess.run(command + ["-shared", "-fPIC", "-O1", *flags, "-o",
                                  str(directory / output), str(source_path)],
                       check=True, capture_output=True, timeout=120)
        return directory / output

    return compile_c


EXTENSION_WITH_HANDLER = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* Reports a fault, then lets it repeat under the default action. */
static void
on_segv(int signo, siginfo_t *info, void *context)
{
    static const char message[] = "segvext handler\n";
    ssize_t ignored = write(2, message, sizeof(message) - 1);
    (void)ignored; (void)info; (void)context;
    signal(signo, SIG_DFL);
}

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "segvext", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit_segvext(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, NULL);
    return PyModule_Create(&module);
}
"""


def test_extension_module_installing_a_handler(run_python, compile_c):
    """hexray goes back in front after an extension module's initialisation
    installs a handler; that handler still gets the faults that are not
    hexray's."""
    path = compile_c("segvext", EXTENSION_WITH_HANDLER, extension=True)
    code = snippet(
        "import hexray, segvext",
        "print(hexray.fault_handler_active(), flush=True)",
        GUARDED_FAULT,
        "print('guarded', flush=True)",
        CRASH,
    )
    returncode, out, err = run_python(code, env={"PYTHONPATH": str(path.parent)})
    assert out.split() == ["True", "guarded"], err[-2000:]
    assert_killed_by(returncode, signal.SIGSEGV, err)
    assert err.count("segvext handler") == 1


JUMPING_GUARD = r"""
/* A library with a fault guard of its own: its SIGSEGV handler jumps back
   into probe(), as pointers.py's does. */
#include <setjmp.h>
#include <signal.h>
#include <string.h>

static sigjmp_buf env;
static volatile int armed;

static void
on_segv(int signo, siginfo_t *info, void *context)
{
    (void)info; (void)context;
    if (armed) {
        armed = 0;
        siglongjmp(env, 1);
    }
    signal(signo, SIG_DFL);
}

int
install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGSEGV, &action, NULL);
}

/* 0 if the byte at address can be read, -1 if reading it faulted. */
int
probe(const volatile char *address)
{
    if (sigsetjmp(env, 1) != 0) {
        return -1;
    }
    armed = 1;
    (void)*address;
    armed = 0;
    return 0;
}

/* probe(), called `depth` frames further down the stack. */
int
probe_deeper(const volatile char *address, int depth)
{
    volatile char frame[256];
    int result;

    frame[0] = (char)depth;
    result = depth == 0 ? probe(address) : probe_deeper(address, depth - 1);
    return result + frame[0] - (char)depth;
}
"""


def jumper_snippet(library, installed, with_hexray):
    """Load the library and install its handler before or after hexray's
    (then putting hexray's back in front); probe bad memory through it at
    several stack depths."""
    return snippet(
        "import ctypes",
        "lib = ctypes.CDLL(%r)" % str(library),
        "lib.probe.argtypes = [ctypes.c_void_p]",
        "lib.probe_deeper.argtypes = [ctypes.c_void_p, ctypes.c_int]",
        "lib.install()" if installed == "before import" else "",
        "import hexray" if with_hexray else "",
        "lib.install()" if installed == "after import" else "",
        "hexray.restore_fault_handler()" if with_hexray else "",
        "results = [lib.probe(0xdead0000)]",
        "results += [lib.probe_deeper(0xdead0000, depth) for depth in (0, 1, 10, 50)]",
        "results += [lib.probe(0xdead0000), lib.probe(id(lib))]",
        "print(results, flush=True)",
    )


@pytest.mark.parametrize("installed", ["before import", "after import"])
def test_displaced_handler_that_jumps_back(run_python, compile_c, installed):
    """The displaced handler catches its own faults by jumping out of the
    signal handler.  Every one of them must keep reaching it, however deep
    the stack is when it happens, as they do without hexray."""
    library = compile_c("jumper", JUMPING_GUARD)
    expected = str([-1] * 6 + [0])
    returncode, out, err = run_python(jumper_snippet(library, installed, False))
    assert (returncode, out.strip()) == (0, expected), err[-2000:]

    code = jumper_snippet(library, installed, True)
    code += snippet(
        GUARDED_FAULT,
        "print(lib.probe_deeper(0xdead0000, 20), hexray.fault_handler_active())",
    )
    returncode, out, err = run_python(code)
    assert returncode == 0, err[-2000:]
    assert out.splitlines() == [expected, "-1 True"]
