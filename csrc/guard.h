/* guard.h - hexray's fault-safe core.
 *
 * Every read or write of memory that hexray does not own goes through the
 * functions below.  They run the access under a per-thread guard: if the
 * access faults (SIGSEGV or SIGBUS), hexray's signal handler jumps back into
 * the function, which then reports the fault instead of letting the process
 * die.  Faults that happen anywhere else are passed on to whichever handler
 * was installed before hexray's (faulthandler's, say), or to the default
 * action, exactly as if hexray were not there.
 *
 * Nothing in this file touches the Python C API, so the guarded regions
 * never take a lock or allocate.
 */
#ifndef HEXRAY_GUARD_H
#define HEXRAY_GUARD_H

#include <stddef.h>
#include <stdint.h>

typedef enum { HX_READ = 0, HX_WRITE = 1 } hx_access;

/* Why an access was refused without touching memory (hx_fault.signo == 0). */
enum {
    HX_REFUSED_NULL_PAGE = 1,   /* below vm.mmap_min_addr: never mapped */
    HX_REFUSED_WRAPS = 2        /* the range runs past the top of memory */
};

/* What went wrong with an access. */
typedef struct {
    uintptr_t address;  /* first address that could not be accessed */
    int signo;          /* SIGSEGV or SIGBUS; 0 if refused before access */
    int code;           /* the fault's si_code, or an HX_REFUSED_* value */
    int partial;        /* a write faulted after it had begun copying */
} hx_fault;

/* Install the fault handler (idempotent).  0 on success, -1 with errno. */
int hx_guard_install(void);
/* Put back the handler that was in place before hexray's.  Only does so if
   hexray's handler is the one installed; returns 1 if it removed it. */
int hx_guard_uninstall(void);
/* 1 if the kernel currently calls hexray's handler for SIGSEGV and SIGBUS. */
int hx_guard_active(void);

/* The system page size, and the lowest address that can ever be mapped. */
size_t hx_page_size(void);
uintptr_t hx_lowest_mappable(void);

/* Copy n bytes from src to dst (hexray-owned).  0, or -1 with *fault set. */
int hx_read(void *dst, uintptr_t src, size_t n, hx_fault *fault);

/* hx_read() for callers that need no details: 0, or -1. */
static inline int
hx_peek(uintptr_t src, void *dst, size_t n)
{
    hx_fault fault;

    return hx_read(dst, src, n, &fault);
}

/* Copy n bytes from src (hexray-owned) to dst.  Every page of the
   destination is checked for write access first, so a refused write changes
   nothing.  0, or -1 with *fault set. */
int hx_write(uintptr_t dst, const void *src, size_t n, hx_fault *fault);

/* Check that every byte of [address, address + n) can be read (or, with
   HX_WRITE, written) without changing memory.  0, or -1 with *fault set. */
int hx_probe(uintptr_t address, size_t n, hx_access access, hx_fault *fault);

/* Read a NUL-terminated string of at most cap - 1 bytes from src into dst,
   never reading past the page that holds the terminating NUL.  Returns its
   length, cap - 1 if no NUL came first (dst is still terminated), or -1
   with *fault set. */
long hx_read_cstring(char *dst, size_t cap, uintptr_t src, hx_fault *fault);

#endif /* HEXRAY_GUARD_H */
