/* guard.c - the fault-safe core: guarded copies and the fault handler.
 *
 * A guarded access arms a per-thread guard (a sigjmp_buf on the caller's
 * stack), performs plain loads or stores, and disarms the guard.  If the
 * access faults, the kernel delivers SIGSEGV or SIGBUS to the faulting
 * thread; on_fault() finds the armed guard, records the fault and
 * siglongjmp()s back into the guarded function, which reports it.
 *
 * The cost of a guarded access that does not fault is a sigsetjmp() that
 * does not save the signal mask (no system call) plus two thread-local
 * stores, a few nanoseconds.  A fault costs the kernel's signal delivery,
 * about a microsecond or two.
 *
 * Rules that keep this correct:
 *   - Only the instructions between arm() and disarm() may fault into the
 *     guard, and they never call anything that locks or allocates.
 *   - The handler is installed with SA_NODEFER, so jumping out of it leaves
 *     SIGSEGV unblocked; caught() unblocks it anyway in case the fault
 *     reached us through another handler that blocked it.
 *   - SA_ONSTACK: faulthandler relies on an alternate stack to report stack
 *     overflows, and a handler in front of it must not take that away.
 *   - A fault with no armed guard in its thread is not ours.  on_fault()
 *     steps aside: it puts the handler it displaced back in its place (or
 *     the default action) and returns, so the instruction faults again and
 *     the kernel delivers the fault to that handler, with that handler's
 *     own flags, mask and stack: crashes elsewhere are reported exactly as
 *     they would be without hexray, and handlers that recover from their
 *     own faults keep doing so.  The next guarded access sees that hexray
 *     stepped aside (a plain load) and puts its handler back in front.
 *   - The handlers hexray displaced form a short chain, the most recent
 *     first.  If the one it stepped aside for hands the fault back to
 *     hexray's handler (it chains to the handler it displaced, which was
 *     hexray's), hexray steps aside once more, for the next one: the fault
 *     moves down the chain and never goes round in a loop.
 */
#define _GNU_SOURCE 1
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One guard per guarded access, on the stack of the thread making it. */
typedef struct {
    sigjmp_buf env;
    volatile int signo;
    volatile int code;
    volatile uintptr_t address;
} guard_t;

/* The guard armed in this thread, if any.  The initial-exec TLS model makes
   reading it from the signal handler a plain load; the default model for a
   shared object may call __tls_get_addr, which can allocate. */
static __thread guard_t *volatile armed
    __attribute__((tls_model("initial-exec")));

/* The two signals a bad memory access raises. */
static const int fault_signals[2] = {SIGSEGV, SIGBUS};

/* The handlers ours displaced, most recent first.  There are two copies so
   that re-installing never rewrites the copy a signal handler may be
   reading in another thread. */
#define CHAIN_LENGTH 8
typedef struct {
    struct sigaction handlers[CHAIN_LENGTH];
    int count;
} chain_t;
static chain_t chains[2][2];    /* [copy][SIGSEGV, SIGBUS] */
static volatile sig_atomic_t chain_copy;

/* Per signal: 0 while hexray's handler is in front; k after it stepped
   aside for handler k - 1 of the chain (k - 1 == count: the default). */
static volatile sig_atomic_t stepped_aside[2];

static size_t page_size;
static uintptr_t lowest_mappable;

#define BARRIER() __atomic_signal_fence(__ATOMIC_SEQ_CST)


/* ----------------------------------------------------------------------
   The signal handler */

static int
slot_of(int signo)
{
    return signo == SIGBUS ? 1 : 0;
}

static void
set_default(struct sigaction *action)
{
    memset(action, 0, sizeof(*action));
    action->sa_handler = SIG_DFL;
    sigemptyset(&action->sa_mask);
}

/* Put handler `hop` of the chain (the default action past its end) in
   hexray's place, for a fault that is not ours.  When the handler returns,
   the faulting instruction runs again and the kernel delivers the fault to
   that handler itself.  A signal that was sent (kill, raise) does not
   repeat by itself, so it is sent again. */
static void
step_aside(int signo, const siginfo_t *info, int hop)
{
    const chain_t *chain = &chains[chain_copy][slot_of(signo)];
    struct sigaction dfl;
    const struct sigaction *next = &dfl;

    set_default(&dfl);
    if (hop < chain->count) {
        next = &chain->handlers[hop];
    }
    stepped_aside[slot_of(signo)] = hop + 1;
    (void)sigaction(signo, next, NULL);
    if (info->si_code <= 0) {
        (void)raise(signo);
    }
}

static void
on_fault(int signo, siginfo_t *info, void *context)
{
    guard_t *guard = armed;

    (void)context;
    if (guard != NULL) {
        armed = NULL;
        guard->signo = signo;
        guard->code = info->si_code;
        guard->address = (uintptr_t)info->si_addr;
        siglongjmp(guard->env, 1);
    }
    /* Called although hexray stepped aside: the handler it stepped aside
       for passed the fault back.  Go on to the next one. */
    step_aside(signo, info, stepped_aside[slot_of(signo)]);
}


/* ----------------------------------------------------------------------
   Installing and removing the handler */

static int
is_ours(const struct sigaction *action)
{
    return (action->sa_flags & SA_SIGINFO) && action->sa_sigaction == on_fault;
}

static uintptr_t
read_mmap_min_addr(void)
{
    char text[32];
    ssize_t n;
    int fd = open("/proc/sys/vm/mmap_min_addr", O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return 0;
    }
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    text[n] = '\0';
    return (uintptr_t)strtoull(text, NULL, 10);
}

static void
learn_the_machine(void)
{
    long size;

    if (page_size != 0) {
        return;
    }
    size = sysconf(_SC_PAGESIZE);
    page_size = size > 0 ? (size_t)size : 4096;
    /* Nothing can ever be mapped below vm.mmap_min_addr; the first page is
       never mapped even where that setting cannot be read. */
    lowest_mappable = read_mmap_min_addr();
    if (lowest_mappable < page_size) {
        lowest_mappable = page_size;
    }
}

/* Publish a new chain for each signal, then start using it. */
static void
publish(const chain_t next[2])
{
    int copy = !chain_copy;

    chains[copy][0] = next[0];
    chains[copy][1] = next[1];
    chain_copy = copy;
}

static int
same_handler(const struct sigaction *a, const struct sigaction *b)
{
    if ((a->sa_flags & SA_SIGINFO) != (b->sa_flags & SA_SIGINFO)) {
        return 0;
    }
    return (a->sa_flags & SA_SIGINFO) ? a->sa_sigaction == b->sa_sigaction
                                      : a->sa_handler == b->sa_handler;
}

/* Whether `current` is the handler hexray stepped aside for on signal i. */
static int
stepped_aside_for(int i, const struct sigaction *current)
{
    const chain_t *chain = &chains[chain_copy][i];
    int hop = (int)stepped_aside[i] - 1;
    struct sigaction dfl;

    if (hop < 0) {
        return 0;
    }
    if (hop >= chain->count) {
        set_default(&dfl);
        return same_handler(current, &dfl);
    }
    return same_handler(current, &chain->handlers[hop]);
}

int
hx_guard_install(void)
{
    struct sigaction ours, current[2];
    chain_t next[2];
    int i, in_front = 1;

    learn_the_machine();
    for (i = 0; i < 2; i++) {
        if (sigaction(fault_signals[i], NULL, &current[i]) != 0) {
            return -1;
        }
        in_front = in_front && is_ours(&current[i]);
    }
    if (in_front) {
        stepped_aside[0] = stepped_aside[1] = 0;
        return 0;
    }
    /* A handler that displaced ours comes first in the chain; handlers it
       may pass faults to stay behind it.  The one hexray stepped aside for
       is in the chain already. */
    for (i = 0; i < 2; i++) {
        next[i] = chains[chain_copy][i];
        if (!is_ours(&current[i]) && !stepped_aside_for(i, &current[i])) {
            memmove(&next[i].handlers[1], &next[i].handlers[0],
                    (CHAIN_LENGTH - 1) * sizeof(struct sigaction));
            next[i].handlers[0] = current[i];
            if (next[i].count < CHAIN_LENGTH) {
                next[i].count++;
            }
        }
    }
    publish(next);

    memset(&ours, 0, sizeof(ours));
    ours.sa_sigaction = on_fault;
    ours.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    for (i = 0; i < 2; i++) {
        if (!is_ours(&current[i])
            && sigaction(fault_signals[i], &ours, NULL) != 0) {
            return -1;
        }
        stepped_aside[i] = 0;
    }
    return 0;
}

/* After stepping aside for a fault that was not ours, go back in front. */
static void
come_back(void)
{
    if (stepped_aside[0] || stepped_aside[1]) {
        (void)hx_guard_install();
    }
}

int
hx_guard_active(void)
{
    struct sigaction current;
    int i;

    come_back();
    for (i = 0; i < 2; i++) {
        if (sigaction(fault_signals[i], NULL, &current) != 0
            || !is_ours(&current)) {
            return 0;
        }
    }
    return 1;
}

int
hx_guard_uninstall(void)
{
    struct sigaction dfl;
    chain_t next[2];
    int i;

    if (!hx_guard_active()) {
        return 0;
    }
    set_default(&dfl);
    for (i = 0; i < 2; i++) {
        next[i] = chains[chain_copy][i];
        (void)sigaction(fault_signals[i],
                        next[i].count > 0 ? &next[i].handlers[0] : &dfl, NULL);
        if (next[i].count > 0) {
            memmove(&next[i].handlers[0], &next[i].handlers[1],
                    (CHAIN_LENGTH - 1) * sizeof(struct sigaction));
            next[i].count--;
        }
    }
    publish(next);
    return 1;
}

size_t
hx_page_size(void)
{
    learn_the_machine();
    return page_size;
}

uintptr_t
hx_lowest_mappable(void)
{
    learn_the_machine();
    return lowest_mappable;
}


/* ----------------------------------------------------------------------
   Guarded accesses */

/* One guarded operation.  Everything the code after a fault needs lives in
   this struct, in memory, so nothing is lost to registers that siglongjmp()
   does not restore. */
typedef struct {
    guard_t guard;
    enum { COPY_IN, COPY_OUT, TOUCH } what;
    hx_access access;       /* TOUCH: read or write */
    uintptr_t address;      /* the foreign memory */
    void *buffer;           /* COPY_IN: where to; COPY_OUT: where from */
    size_t size;
    volatile int copying;   /* COPY_OUT: every page proved writable */
    volatile uintptr_t touching;    /* the byte being touched */
} job_t;

/* Touch one byte in every page of the job's range, in ascending order, so
   that the first touch to fault is at the first bad byte.  A write touch is
   an atomic OR with zero: it needs write access, as a store does, but
   leaves the byte as it was even if another thread changes it meanwhile. */
static void
touch_pages(job_t *job, hx_access access)
{
    uintptr_t last = job->address + (job->size - 1);
    uintptr_t at = job->address;

    for (;;) {
        volatile unsigned char *byte = (volatile unsigned char *)at;
        uintptr_t next_page;

        job->touching = at;
        BARRIER();
        if (access == HX_WRITE) {
            (void)__atomic_fetch_or(byte, 0, __ATOMIC_RELAXED);
        }
        else {
            (void)*byte;
        }
        next_page = (at & ~(uintptr_t)(page_size - 1)) + page_size;
        if (next_page == 0 || next_page > last) {
            break;
        }
        at = next_page;
    }
}

static inline void
arm(guard_t *guard)
{
    armed = guard;
    BARRIER();
}

static inline void
disarm(void)
{
    BARRIER();
    armed = NULL;
}

/* The accesses themselves: the only code that runs with a guard armed. */
static __attribute__((noinline)) void
perform(job_t *job)
{
    switch (job->what) {
    case COPY_IN:
        memcpy(job->buffer, (const void *)job->address, job->size);
        break;
    case COPY_OUT:
        touch_pages(job, HX_WRITE);
        job->copying = 1;
        BARRIER();
        memmove((void *)job->address, job->buffer, job->size);
        break;
    case TOUCH:
        touch_pages(job, job->access);
        break;
    }
}

/* Refuse ranges no access could succeed on, without taking a fault. */
static int
refused(uintptr_t address, size_t n, hx_fault *fault)
{
    learn_the_machine();
    fault->signo = 0;
    fault->partial = 0;
    fault->address = address;
    if (n - 1 > UINTPTR_MAX - address) {
        fault->code = HX_REFUSED_WRAPS;
        return 1;
    }
    if (address < lowest_mappable) {
        fault->code = HX_REFUSED_NULL_PAGE;
        return 1;
    }
    return 0;
}

/* Back from the signal handler: describe the fault. */
static void
describe(const job_t *job, hx_fault *fault)
{
    sigset_t signals;

    /* If the fault reached us through another handler that blocked the
       signal, it is still blocked in this thread: unblock it. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGSEGV);
    sigaddset(&signals, SIGBUS);
    (void)pthread_sigmask(SIG_UNBLOCK, &signals, NULL);

    fault->signo = job->guard.signo;
    fault->code = job->guard.code;
    fault->partial = job->copying;
    if (job->what == TOUCH || (job->what == COPY_OUT && !job->copying)) {
        /* Touches go in ascending order: this is the first bad byte, even
           where si_addr says nothing (SI_KERNEL: a non-canonical address;
           si_code <= 0: re-raised by another handler). */
        fault->address = job->touching;
    }
    else if (job->guard.code > 0 && job->guard.code != SI_KERNEL) {
        fault->address = job->guard.address;
    }
    else {
        fault->address = job->address;
    }
}

static int run(job_t *job, hx_fault *fault);

/* A copy faults wherever its loads happen to fault, which need not be the
   first bad byte of the range: find that one by touching the range in
   order.  (If the touches all succeed, the memory changed meanwhile and
   the copy's own fault stands.) */
static void
locate_first_bad_byte(const job_t *copy, hx_fault *fault)
{
    job_t probe;
    hx_fault first;

    probe.what = TOUCH;
    probe.access = HX_READ;
    probe.address = copy->address;
    probe.buffer = NULL;
    probe.size = copy->size;
    if (run(&probe, &first) < 0) {
        *fault = first;
    }
}

/* Run a job under a guard: 0, or -1 with *fault describing the fault. */
static int
run(job_t *job, hx_fault *fault)
{
    if (job->size == 0) {
        return 0;
    }
    if (refused(job->address, job->size, fault)) {
        return -1;
    }
    come_back();
    job->copying = 0;
    job->touching = job->address;
    if (sigsetjmp(job->guard.env, 0) != 0) {
        describe(job, fault);
        if (job->what == COPY_IN) {
            locate_first_bad_byte(job, fault);
        }
        return -1;
    }
    arm(&job->guard);
    perform(job);
    disarm();
    return 0;
}

int
hx_read(void *dst, uintptr_t src, size_t n, hx_fault *fault)
{
    job_t job;

    job.what = COPY_IN;
    job.address = src;
    job.buffer = dst;
    job.size = n;
    return run(&job, fault);
}

int
hx_write(uintptr_t dst, const void *src, size_t n, hx_fault *fault)
{
    job_t job;

    job.what = COPY_OUT;
    job.address = dst;
    job.buffer = (void *)src;  /* only read from */
    job.size = n;
    return run(&job, fault);
}

int
hx_probe(uintptr_t address, size_t n, hx_access access, hx_fault *fault)
{
    job_t job;

    job.what = TOUCH;
    job.access = access;
    job.address = address;
    job.buffer = NULL;
    job.size = n;
    return run(&job, fault);
}

long
hx_read_cstring(char *dst, size_t cap, uintptr_t src, hx_fault *fault)
{
    size_t length = 0;

    learn_the_machine();
    while (length + 1 < cap) {
        uintptr_t at = src + length;
        size_t chunk = page_size - (at & (page_size - 1));
        char *nul;

        if (chunk > cap - 1 - length) {
            chunk = cap - 1 - length;
        }
        if (hx_read(dst + length, at, chunk, fault) < 0) {
            return -1;
        }
        nul = memchr(dst + length, '\0', chunk);
        if (nul != NULL) {
            return (long)(nul - dst);
        }
        length += chunk;
    }
    dst[length] = '\0';
    return (long)length;
}
