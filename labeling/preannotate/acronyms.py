"""Names an article defines with an acronym in brackets: one ACTOR for the name, one for each use of the acronym.

"The Libyan National Army (LNA)", "the Defence and Security Forces (FDS)",
"the UN Organization Stabilization Mission in the Democratic Republic of
the Congo (MONUSCO)": the NER often cuts such names ("National Liberation
Army" out of "West Papua National Liberation Army") or runs into the
bracket. The definition itself tells where the name ends, and its start is
the run of capitalised words before it, joined by the small words names
are made of ("of", "for", "and", "in the", "People's", hyphens).

- The leading article and a possessive country stay out: "South Korea's
  Joint Chiefs of Staff (JCS)" -> "Joint Chiefs of Staff" (the country is
  its own actor); a sentence's first common noun too: "Troops of the ...".
- An outlet is not an actor: "the Korean Central News Agency (KCNA)".
- Later uses of the acronym are found by references.py, which takes every
  bracketed acronym right after an actor.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Token

from .cues import Cues
from .references import overlaps
from .regions import POSSESSIVE_MARKS, Region, doc_text, region

_DEFINITION = re.compile(r"\(([A-Z][A-Za-z0-9&'.-]*[A-Z0-9])\)")
# Small words inside a name: "Front for Change and Concord in Chad", "Forces Armées de ...".
_JOINERS = frozenset({"of", "for", "and", "in", "the", "de", "du", "des", "la", "le", "el", "al", "e", "on", "&"})


def defined_name_regions(doc: Doc, cues: Cues, weapons: list[Region]) -> list[Region]:
    text = doc_text(doc)
    out = []
    for m in _DEFINITION.finditer(text):
        if sum(c.isupper() for c in m.group(1)) < 2:
            continue  # "(Reuters)" is a credit, not an acronym
        span = doc.char_span(m.start(), m.start() + 1)
        if span is None or span.start == 0:
            continue
        end = span.start
        start = _name_start(doc, end)
        if start is None:
            continue
        words = [t.text for t in doc[start:end]]
        if cues.is_media(" ".join(words), words):
            continue
        r = region(doc, start, end, "ACTOR", "actor-defined")
        if r and not overlaps(r, weapons):
            out.append(r)
    return out


def _name_start(doc: Doc, end: int) -> int | None:
    """The first capitalised token of the name ending at `end` (exclusive), or None if there is none."""
    start = None
    k = end - 1
    while k >= 0:
        tok = doc[k]
        if _capitalised(tok):
            start = k
        elif not (_hyphen(tok) or tok.lower_ in _JOINERS or (tok.lower_ in POSSESSIVE_MARKS and k > 0 and doc[k - 1].ent_type_ not in ("GPE", "LOC"))):
            break  # joiners count only between capitalised words: "People's", not "South Korea's"
        k -= 1
    return start


def _capitalised(tok: Token) -> bool:
    """A capitalised word of a name; not "The", nor a sentence's first common noun ("Troops of the ...")."""
    if not tok.text[:1].isupper() or not tok.text.replace("-", "").replace(".", "").isalnum() or tok.lower_ == "the":
        return False
    return not (tok.is_sent_start and tok.pos_ in ("DET", "NOUN", "PRON", "ADP"))


def _hyphen(tok: Token) -> bool:
    """A hyphen inside a word: "Inter-Services", "Tehreek-e-Taliban"."""
    doc = tok.doc
    return tok.text == "-" and tok.i > 0 and not doc[tok.i - 1].whitespace_ and not tok.whitespace_
