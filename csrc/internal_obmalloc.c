/* internal_obmalloc.c - pymalloc's pools, as object_at() uses them.
 *
 * pymalloc hands out small blocks (up to 512 bytes) from pools of one size
 * class each; a pool is aligned to its size and starts with a header.  If
 * the pool an address would belong to has a header whose fields all agree
 * with one another, the address lies in pymalloc memory, and the block
 * that holds it starts at a computable place.  A live object starts at a
 * block's start, after its pre-header: an address elsewhere in a block is
 * the inside of something else.
 *
 * The pool structures are in Include/internal/pycore_obmalloc.h from 3.12
 * and private to Objects/obmalloc.c before (declared in private.h).
 */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE_MODULE 1
#include <Python.h>

#if PY_VERSION_HEX >= 0x030C0000
#  include <stdbool.h>      /* 3.13's pycore_obmalloc.h needs bool */
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wunused-parameter"
#  include "internal/pycore_obmalloc.h"
#  pragma GCC diagnostic pop
typedef struct pool_header pool_header_t;
#  define POOL_COUNT(pool) ((pool)->ref.count)
#else
#  include "private.h"
typedef struct hx_pool_header pool_header_t;
#  define POOL_SIZE ((uintptr_t)1 << HX_POOL_BITS)
#  define ALIGNMENT_SHIFT HX_ALIGNMENT_SHIFT
#  define NB_SMALL_SIZE_CLASSES \
    (HX_SMALL_REQUEST_THRESHOLD >> HX_ALIGNMENT_SHIFT)
#  define POOL_OVERHEAD                                                 \
    _Py_SIZE_ROUND_UP(sizeof(pool_header_t), (size_t)1 << HX_ALIGNMENT_SHIFT)
#  define POOL_COUNT(pool) ((pool)->ref.count)
#endif

#include "hexray.h"

/* Whether pymalloc serves PyObject_Malloc with its blocks undecorated (no
   debug hooks, not PYTHONMALLOC=malloc): -1 until known. */
static int pools_usable = -1;

/* The header of the pool address would lie in, if it looks like one. */
static int
read_pool(uintptr_t address, pool_header_t *pool, uintptr_t *base,
          size_t *block_size)
{
    size_t size;

    *base = address & ~((uintptr_t)POOL_SIZE - 1);
    if (hx_peek(*base, pool, sizeof(*pool)) < 0
        || pool->szidx >= NB_SMALL_SIZE_CLASSES) {
        return 0;
    }
    size = (size_t)(pool->szidx + 1) << ALIGNMENT_SHIFT;
    if (pool->maxnextoffset != POOL_SIZE - size
        || pool->nextoffset > pool->maxnextoffset + size
        || pool->nextoffset < POOL_OVERHEAD
        || (pool->nextoffset - POOL_OVERHEAD) % size != 0
        || POOL_COUNT(pool) > (POOL_SIZE - POOL_OVERHEAD) / size) {
        return 0;
    }
    *block_size = size;
    return 1;
}

/* 1 with the start of the block that holds address, in the pool at base
   whose blocks are `size` bytes; 0 if address lies in the pool header. */
static int
block_in(uintptr_t base, size_t size, uintptr_t address, uintptr_t *block)
{
    if (address < base + POOL_OVERHEAD) {
        return 0;
    }
    *block = address - (address - base - POOL_OVERHEAD) % size;
    return 1;
}

/* 1 if address lies in a block of a pymalloc pool, with the block's start
   and size; 0 if it does not (or pymalloc is not what allocates objects:
   then nothing can be said). */
static int
block_of(uintptr_t address, uintptr_t *block, size_t *size)
{
    pool_header_t pool;
    uintptr_t base;

    return read_pool(address, &pool, &base, size)
           && block_in(base, *size, address, block);
}

static int
usable(void)
{
    void *probe;
    uintptr_t block;
    size_t size;

    if (pools_usable < 0) {
        probe = PyObject_Malloc(1);
        pools_usable = probe != NULL
                       && block_of((uintptr_t)probe, &block, &size)
                       && block == (uintptr_t)probe;
        PyObject_Free(probe);
    }
    return pools_usable;
}

/* 0 if what starts at `start` (its pre-header, then the object) could be
   a block pymalloc handed out, or if that cannot be told; -1 if the pool
   around it says it is the inside of another block (or of pool memory
   never handed out), with *block set to that block's start. */
int
hx_pymalloc_check(uintptr_t start, uintptr_t *block)
{
    pool_header_t pool;
    uintptr_t base;
    size_t size;

    if (!usable() || !read_pool(start, &pool, &base, &size)) {
        return 0;
    }
    if (!block_in(base, size, start, block)) {
        *block = base;          /* the pool header itself */
        return -1;
    }
    if (*block != start || start >= base + pool.nextoffset
        || POOL_COUNT(&pool) == 0) {
        return -1;
    }
    return 0;
}
