"""dump() and dumps(): annotated hexdumps of objects, and what they point to.

The layouts and their text come from the C core (Layout.render); this module
only decides which layouts to show, and in which format.
"""

from __future__ import annotations

import json
import os
import sys
from collections import deque
from typing import Any, TextIO

from hexray._hexray import HexrayError, Layout, layout, layout_at

_MISSING = object()

#: At most this many layouts are shown when following pointers.
FOLLOW_LIMIT = 64


def _root(obj: Any, address: int | None, size: int | None) -> Layout:
    if address is None:
        if obj is _MISSING:
            raise TypeError("dump() needs an object, or address=")
        return layout(obj)
    if obj is not _MISSING:
        raise TypeError("dump() takes an object or address=, not both")
    return layout_at(address) if size is None else layout_at(address, size)


def _reachable(root: Layout, depth: int,
               limit: int) -> tuple[list[Layout], int]:
    """The root, then what it points to, breadth first.

    Blocks an object owns (a list's item array, a dict's keys) belong to
    the object: following into them costs no depth.  Each step to another
    object costs one.  ob_type and other on-request pointers are skipped.
    """
    found = [root]
    if depth <= 0:
        return found, 0
    seen = {(root.address, root.kind)}
    queue = deque([(root, 0)])
    skipped = 0
    while queue:
        current, hops = queue.popleft()
        for field in current.fields:
            if field.follows is None or field.on_request or not field.pointer:
                continue
            cost = hops + 1 if field.follows == "object" else hops
            key = (field.pointer, "object" if field.follows == "object"
                   else "block")
            if cost > depth or key in seen:
                continue
            seen.add(key)
            if len(found) >= limit:
                skipped += 1
                continue
            try:
                target = field.follow()
            except HexrayError:
                continue    # a pointer the memory does not back: not shown
            found.append(target)
            queue.append((target, cost))
    return found, skipped


def dumps(obj: Any = _MISSING, *, address: int | None = None,
          size: int | None = None, follow: bool = False,
          depth: int | None = None, bytes: bool = False, color: bool = False,
          format: str = "text", rows: int | None = 64,
          limit: int = FOLLOW_LIMIT) -> str:
    """The annotated hexdump of obj (or of the memory at address), as text.

    follow=True also dumps what obj points to: the blocks it owns (a list's
    item array, a dict's keys and values, a string's data) and the objects
    they hold.  depth=N follows N steps from object to object instead.
    bytes=True shows 16 single bytes per row instead of 8-byte words.
    format="json" gives the layouts as JSON.  rows limits the rows of each
    dump (None: all); limit, the number of layouts.
    """
    if (address is None and obj is not _MISSING and not follow and not depth
            and format == "text"):
        return layout(obj).render(bytes, color, rows)   # the common case
    root = _root(obj, address, size)
    if depth is None:
        depth = 1 if follow else 0
    if depth <= 0 and format == "text":
        return root.render(bytes, color, rows)
    layouts, skipped = _reachable(root, depth, limit)
    if format == "json":
        document = root.to_dict()
        if len(layouts) > 1 or skipped:
            document["followed"] = [each.to_dict() for each in layouts[1:]]
            document["not_shown"] = skipped
        return json.dumps(document, indent=2)
    if format != "text":
        raise ValueError("format must be 'text' or 'json', not %r" % (format,))
    text = "\n".join(each.render(bytes=bytes, color=color, rows=rows)
                     for each in layouts)
    if skipped:
        text += "\n... %d more layouts not shown (limit=%d)\n" % (skipped, limit)
    return text


def _wants_color(file: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(file, "isatty", None)
    return bool(isatty and isatty())


def dump(obj: Any = _MISSING, *, address: int | None = None,
         size: int | None = None, follow: bool = False,
         depth: int | None = None, bytes: bool = False,
         color: bool | None = None, format: str = "text",
         rows: int | None = 64, limit: int = FOLLOW_LIMIT,
         file: TextIO | None = None) -> None:
    """Print the annotated hexdump of obj (or of the memory at address).

    Takes the arguments of dumps(), and file (default sys.stdout).  color
    defaults to whether file is a terminal (and NO_COLOR is not set).
    """
    file = sys.stdout if file is None else file
    if color is None:
        color = format == "text" and _wants_color(file)
    text = dumps(obj, address=address, size=size, follow=follow, depth=depth,
                 bytes=bytes, color=color, format=format, rows=rows,
                 limit=limit)
    file.write(text if text.endswith("\n") else text + "\n")
