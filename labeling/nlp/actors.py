"""ACTOR regions from the pipeline's named entities, by the scheme's rules.

- PERSON and ORG are actors, except media outlets (they only report) and
  entities the weapon rules own ("MQ-9 Reaper" is often tagged ORG).
- A country, capital or building (GPE, FAC) is an actor only when it acts:
  the subject of a verb or the agent of a passive ("by Russia"). As the object
  of "in", "over", "near" it is a place.
- A named modifier plus a group noun is one actor: "Russian forces",
  "ISIS fighters", "Kurdish special forces".
- A rank or title directly before a person's name is kept: "Gen. Michael Erik Kurilla".
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from .cues import Cues
from .regions import Region, region

SCORE_PERSON = 0.85
SCORE_ORG = 0.8
SCORE_GROUP = 0.75  # "<named modifier> <group noun>"
SCORE_AGENT = 0.7  # a country or building acting: depends on the parse
_AGENT_DEPS = frozenset({"nsubj"})


def actor_regions(doc: Doc, cues: Cues, weapons: list[Region]) -> list[Region]:
    out: list[Region] = []
    for ent in doc.ents:
        r = actor_for_entity(ent, cues, weapons)
        if r:
            out.append(r)
    return out


def actor_for_entity(ent: Span, cues: Cues, weapons: list[Region], *, as_source: bool = False) -> Region | None:
    """The ACTOR region for an entity, or None. `as_source`: it is the subject of a cue (so it acts)."""
    label = ent.label_
    if any(w.start < ent.end_char and ent.start_char < w.end for w in weapons):
        return None
    if not any(t.is_alpha for t in ent) or (label == "PERSON" and any(t.like_num or any(c.isdigit() for c in t.text) for t in ent)):
        return None
    doc = ent.doc
    start, end = ent.start, ent.end
    group = _group_head(ent, cues)
    if group is not None:
        return region(doc, start, group.i + 1, "ACTOR", SCORE_GROUP, "actor-group")
    if label in cues.actor_always:
        if label == "ORG" and cues.is_media(ent.text, [t.text for t in ent]):
            return None
        if label == "PERSON":
            start = _title_start(doc, start, cues)
            return region(doc, start, end, "ACTOR", SCORE_PERSON, "actor-person")
        return region(doc, start, end, "ACTOR", SCORE_ORG, "actor-org")
    acting = as_source or _acts(ent.root)
    if label in cues.actor_when_agent and acting:
        return region(doc, start, end, "ACTOR", SCORE_AGENT, "actor-agent")
    # "The Russians" as subject; "Russian" as an adjective is not an actor.
    if label in cues.actor_nationality and acting and ent.root.tag_ in ("NNPS", "NNP", "NNS"):
        return region(doc, start, end, "ACTOR", SCORE_AGENT, "actor-agent")
    return None


def _acts(tok: Token) -> bool:
    # Follow coordination: in "Russia and Iran agreed" Iran is a conj of the subject.
    while tok.dep_ == "conj" and tok.head is not tok:
        tok = tok.head
    if tok.dep_ in _AGENT_DEPS:
        return True
    return tok.dep_ == "pobj" and tok.head.dep_ == "agent"


def _group_head(ent: Span, cues: Cues) -> Token | None:
    """The group noun an entity modifies ("forces" in "Russian forces"), if every word between is a modifier of it."""
    root = ent.root
    if root.dep_ not in ("amod", "compound", "nmod"):
        return None
    head = root.head
    if head.i < ent.end or head.lower_ not in cues.group_nouns:
        return None
    for t in ent.doc[ent.end : head.i]:
        if t.head.i != head.i or t.dep_ not in ("amod", "compound"):
            return None
    return head


def _title_start(doc: Doc, start: int, cues: Cues) -> int:
    """Walk left over capitalised ranks and titles: "Rear Admiral Oleg Gurinov"."""
    while start > 0:
        prev = doc[start - 1]
        if prev.lower_ in cues.titles and prev.text[:1].isupper():
            start -= 1
        else:
            break
    return start
