/* render.h - the Layout object, shared by layout.c and render.c. */
#ifndef HEXRAY_RENDER_H
#define HEXRAY_RENDER_H

#include "layout.h"

typedef struct {
    PyObject_HEAD
    PyObject *object;       /* the object described (owned), or NULL */
    PyObject *owner;        /* a block's object (owned), or NULL */
    PyTypeObject *type;     /* the object's type (owned), or NULL */
    uintptr_t address;      /* where offset 0 is */
    Py_ssize_t start, end;  /* the extent, relative to address */
    PyObject *raw;          /* bytes of the extent; NULL for a schema */
    hx_field *fields;       /* owned (PyMem) */
    Py_ssize_t count;
    PyObject *cache;        /* tuple of Field objects, once asked for */
    const char *title;      /* static, or the (owned) type's tp_name */
    const char *kind;       /* "object", "block", "memory" or "schema" */
    PyObject *note;         /* str or NULL */
    PyObject *region;       /* Region of raw memory, or NULL */
    hx_text_chunk *texts;   /* text the fields borrow (owned) */
} hx_LayoutObject;

/* A field's bytes in the layout's snapshot, and as integers. */
const unsigned char *hx_bytes_of(hx_LayoutObject *layout, const hx_field *f);
uint64_t hx_unsigned_of(const unsigned char *p, Py_ssize_t size);
int64_t hx_signed_of(const unsigned char *p, Py_ssize_t size);

/* The name of the i-th tp_flags bit this CPython defines (and the bit in
   *flag), or NULL past the last. */
const char *hx_type_flag_name(size_t i, unsigned long *flag);

/* A field's name, as a new str. */
PyObject *hx_field_name(const hx_field *f);

/* The decoded value of a field (new reference).  *note receives a new str
   saying what was wrong with the memory, or NULL. */
PyObject *hx_field_value(hx_LayoutObject *layout, const hx_field *f,
                         PyObject **note);

/* The field's meaning, its format filled in, with what the value implies
   (immortality, flag names). */
PyObject *hx_field_meaning(hx_LayoutObject *layout, const hx_field *f,
                           PyObject *value);

/* The annotated dump of a layout: 8-byte words per row, or 16 bytes per
   row; ANSI colours if color; at most max_rows rows (< 0: all). */
PyObject *hx_render(hx_LayoutObject *layout, int bytes_mode, int color,
                    Py_ssize_t max_rows);

#endif /* HEXRAY_RENDER_H */
