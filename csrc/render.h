/* render.h - the Layout object, shared by layout.c and render.c. */
#ifndef HEXRAY_RENDER_H
#define HEXRAY_RENDER_H

#include "layout.h"

typedef struct {
    PyObject_HEAD
    PyObject *object;       /* the object described (owned), or NULL */
    PyObject *owner;        /* a block's object (owned), or NULL */
    PyTypeObject *type;     /* the object's type (owned), or NULL */
    PyTypeObject *owner_type;   /* the owner's type then (owned), or NULL */
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

/* A field's bytes in the layout's snapshot (hx_unsigned_of and
   hx_signed_of, in layout.h, read them as integers). */
const unsigned char *hx_bytes_of(hx_LayoutObject *layout, const hx_field *f);

/* Whether `count` characters of `width` bytes (1, 2 or 4) are all code
   points, as PyUnicode_FromKindAndData needs: a str holds no UCS-4 value
   past U+10FFFF (CPython refuses one with a SystemError, not the
   ValueError of other bad input). */
int hx_valid_characters(const unsigned char *p, Py_ssize_t count, int width);

/* Room for what hx_meaning_extra() writes. */
#define HX_MEANING_EXTRA_SIZE 1024

/* What a field's bytes add to its meaning: the names of the set tp_flags
   bits (written into buf), or that a refcount is immortal; NULL if
   nothing, or in a schema. */
const char *hx_meaning_extra(hx_LayoutObject *layout, const hx_field *f,
                             char *buf, size_t size);

/* A field's name, as a new str. */
PyObject *hx_field_name(const hx_field *f);

/* The decoded value of a field (new reference).  *note receives a new str
   saying what was wrong with the memory, or NULL. */
PyObject *hx_field_value(hx_LayoutObject *layout, const hx_field *f,
                         PyObject **note);

/* The field's meaning, its format filled in, with what its bytes imply
   (hx_meaning_extra). */
PyObject *hx_field_meaning(hx_LayoutObject *layout, const hx_field *f);

/* values.c: what layouts show of the objects pointers lead to, read
   through the guarded core only.  `address` holds an object that
   hx_validate_typed_object() accepted, of type `type` (both may have
   changed since). */

/* The type's name, or "?" (at most cap - 1 bytes, NUL-terminated). */
void hx_type_name(PyTypeObject *type, char *name, size_t cap);

/* A private copy of an int, float, complex, str or bytes (exactly these
   types): new, equal to the object as its memory says.  *complete is 0 if
   only the start of a long str or bytes was copied.  NULL without an
   exception for other types and unreadable or implausible memory; NULL
   with one on failure. */
PyObject *hx_plain_copy(uintptr_t address, PyTypeObject *type,
                        int *complete);

/* The repr of a copy hx_plain_copy() made, cut as hx_object_text() cuts
   it.  A new str, or NULL with an exception set. */
PyObject *hx_copy_text(PyObject *copy, Py_ssize_t limit, int complete);

/* What a dump shows for the object: the repr of None, True, False,
   Ellipsis, NotImplemented and of a copy of a plain value; a known type
   as its class; else "<type object at 0x...>".  At most `limit`
   characters (a longer text is cut and ends in "...").  A new str, or
   NULL with an exception set. */
PyObject *hx_object_text(uintptr_t address, PyTypeObject *type,
                         Py_ssize_t limit);

/* The annotated dump of a layout: 8-byte words per row, or 16 bytes per
   row; ANSI colours if color; at most max_rows rows (< 0: all). */
PyObject *hx_render(hx_LayoutObject *layout, int bytes_mode, int color,
                    Py_ssize_t max_rows);

#endif /* HEXRAY_RENDER_H */
