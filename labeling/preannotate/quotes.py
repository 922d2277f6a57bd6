"""Quotations: paired marks, quotes over several paragraphs, a cue-less quote after a cue, a quote after its cue.

An `Attribution` is what the rules in attribution.py build: CLAIM regions and
the SOURCE regions (with their head tokens) they are attributed to.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from spacy.tokens import Token

from .regions import Region, text_region

_QUOTE_OR_LINE = re.compile(r'["“”\n]')
_GAP_AFTER = re.compile(r"[\s,:]*")
_GAP_QUOTE_END = re.compile(r"[\s.]*")
_GAP_AFTER_END = re.compile(r".*[,:]\s*", re.S)
# 'described X as "Q"', 'calling it "Q"': the quote needs no comma or colon before it.
_NAMING = frozenset({"described", "describes", "describe", "describing", "calling"})


@dataclass
class Attribution:
    claims: list[Region] = field(default_factory=list)
    sources: list[tuple[Region, int]] = field(default_factory=list)  # (region, head token index)
    sentence_end: int = -1  # where the cue's sentence ends: a quote right after it with no cue is the speaker's too


def find_quotes(text: str) -> list[tuple[int, int]]:
    """(open, close) offsets of paired quotation marks; pairs never cross a line break."""
    out: list[tuple[int, int]] = []
    opened: int | None = None
    for m in _QUOTE_OR_LINE.finditer(text):
        ch = m.group()
        if ch == "\n":
            opened = None
        elif opened is None and ch != "”":
            opened = m.start()
        elif opened is not None and ch != "“":
            out.append((opened, m.start()))
            opened = None
        elif ch == "“":  # a new opening mark: the earlier one was never closed
            opened = m.start()
    return out


def attach_following_quotes(text: str, quotes: list[tuple[int, int]], found: list[Attribution]) -> None:
    """'"Q1," X said. "Q2."': a quote that follows a cue's sentence in the same paragraph, cue-less, is X's too."""
    taken = [(c.start, c.end) for att in found for c in att.claims]
    ends = {att.sentence_end: att for att in found if att.sentence_end >= 0}
    for q_open, q_close in quotes:
        if any(s <= q_open < e or q_open < s <= q_close for s, e in taken):
            continue
        k = q_open
        while k > 0 and text[k - 1] in " \t":
            k -= 1
        att = ends.get(k)
        if att is None or not _GAP_QUOTE_END.fullmatch(text, q_close + 1, _line_end(text, q_close)):
            continue  # the quote must end its paragraph (or be followed only by another such quote)
        r = text_region(text, q_open + 1, q_close, "CLAIM", "claim-quote")
        if r:
            att.claims.append(r)
            ends[q_close + 1] = att
            taken.append((r.start, r.end))


def _line_end(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j


def attach_run_on_quotes(text: str, found: list[Attribution]) -> None:
    """A quote over paragraphs: each opens with a mark, only the last closes; all belong to the last one's cue."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    by_start = {c.start: att for att in found for c in att.claims if c.rule == "claim-quote"}
    for (a, b), (c, _) in reversed(list(itertools.pairwise(lines))):
        line, nxt = text[a:b], text[c : c + 1]
        if line[:1] not in ('"', "“") or nxt not in ('"', "“") or len(_QUOTE_OR_LINE.findall(line)) != 1:
            continue
        att = by_start.get(c + 1)
        r = text_region(text, a + 1, b, "CLAIM", "claim-quote")
        if att is None or r is None:
            continue
        att.claims.append(r)
        by_start[r.start] = att


def quote_follows(v: Token, text: str, cue_end: int, q_open: int) -> bool:
    """A quote right after the cue: 'X said, "Q"', 'X told CNN: "Q"'."""
    if _GAP_AFTER.fullmatch(text, cue_end, q_open):
        return True
    between: list[Token] = []
    for t in v.doc[v.i + 1 :]:
        if t.idx >= q_open or len(between) > 8:
            break
        if t.idx >= cue_end:
            between.append(t)
    return (
        0 < len(between) <= 8
        and all(t.is_punct or v.is_ancestor(t) for t in between)
        and all(t.dep_ != "ccomp" for t in between)
        and (v.lower_ in _NAMING or _GAP_AFTER_END.fullmatch(text, cue_end, q_open) is not None)
    )
