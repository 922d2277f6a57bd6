"""Long documents cut into parts of at most `max_chars`, at the coarsest boundary that fits."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..records import Document


def split_document(doc: Document, max_chars: int) -> list[Document]:
    """Parts of at most max_chars, cut at the coarsest boundary that fits."""
    pieces = list(_pieces(doc.text, 0, len(doc.text), max_chars, 0))
    return [
        Document.make(
            f"{doc.id}#p{k}",
            doc.text[s:e],
            {**doc.meta, "parent_id": doc.id, "part": k, "part_offset": s},
            doc.origin,
        )
        for k, (s, e) in enumerate(pieces, 1)
    ]


_BOUNDARIES = (re.compile(r"\n[ \t]*\n\s*"), re.compile(r"\n\s*"), re.compile(r"\s+"))


def _pieces(text: str, start: int, end: int, limit: int, level: int) -> Iterator[tuple[int, int]]:
    """Greedy packing of the units between boundaries of one level; oversize units go a level finer."""
    if level == len(_BOUNDARIES):
        for s in range(start, end, limit):  # no boundary at all: hard cut
            yield s, min(s + limit, end)
        return
    units, pos = [], start
    for m in _BOUNDARIES[level].finditer(text, start, end):
        if m.start() > pos:
            units.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        units.append((pos, end))
    cur: tuple[int, int] | None = None
    for s, e in units:
        if e - s > limit:
            if cur:
                yield cur
                cur = None
            yield from _pieces(text, s, e, limit, level + 1)
        elif cur and e - cur[0] <= limit:
            cur = (cur[0], e)
        else:
            if cur:
                yield cur
            cur = (s, e)
    if cur:
        yield cur
