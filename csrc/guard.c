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
 *   - A fault with no armed guard in its thread is not ours: it goes to the
 *     handler ours displaced, or to the default action, so crashes elsewhere
 *     are reported exactly as they would be without hexray.
 *   - Installing again over a handler that displaced ours puts that handler
 *     at the head of a short chain.  If it hands a fault back to us (it
 *     chains to the handler it displaced, ours), the fault moves on down the
 *     chain instead of going round in a loop.
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

/* The handlers ours displaced, most recent first: faults that are not ours
   go to handlers[0]; if that one hands the fault back to us (it chains to
   the handler it displaced, which is ours), it goes on to handlers[1], and
   so on, so passing a fault on never loops.  There are two copies so that
   re-installing never rewrites the copy a signal handler may be reading in
   another thread. */
#define CHAIN_LENGTH 8
typedef struct {
    struct sigaction handlers[CHAIN_LENGTH];
    int count;
} chain_t;
static chain_t chains[2][2];    /* [copy][SIGSEGV, SIGBUS] */
static volatile sig_atomic_t chain_copy;

/* While this thread hands a fault on: a local variable's address in the
   frame that does it, and which handler of the chain it called.  A fault
   that reaches on_fault() from deeper in the same stack came back to us
   through that handler. */
static __thread char *volatile passing_frame
    __attribute__((tls_model("initial-exec")));
static __thread volatile int passing_hop
    __attribute__((tls_model("initial-exec")));

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

/* No handler was installed before ours: restore the default action.  A
   fault then repeats when we return and kills the process as it would have
   without hexray; a signal that was sent (kill, raise) does not repeat, so
   it is sent again. */
static void
take_default_action(int signo, const siginfo_t *info)
{
    struct sigaction dfl;

    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    (void)sigaction(signo, &dfl, NULL);
    if (info->si_code <= 0) {
        (void)raise(signo);
    }
}

/* Hand a fault that is not ours to handler number `hop` of the chain. */
static void
pass_on(int signo, siginfo_t *info, void *context, int hop)
{
    const chain_t *chain = &chains[chain_copy][slot_of(signo)];
    const struct sigaction *next;
    char *outer_frame = passing_frame;
    int outer_hop = passing_hop;
    char here;

    if (hop >= chain->count) {
        take_default_action(signo, info);
        return;
    }
    next = &chain->handlers[hop];
    if ((next->sa_flags & SA_SIGINFO) ? next->sa_sigaction == NULL
        : (next->sa_handler == SIG_DFL || next->sa_handler == SIG_IGN)) {
        /* SIG_IGN cannot ignore a fault: the kernel would kill the process
           anyway, so it means SIG_DFL here too. */
        take_default_action(signo, info);
        return;
    }
    passing_frame = &here;
    passing_hop = hop;
    if (next->sa_flags & SA_SIGINFO) {
        next->sa_sigaction(signo, info, context);
    }
    else {
        next->sa_handler(signo);
    }
    passing_frame = outer_frame;
    passing_hop = outer_hop;
}

static void
on_fault(int signo, siginfo_t *info, void *context)
{
    guard_t *guard = armed;
    char here;
    int hop = 0;

    if (guard != NULL) {
        armed = NULL;
        guard->signo = signo;
        guard->code = info->si_code;
        guard->address = (uintptr_t)info->si_addr;
        siglongjmp(guard->env, 1);
    }
    /* Stacks grow down: deeper than the frame handing a fault on means that
       handler sent the fault back to us.  A frame left by a handler that
       jumped away instead of returning is above us and no longer counts. */
    if (passing_frame != NULL
        && (uintptr_t)&here < (uintptr_t)passing_frame) {
        hop = passing_hop + 1;
    }
    pass_on(signo, info, context, hop);
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

int
hx_guard_install(void)
{
    struct sigaction ours, current[2];
    chain_t next[2];
    int i;

    learn_the_machine();
    for (i = 0; i < 2; i++) {
        if (sigaction(fault_signals[i], NULL, &current[i]) != 0) {
            return -1;
        }
    }
    if (is_ours(&current[0]) && is_ours(&current[1])) {
        return 0;
    }
    /* The handler we displace comes first in the chain; handlers it may
       itself pass faults to stay behind it. */
    for (i = 0; i < 2; i++) {
        next[i] = chains[chain_copy][i];
        if (!is_ours(&current[i])) {
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
    }
    return 0;
}

int
hx_guard_active(void)
{
    struct sigaction current;
    int i;

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
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
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
    /* Code that arms a guard is not inside a signal handler: whatever a
       handler left behind by jumping away is stale. */
    passing_frame = NULL;
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
