/* maps.c - the process's memory mappings, from /proc/self/maps.
 *
 * Each line of /proc/self/maps reads
 *     start-end perms offset major:minor inode [path]
 * e.g. "7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 0   [heap]".
 */
#include "hexray.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static PyTypeObject *RegionType;

static PyStructSequence_Field region_fields[] = {
    {"start", "first address of the mapping"},
    {"end", "first address past the mapping"},
    {"size", "end - start, in bytes"},
    {"perms", "permissions as /proc shows them, e.g. 'r-xp'"},
    {"readable", "the mapping can be read"},
    {"writable", "the mapping can be written"},
    {"executable", "the mapping can be executed"},
    {"shared", "writes are shared with other mappings of the file"},
    {"offset", "offset in the mapped file"},
    {"device", "device of the mapped file, 'major:minor'"},
    {"inode", "inode of the mapped file, 0 if none"},
    {"path", "mapped file or pseudo-name such as '[heap]'; '' if anonymous"},
    {"kind", "'heap', 'stack', 'executable', 'library', 'file', "
             "'anonymous', 'vdso', 'vvar', 'vsyscall' or 'special'"},
    {NULL, NULL}
};

static PyStructSequence_Desc region_desc = {
    "hexray.Region",
    "A memory mapping of this process, as /proc/self/maps describes it.",
    region_fields,
    13,
};

/* One parsed line. */
typedef struct {
    unsigned long long start, end, offset, inode;
    char perms[8];
    char device[16];
    const char *path;   /* points into the line; NUL-terminated */
} mapping_t;

/* Read a whole /proc file (its size is unknown until read) into a
   PyMem_Malloc'ed, NUL-terminated buffer. */
static char *
read_proc_file(const char *name)
{
    size_t capacity = 64 * 1024, length = 0;
    char *text = PyMem_Malloc(capacity), *bigger;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        PyErr_SetFromErrnoWithFilename(PyExc_OSError, name);
        PyMem_Free(text);
        return NULL;
    }
    if (text == NULL) {
        close(fd);
        return (char *)PyErr_NoMemory();
    }
    for (;;) {
        if (capacity - length < 4096) {
            bigger = PyMem_Realloc(text, capacity * 2);
            if (bigger == NULL) {
                PyMem_Free(text);
                close(fd);
                return (char *)PyErr_NoMemory();
            }
            text = bigger;
            capacity *= 2;
        }
        n = read(fd, text + length, capacity - length - 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        length += (size_t)n;
    }
    if (n < 0) {
        PyErr_SetFromErrnoWithFilename(PyExc_OSError, name);
        PyMem_Free(text);
        close(fd);
        return NULL;
    }
    close(fd);
    text[length] = '\0';
    return text;
}

/* Parse one line (NUL-terminated, no newline).  Returns 0, or -1 if the
   line does not look like a mapping. */
static int
parse_line(char *line, mapping_t *m)
{
    int consumed = 0;

    if (sscanf(line, "%llx-%llx %7s %llx %15s %llu %n", &m->start, &m->end,
               m->perms, &m->offset, m->device, &m->inode, &consumed) < 6) {
        return -1;
    }
    m->path = line + consumed;
    return 0;
}

static int
ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), k = strlen(suffix);
    return n >= k && strcmp(text + n - k, suffix) == 0;
}

/* A shared library's path ends in ".so" or has ".so." before its version. */
static int
is_library(const char *path)
{
    const char *base = strrchr(path, '/');

    base = base == NULL ? path : base + 1;
    return strstr(base, ".so.") != NULL || ends_with(base, ".so")
           || strstr(base, ".so (deleted)") != NULL;
}

static const char *
kind_of(const mapping_t *m, const char *executable)
{
    const char *path = m->path;

    if (path[0] == '\0' || strncmp(path, "[anon", 5) == 0) {
        return "anonymous";
    }
    if (strcmp(path, "[heap]") == 0) {
        return "heap";
    }
    if (strncmp(path, "[stack", 6) == 0) {
        return "stack";
    }
    if (strcmp(path, "[vdso]") == 0) {
        return "vdso";
    }
    if (strncmp(path, "[vvar", 5) == 0) {
        return "vvar";
    }
    if (strcmp(path, "[vsyscall]") == 0) {
        return "vsyscall";
    }
    if (path[0] == '[') {
        return "special";
    }
    if (executable[0] != '\0' && strcmp(path, executable) == 0) {
        return "executable";
    }
    return is_library(path) ? "library" : "file";
}

static PyObject *
new_region(const mapping_t *m, const char *executable)
{
    PyObject *region = PyStructSequence_New(RegionType);
    PyObject *items[13];
    int i, ok = 1;

    if (region == NULL) {
        return NULL;
    }
    items[0] = PyLong_FromUnsignedLongLong(m->start);
    items[1] = PyLong_FromUnsignedLongLong(m->end);
    items[2] = PyLong_FromUnsignedLongLong(m->end - m->start);
    items[3] = PyUnicode_FromString(m->perms);
    items[4] = PyBool_FromLong(m->perms[0] == 'r');
    items[5] = PyBool_FromLong(m->perms[1] == 'w');
    items[6] = PyBool_FromLong(m->perms[2] == 'x');
    items[7] = PyBool_FromLong(m->perms[3] == 's');
    items[8] = PyLong_FromUnsignedLongLong(m->offset);
    items[9] = PyUnicode_FromString(m->device);
    items[10] = PyLong_FromUnsignedLongLong(m->inode);
    items[11] = PyUnicode_DecodeFSDefault(m->path);
    items[12] = PyUnicode_FromString(kind_of(m, executable));
    for (i = 0; i < 13; i++) {
        if (items[i] == NULL) {
            ok = 0;
            continue;
        }
        /* The struct sequence takes over the reference. */
        PyStructSequence_SET_ITEM(region, i, items[i]);
    }
    if (!ok) {
        Py_DECREF(region);
        return NULL;
    }
    return region;
}

/* Call visit(mapping, context) for each mapping, in address order, until it
   returns non-zero.  Returns that value, 0 at the end, or -1 on error. */
typedef int (*visit_fn)(const mapping_t *, const char *, void *);

static int
each_mapping(visit_fn visit, void *context)
{
    char executable[4096];
    char *text, *line, *next;
    ssize_t n;
    mapping_t m;
    int result = 0;

    n = readlink("/proc/self/exe", executable, sizeof(executable) - 1);
    executable[n > 0 ? n : 0] = '\0';
    text = read_proc_file("/proc/self/maps");
    if (text == NULL) {
        return -1;
    }
    for (line = text; result == 0 && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        else {
            next = line + strlen(line);
        }
        if (parse_line(line, &m) == 0) {
            result = visit(&m, executable, context);
        }
    }
    PyMem_Free(text);
    return result;
}

static int
append_region(const mapping_t *m, const char *executable, void *list)
{
    PyObject *region = new_region(m, executable);
    int status;

    if (region == NULL) {
        return -1;
    }
    status = PyList_Append((PyObject *)list, region);
    Py_DECREF(region);
    return status;
}

PyDoc_STRVAR(regions_doc,
"regions()\n--\n\n"
"Every memory mapping of this process, in address order, as a list of\n"
"hexray.Region.");

static PyObject *
regions(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(unused))
{
    PyObject *list = PyList_New(0);

    if (list != NULL && each_mapping(append_region, list) < 0) {
        Py_CLEAR(list);
    }
    return list;
}

typedef struct {
    unsigned long long address;
    PyObject *found;
} search_t;

static int
match_region(const mapping_t *m, const char *executable, void *context)
{
    search_t *search = context;

    if (search->address < m->start) {
        return 1;  /* mappings are sorted: no later one can hold it */
    }
    if (search->address >= m->end) {
        return 0;
    }
    search->found = new_region(m, executable);
    return search->found == NULL ? -1 : 1;
}

PyObject *
hx_region_of(uintptr_t address)
{
    search_t search = {0, NULL};

    search.address = address;
    if (each_mapping(match_region, &search) < 0) {
        return NULL;
    }
    if (search.found == NULL) {
        Py_RETURN_NONE;
    }
    return search.found;
}

PyDoc_STRVAR(region_of_doc,
"region_of(address, /)\n--\n\n"
"The hexray.Region that holds address, or None if no mapping does.");

static PyObject *
region_of(PyObject *Py_UNUSED(module), PyObject *arg)
{
    uintptr_t address;

    if (hx_parse_address(arg, &address) < 0) {
        return NULL;
    }
    return hx_region_of(address);
}

int
hx_maps_init(PyObject *module)
{
    RegionType = PyStructSequence_NewType(&region_desc);
    if (RegionType == NULL) {
        return -1;
    }
    Py_INCREF(RegionType);
    if (PyModule_AddObject(module, "Region", (PyObject *)RegionType) < 0) {
        Py_DECREF(RegionType);
        return -1;
    }
    return 0;
}

PyMethodDef hx_maps_methods[] = {
    {"regions", regions, METH_NOARGS, regions_doc},
    {"region_of", region_of, METH_O, region_of_doc},
    {NULL, NULL, 0, NULL}
};
