"""WEAPON regions from the span ruler's parts (configs/weapons.jsonl).

The ruler tags *parts* (its pattern labels); this module joins adjacent parts
into one WEAPON, so "Sukhoi SU-35 fighter jet" is one span while "Russian"
(never a part) stays outside, as the scheme asks.

Part roles:
  TYPE   weapon noun or phrase, a weapon on its own ("drone", "car bomb")
  MODEL  a designator or name that is a weapon on its own ("HIMARS", "MQ-9")
  NAME   a model name that is also an everyday word ("Reaper", "Patriot")
  SHAPE  anything shaped like a designator ("KX-77", "M777")
  HEAD   a noun that is a weapon only next to a designator ("fighter", "systems")
  MOD    a type word that belongs before a type noun ("glide", "naval", "155mm")
  MAKER  a manufacturer before a designator ("Sukhoi")
  NOT    a phrase that vetoes the parts inside it ("think tank", "anti-tank")
"""

from __future__ import annotations

from spacy.tokens import Doc

from .regions import Region, chars
from .scores import SCORES

PARTS_KEY = "weapon_parts"
ROLES = ("MODEL", "TYPE", "NAME", "SHAPE", "HEAD", "MOD", "MAKER")
_PRIORITY = {role: n for n, role in enumerate(ROLES)}
# Named entities that can contain a weapon word without naming a weapon
# ("Strategic Rocket Forces"); a part strictly inside one is dropped.
_NAME_ENTS = frozenset({"ORG", "GPE", "FAC", "PERSON", "WORK_OF_ART", "EVENT", "LAW", "NORP", "LOC"})
# A bare type noun before one of these names people, not a weapon: "a drone operator", "drone pilots".
_ROLE_NOUNS = frozenset({"operator", "operators", "pilot", "pilots", "maker", "makers", "manufacturer", "manufacturers", "instructor", "instructors"})


def weapon_regions(doc: Doc, ents) -> list[Region]:
    parts = doc.spans.get(PARTS_KEY, [])
    vetoes = [(p.start, p.end) for p in parts if p.label_ == "NOT"]
    inside_name = [(e.start, e.end) for e in ents if e.label_ in _NAME_ENTS]
    candidates = []
    for p in parts:
        if p.label_ not in _PRIORITY:
            continue
        if any(s <= p.start and p.end <= e for s, e in vetoes):
            continue
        if any(s <= p.start and p.end <= e and (e - s) > (p.end - p.start) for s, e in inside_name) and p.label_ == "TYPE":
            continue
        candidates.append((p.start, p.end, p.label_))
    # Longest part wins, then the more specific role: "rocket launchers" over "rocket".
    chosen: list[tuple[int, int, str]] = []
    for s, e, role in sorted(candidates, key=lambda c: (c[0] - c[1], _PRIORITY[c[2]], c[0])):
        if all(e <= cs or ce <= s for cs, ce, _ in chosen):
            chosen.append((s, e, role))
    chosen.sort()
    out: list[Region] = []
    chunk: list[tuple[int, int, str]] = []
    for part in [*chosen, (-1, -1, "")]:
        if chunk and part[0] == chunk[-1][1]:
            chunk.append(part)
            continue
        if chunk:
            r = _chunk_region(doc, chunk)
            if r:
                out.append(r)
        chunk = [part]
    return out


def _chunk_region(doc: Doc, chunk: list[tuple[int, int, str]]) -> Region | None:
    # A leading head noun, or a trailing maker or modifier, belongs to something else.
    while chunk and chunk[0][2] == "HEAD":
        chunk = chunk[1:]
    while chunk and chunk[-1][2] in ("MAKER", "MOD"):
        chunk = chunk[:-1]
    if not chunk:
        return None
    roles = {role for _, _, role in chunk}
    after = chunk[-1][1]
    if roles == {"TYPE"} and after < len(doc) and doc[after].lower_ in _ROLE_NOUNS:
        return None  # "a drone operator with the brigade"
    if "MODEL" in roles:
        rule = "weapon-model"
    elif "TYPE" in roles:
        typed_shape = bool(roles & {"SHAPE", "NAME"})
        rule = "weapon-shape" if typed_shape else "weapon-type"
    elif len(chunk) >= 2 and (roles & {"SHAPE", "NAME"} or (chunk[-1][2] == "HEAD" and "MOD" in roles)):
        rule = "weapon-named"
    else:
        return None
    start, end = chars(doc, chunk[0][0], chunk[-1][1])
    return Region(start, end, "WEAPON", SCORES[rule], rule)
