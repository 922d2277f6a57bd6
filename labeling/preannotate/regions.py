"""Candidate regions and the token-range helpers every rule module shares.

Rules work in token ranges `[i, j)` and emit character offsets, so that a
span never starts or ends on whitespace (token boundaries never do).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

import numpy
from spacy.attrs import ENT_TYPE, LOWER, POS
from spacy.symbols import PROPN
from spacy.tokens import Doc, Span, Token

from .scores import SCORES

# Left out at the start of every ACTOR/SOURCE span (guidelines: determiners and quantifiers).
ARTICLES = frozenset(
    {
        "the",
        "a",
        "an",
        "this",
        "these",
        "those",
        "its",
        "our",
        "their",
        "his",
        "her",
        "my",
        "your",
        "one",
        "two",
        "three",
        "four",
        "five",
        "several",
        "some",
        "many",
        "both",
    }
)
# Datelines: "KYIV, March 4 - ", "TAMPA, Fla., July 8 - ", "JAKARTA (Reuters) - ",
# "MOSCOW, March 2 (TASS) - ", "ERBIL, Kurdistan Region - " and live-blog "09:12 – ":
# a line opening with a place in capitals, optional ", <place or date>" parts and
# an agency in brackets, then a dash. Spans never start inside or run across them.
DATELINE = re.compile(
    r"(?m)^(?:[A-ZÀ-Þ][A-ZÀ-Þ.'’/-]+(?:[ \t][A-ZÀ-Þ][A-ZÀ-Þ.'’/-]+)*(?:,[ \t]*[A-Z0-9][\w.'’ ]*?)*(?:[ \t]*\([A-Z][\w .-]*\))?"
    r"|\d{1,2}:\d{2})[ \t]+[-–—][ \t]*"
)
LINE_BREAK = re.compile(r"\n\s*")  # a line break and the blank space after it
_BARRIERS = "conflict_barriers"
_TEXT = "conflict_text"
PRONOUN_TAGS = frozenset({"PRP", "PRP$", "WP"})
POSSESSIVE_MARKS = frozenset({"'s", "’s"})  # the tokens spaCy splits off "Chad's"


class Region(NamedTuple):
    start: int  # char offset, inclusive
    end: int  # char offset, exclusive
    label: str
    score: float  # SCORES[rule]
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
        if not last and quotes % 2 == 1 and j < len(doc) and doc[j].text in QUOTE_MARKS:
            j += 1  # the parser left a closing mark outside the clause
            continue
        if first and last and quotes == 2:
            i, j = i + 1, j - 1
        elif first and quotes % 2 == 1:
            i += 1
        elif last and quotes % 2 == 1:
            j -= 1
        else:
            return i, j


def region(doc: Doc, i: int, j: int, label: str, rule: str, *, articles: bool = True, marks: bool = False, keep: str = "last") -> Region | None:
    """A region over tokens [i, j), trimmed; if a line break or dateline falls inside, only the `keep` side stays."""
    i, j = trim(doc, i, j, articles=articles, marks=marks)
    if i >= j:
        return None
    start, end = chars(doc, i, j)
    breaks, datelines = barriers(doc)
    cuts = [b for b in breaks if start < b < end]
    if cuts:
        if keep == "last":
            while i < j and doc[i].idx < cuts[-1]:
                i += 1
        else:
            while j > i and doc[j - 1].idx >= cuts[0]:
                j -= 1
        return region(doc, i, j, label, rule, articles=articles, marks=marks, keep=keep) if i < j else None
    if any(s <= start and end <= e for s, e in datelines):
        return None
    return Region(start, end, label, SCORES[rule], rule)


def doc_text(doc: Doc) -> str:
    """doc.text, built once while the component runs (spaCy joins every token's text on each access)."""
    text = doc.user_data.get(_TEXT)
    if text is None:
        text = doc.user_data[_TEXT] = doc.text
    return text


def barriers(doc: Doc) -> tuple[list[int], list[tuple[int, int]]]:
    """(offsets no span may run across, dateline ranges); cached on the Doc while the component runs."""
    cached = doc.user_data.get(_BARRIERS)
    if cached is None:
        text = doc_text(doc)
        datelines = [(m.start(), m.end()) for m in DATELINE.finditer(text)]
        cached = (sorted([m.end() for m in LINE_BREAK.finditer(text)] + [e for _, e in datelines]), datelines)
        doc.user_data[_BARRIERS] = cached
    return cached


def token_indices(doc: Doc, ids: frozenset[int]) -> list[int]:
    """Indices of the tokens whose lower-cased form is in `ids` (string hashes), found without making a Token per word."""
    if not ids:
        return []
    wanted = _id_array(ids)
    return numpy.flatnonzero(numpy.isin(doc.to_array(LOWER), wanted)).tolist()


def propn_outside_ents(doc: Doc) -> list[int]:
    """Indices of proper nouns outside every named entity."""
    arr = doc.to_array([POS, ENT_TYPE])
    return numpy.flatnonzero((arr[:, 0] == PROPN) & (arr[:, 1] == 0)).tolist()


_ID_ARRAYS: dict[frozenset[int], numpy.ndarray] = {}


def _id_array(ids: frozenset[int]) -> numpy.ndarray:
    arr = _ID_ARRAYS.get(ids)
    if arr is None:
        arr = _ID_ARRAYS[ids] = numpy.fromiter(ids, dtype=numpy.uint64, count=len(ids))
    return arr


def clear_caches(doc: Doc) -> None:
    """Drop what doc_text and barriers cached, so worker processes do not ship it back."""
    doc.user_data.pop(_BARRIERS, None)
    doc.user_data.pop(_TEXT, None)


def outside_datelines(doc: Doc, r: Region) -> bool:
    return not any(s < r.end and r.start < e for s, e in barriers(doc)[1])


def text_region(text: str, start: int, end: int, label: str, rule: str) -> Region | None:
    """A region over raw characters (quote contents, marks excluded): trimmed of spaces only."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Region(start, end, label, SCORES[rule], rule) if start < end else None


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
    return Span(doc, i, j, label=token.ent_type)


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
