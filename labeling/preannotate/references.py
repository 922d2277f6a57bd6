"""ACTOR regions the named-entity recogniser cannot give: gazetteer names, definite descriptions, later references.

- Gazetteer: names and aliases from configs/actors.toml, tagged by the
  `actor_ruler` span_ruler ("ISIS", "Daesh", "CENTCOM"), plus a group noun
  right after them ("ISIS fighters").
- Definite descriptions: an organisation noun of configs/cues.toml that
  refers to one specific organisation ("the coalition", "coalition forces",
  "the global coalition", "Syria's regime"); the determiner stays out. A
  headline drops it: "..., army says".
- Within-document references: an acronym in brackets right after a named
  actor ("Syrian Democratic Forces (SDF)") and a named person's surname
  ("Usamah al-Muhajir" ... "al-Muhajir") are ACTORs wherever they recur; an
  acronym keeps a group noun after it ("SDF fighters").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.tokens import Doc

from .actors import group_head
from .cues import Cues
from .regions import Region, barriers, doc_text, region
from .scores import SCORES

NAMES_KEY = "actor_names"
_ACRONYM = re.compile(r"[ \t]*\(([A-Z][A-Za-z0-9&'.-]*[A-Z0-9])\)")
_DESCRIPTION_LEFT = frozenset({"amod", "compound", "poss", "nmod", "npadvmod", "case"})
_NAMED_ENTS = frozenset({"ORG", "PERSON", "GPE", "NORP", "FAC", "LOC"})
# Arabic-style name particles: "al-Muhajir" is also referred to as "Muhajir".
_PARTICLES = ("al-", "el-")


def overlaps(r: Region | tuple[int, int], others: Iterable[Region]) -> bool:
    start, end = r[0], r[1]
    return any(o.start < end and start < o.end for o in others)


def gazetteer_regions(doc: Doc, cues: Cues, weapons: list[Region]) -> list[Region]:
    out = []
    for span in doc.spans.get(NAMES_KEY, []):
        group = group_head(span, cues)
        end = group.i + 1 if group is not None else span.end
        r = region(doc, span.start, end, "ACTOR", "actor-gazetteer")
        if r and not overlaps(r, weapons):
            out.append(r)
    return out


def description_regions(doc: Doc, cues: Cues, weapons: list[Region]) -> list[Region]:
    out = []
    org_ids = cues.org_ids
    headline_end = doc_text(doc).find("\n")  # headlines drop the article: "..., army says"
    for tok in doc:  # compare hashes: making token.lower_ strings for every token is the slow part
        if tok.lower not in org_ids or tok.pos_ not in ("NOUN", "PROPN") or (tok.ent_type_ in _NAMED_ENTS and not tok.is_lower):
            continue  # a lower-case word the NER took for a name stays a description: "the junta's navy"
        if any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.children):
            continue  # "a coalition of rebel groups": a kind, not the organisation
        if tok.i + 1 < len(doc) and doc[tok.i + 1].pos_ == "PROPN" and doc[tok.i + 1].text[:1].isupper() and not doc[tok.i + 1].is_sent_start:
            continue  # "the gang alliance Viv Ansanm": the name that follows is the actor
        end = tok.i + 1
        head = tok.head
        if tok.dep_ == "compound" and head.i == tok.i + 1:
            if tok.lower_ not in cues.bare_org_nouns and not tok.text[0].isupper():
                continue  # "government officials": any government's
            if head.lower_ in cues.group_nouns:
                end = head.i + 1  # "coalition forces"
        elif not (
            tok.text[0].isupper()
            or any(c.dep_ == "poss" or (c.dep_ == "det" and c.lower_ == "the") for c in tok.children)
            or (tok.idx < headline_end and not any(c.dep_ == "det" for c in tok.children))
        ):
            continue  # "a regime", "any coalition": not one specific organisation
        start = tok.i
        for c in tok.lefts:
            if c.dep_ in _DESCRIPTION_LEFT:
                start = min(start, c.left_edge.i)
        r = region(doc, start, end, "ACTOR", "actor-description")
        if r and not overlaps(r, weapons):
            out.append(r)
    return out


def reference_regions(doc: Doc, actors: list[Region], cues: Cues, weapons: list[Region]) -> list[Region]:
    """Acronyms introduced in brackets after an actor, and surnames of named people, wherever they occur."""
    text = doc_text(doc)
    aliases: dict[str, str] = {}  # alias -> rule
    for r in actors:
        m = _ACRONYM.match(text, r.end)
        if m:
            aliases.setdefault(m.group(1), "actor-acronym")
        if r.rule == "actor-person":
            words = text[r.start : r.end].split()
            if len(words) >= 2 and (words[-1][:1].isupper() or words[-1][:3].lower() in _PARTICLES):
                for form in _surname_forms(words[-1]):
                    aliases.setdefault(form, "actor-surname")
    if not aliases:
        return []
    datelines = barriers(doc)[1]
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True)) + r")(?![\w-])")
    out = []
    for m in pattern.finditer(text):
        rule = aliases[m.group(1)]
        end = m.end()
        span = doc.char_span(m.start(), end) if rule == "actor-acronym" else None
        group = group_head(span, cues) if span is not None else None
        if group is not None:
            end = group.idx + len(group)  # "NPA fighters", as for any named group
        r = Region(m.start(), end, "ACTOR", SCORES[rule], rule)
        if not overlaps(r, weapons) and not overlaps(r, [Region(s, e, "", 0, "") for s, e in datelines]):
            out.append(r)
    return out


def _surname_forms(word: str) -> list[str]:
    word = word.removesuffix("'s").removesuffix("’s")
    forms = [word, word[:1].upper() + word[1:]]
    if word[:3].lower() in _PARTICLES and len(word) > 4:
        forms.append(word[3:])
    return [f for f in forms if len(f) > 2]
