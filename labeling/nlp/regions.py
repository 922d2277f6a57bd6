"""Candidate regions and the token-range helpers every rule module shares.

Rules work in token ranges `[i, j)` and emit character offsets, so that a
span never starts or ends on whitespace (token boundaries never do).
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from spacy.tokens import Doc, Token

ARTICLES = frozenset({"the", "a", "an"})
PRONOUN_TAGS = frozenset({"PRP", "PRP$", "WP"})


class Region(NamedTuple):
    start: int  # char offset, inclusive
    end: int  # char offset, exclusive
    label: str
    score: float
    rule: str  # which rule proposed it; the score belongs to the rule kind

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.label)


def chars(doc: Doc, i: int, j: int) -> tuple[int, int]:
    """Character offsets of tokens [i, j)."""
    last = doc[j - 1]
    return doc[i].idx, last.idx + len(last.text)


QUOTE_MARKS = frozenset({'"', "“", "”", "''", "``"})


def trim(doc: Doc, i: int, j: int, *, articles: bool = True, marks: bool = False) -> tuple[int, int]:
    """Shrink [i, j) past edge punctuation and spaces, leading articles (names) or a leading "that" (clauses).

    Quotation marks are dropped only in pairs or when unbalanced, so a claim
    never ends up with half of a quoted phrase's marks.
    """
    def droppable(t, leading: bool) -> bool:
        if t.is_space or (t.is_punct and t.text not in QUOTE_MARKS):
            return True
        return leading and ((articles and t.lower_ in ARTICLES) or (marks and t.dep_ == "mark"))

    while True:
        while i < j and droppable(doc[i], True):
            i += 1
        while j > i and (droppable(doc[j - 1], False) or doc[j - 1].tag_ == "POS"):
            j -= 1
        if i >= j:
            return i, j
        first, last = doc[i].text in QUOTE_MARKS, doc[j - 1].text in QUOTE_MARKS
        if not (first or last):
            return i, j
        quotes = sum(doc[k].text in QUOTE_MARKS for k in range(i, j))
        if first and last and quotes == 2:
            i, j = i + 1, j - 1
        elif first and quotes % 2 == 1:
            i += 1
        elif last and quotes % 2 == 1:
            j -= 1
        else:
            return i, j


def region(doc: Doc, i: int, j: int, label: str, score: float, rule: str, *, articles: bool = True, marks: bool = False) -> Region | None:
    i, j = trim(doc, i, j, articles=articles, marks=marks)
    if i >= j:
        return None
    start, end = chars(doc, i, j)
    return Region(start, end, label, score, rule)


def text_region(text: str, start: int, end: int, label: str, score: float, rule: str) -> Region | None:
    """A region over raw characters (quotes): trimmed of spaces and a trailing comma."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return Region(start, end, label, score, rule) if start < end else None


def ent_of(token: Token):
    """The named entity a token belongs to, or None."""
    if not token.ent_type_:
        return None
    doc = token.doc
    i = token.i
    while i > 0 and doc[i].ent_iob_ == "I":
        i -= 1
    j = token.i + 1
    while j < len(doc) and doc[j].ent_iob_ == "I":
        j += 1
    return doc[i:j]


def resolve(regions: Iterable[Region]) -> list[Region]:
    """Within one label keep non-overlapping regions: higher score first, then longer, then earlier.

    Identical regions proposed by several rules merge (the best score wins).
    """
    best: dict[tuple[int, int, str], Region] = {}
    for r in regions:
        old = best.get(r.key)
        if old is None or r.score > old.score:
            best[r.key] = r
    kept: list[Region] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for r in sorted(best.values(), key=lambda r: (-r.score, r.start - r.end, r.start, r.label)):
        spans = taken.setdefault(r.label, [])
        if any(r.start < e and s < r.end for s, e in spans):
            continue
        spans.append((r.start, r.end))
        kept.append(r)
    return sorted(kept, key=lambda r: (r.start, r.end, r.label))
