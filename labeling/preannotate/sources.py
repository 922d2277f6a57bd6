"""SOURCE noun phrases: the extent of a cue's subject or a relay's object.

- A name keeps its ranks and titles; a nationality or possessive before a
  person's title stays out ("Ukrainian Defence Minister X" -> the minister).
- A description keeps its modifiers and its "of"/"for" phrase, not an
  appositive or a relative clause ("ministry's press service").
- An outlet named after a media word is the name ("the broadcaster Shabelle
  Voice"); a capitalised media word inside a name is part of it ("National
  News Agency").
- A description in apposition to a name gives way to the name ("its
  spokesman, Col. X, said" -> Col. X).
- Relays: X in "according to X", "citing X", "as quoted by X"; "a statement
  from X" -> X.
"""

from __future__ import annotations

from spacy.tokens import Token

from .actors import name_extent
from .cues import Cues
from .regions import PRONOUN_TAGS, Region, ent_of, region

_NP_LEFT = frozenset({"det", "compound", "amod", "nmod", "poss", "nummod", "quantmod"})
_NAME_ENTS = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"})


def relay_source(tok: Token, cues: Cues) -> Token | None:
    """X in "according to X", "citing X", "as quoted by X"; "a statement from X" -> X."""
    target = None
    lower = tok.lower_
    if lower in cues.according:
        to = next((c for c in tok.children if c.lower_ == "to"), None)
        target = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
    elif lower in cues.citing and tok.tag_ == "VBG":
        target = next((c for c in tok.children if c.dep_ in ("dobj", "pobj")), None)
    elif lower in cues.relay_participles and (any(c.dep_ == "mark" and c.lower_ == "as" for c in tok.children) or tok.head.lower_ in cues.statement_nouns):
        by = next((c for c in tok.children if c.dep_ == "agent"), None)
        target = next((c for c in by.children if c.dep_ == "pobj"), None) if by is not None else None
    if target is not None and target.lower_ in cues.statement_nouns:
        for c in target.children:
            if c.dep_ == "poss":
                return c
            if c.dep_ == "prep" and c.lower_ in ("from", "by", "of"):
                return next((g for g in c.children if g.dep_ == "pobj"), target)
    return target


def source_region(tok: Token, cues: Cues, rule: str) -> Region | None:
    # "the broadcaster Shabelle Voice", "the Frontera Viva monitor": the name; but a capitalised
    # descriptor inside a name is part of it ("Lebanon's National News Agency").
    if tok.lower_ in cues.media_descriptors and not (tok.text[:1].isupper() and tok.ent_type_):
        names = [c for c in tok.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"]
        if names:
            return region(tok.doc, names[0].left_edge.i, names[-1].i + 1, "SOURCE", rule)  # not "SANA news"
        tok = next((c for c in tok.children if c.dep_ == "appos" and c.pos_ == "PROPN"), tok)
    elif tok.pos_ == "NOUN" and not tok.ent_type_:
        # "its deputy spokesman, Col. X, said", "the NATO-led force, KFOR, said": the name the
        # description stands in apposition to is the SOURCE.
        tok = next((c for c in tok.children if c.dep_ == "appos" and c.pos_ == "PROPN"), tok)
    i, j = np_range(tok, cues)
    if not any(t.is_alpha for t in tok.doc[i:j]):
        return None  # an emoji or number the parser made a subject
    return region(tok.doc, i, j, "SOURCE", rule)


def np_range(tok: Token, cues: Cues) -> tuple[int, int]:
    """The noun phrase headed by tok: its name, modifiers and "of"/"for" phrase; no appositive or clause."""
    if tok.tag_ in PRONOUN_TAGS:
        return tok.i, tok.i + 1
    ent = ent_of(tok)
    if ent is None and tok.pos_ == "PROPN":  # "Oumar Sidibé Traoré" with only "Oumar Sidibé" tagged PERSON
        ent = next((ent_of(c) for c in tok.lefts if c.dep_ == "compound" and c.ent_type_ == "PERSON" and c.i == tok.i - 1), None)
    if ent is not None and ent.label_ in _NAME_ENTS:
        i, j = name_extent(ent, cues)
        if ent.label_ == "PERSON":
            return i, j  # nationality or possessive before the title stays out
    else:
        i, j = tok.i, tok.i + 1
    for c in tok.lefts:
        # "Lebanon's National News Agency" -> the agency; "ministry's press service" keeps its owner.
        if c.dep_ == "compound" and c.lower_ in cues.media_descriptors:
            continue  # "state news agency SANA" -> SANA
        if c.dep_ in _NP_LEFT and not (c.dep_ == "poss" and (c.tag_ in PRONOUN_TAGS or (c.ent_type_ and not tok.is_lower))):
            i = min(i, c.left_edge.i)
    for c in tok.rights:
        if c.dep_ == "compound" or (c.dep_ == "prep" and c.lower_ in ("of", "for")):
            j = max(j, c.right_edge.i + 1)
    return i, j
