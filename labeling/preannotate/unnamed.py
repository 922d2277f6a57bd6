"""ACTOR regions for names the NER left untagged (or tagged as something else), by their shape.

- A title or rank before capitalised names is a person: *Sgt. Denys Kravets*,
  *Rear Admiral Yoav Dorfman* (the small model calls the latter a
  WORK_OF_ART). Names the NER tagged as a person already win (higher score).
- An untagged proper noun that acts (the active subject of a verb, the agent
  of a passive) is a group the model has never seen: *Wazalendo attacked the
  camp*, *a raid by Ansaroul Islam*.
- A capitalised modifier before a group noun is a named group: *Ukrainian
  commanders*, *Turkish armed forces* (after a dateline the NER often loses
  the adjective), at most two lower-case adjectives between.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from .actors import PLATFORM_NOUNS
from .cues import Cues
from .places import document_places
from .references import overlaps
from .regions import Region, doc_text, propn_outside_ents, region, token_indices

# NER types a titled name may carry and still be a person the NER missed.
_PERSONISH = frozenset({"", "PERSON", "WORK_OF_ART", "NORP"})
_MODIFIER_TYPES = frozenset({"", "NORP"})
# Verbs whose subject is a scene, not an agent: "Sotk fell", "Gajiram remained under curfew".
_SCENE_VERBS = frozenset({"fell", "falls", "remained", "remains", "lies", "lay", "sits", "borders", "burned", "shook", "woke"})


def titled_name_regions(doc: Doc, cues: Cues, weapons: list[Region]) -> list[Region]:
    out = []
    n = len(doc)
    k = 0
    for start in token_indices(doc, cues.title_ids):
        if start < k:
            continue  # inside the previous match
        k = start
        tok = doc[k]
        if not tok.text[:1].isupper() or (k > 0 and _is_title(doc[k - 1], cues)):
            continue
        j = k
        while j < n and (_is_title(doc[j], cues) or (doc[j].text in (".", "-") and not doc[j - 1].whitespace_)):
            j += 1
        names = j
        while names < n and _name_word(doc[names], cues):
            names += 1
        if names > j and all(t.ent_type_ in _PERSONISH for t in doc[k:names]):
            r = region(doc, k, names, "ACTOR", "actor-titled")
            if r and not overlaps(r, weapons):
                out.append(r)
        k = max(names, k + 1)
    return out


def named_group_regions(doc: Doc, cues: Cues, weapons: list[Region]) -> list[Region]:
    out = []
    text = doc_text(doc)
    jets = any("fighter" in text[w.start : w.end].lower() for w in weapons)
    for i in token_indices(doc, cues.group_ids):
        tok = doc[i]
        if tok.pos_ != "NOUN" or tok.ent_type_ or (jets and tok.lower_ in PLATFORM_NOUNS):
            continue
        k = tok.i - 1
        while k >= 0 and tok.i - k <= 2 and doc[k].tag_ in ("JJ", "VBN") and doc[k].text.islower():
            k -= 1  # "armed", "special"
        start = k + 1
        while k >= 0 and _named_modifier(doc[k], cues):
            start = k
            k -= 1
        if start <= k + 1 and start < tok.i and _named_modifier(doc[start], cues):
            r = region(doc, start, tok.i + 1, "ACTOR", "actor-group")
            if r and not overlaps(r, weapons):
                out.append(r)
    return out


def unknown_agent_regions(doc: Doc, cues: Cues, weapons: list[Region]) -> list[Region]:
    out = []
    places: set[str] | None = None
    for i in propn_outside_ents(doc):
        tok = doc[i]
        if not tok.text[:1].isupper() or (tok.text.isupper() and len(tok.text) < 3):
            continue
        acting = (tok.dep_ == "nsubj" and tok.head.pos_ == "VERB" and tok.head.lower_ not in _SCENE_VERBS) or (tok.dep_ == "pobj" and tok.head.dep_ == "agent")
        if not acting or tok.is_sent_start or _is_title(tok, cues) or tok.lower_ in cues.group_nouns:
            continue
        start = tok.i
        while (
            start > 0
            and doc[start - 1].dep_ == "compound"
            and doc[start - 1].head.i == tok.i
            and doc[start - 1].pos_ == "PROPN"
            and not doc[start - 1].ent_type_
        ):
            start -= 1
        words = [t.text for t in doc[start : tok.i + 1]]
        places = document_places(doc) if places is None else places
        if " ".join(words) in places or tok.text in places:
            continue  # "in Sotk" elsewhere: a town
        if cues.is_media(" ".join(words), words) or any(_is_title(t, cues) for t in doc[start : tok.i + 1]):
            continue
        r = region(doc, start, tok.i + 1, "ACTOR", "actor-unknown")
        if r and not overlaps(r, weapons):
            out.append(r)
    return out


def _is_title(tok: Token, cues: Cues) -> bool:
    return tok.lower_ in cues.titles or tok.lower_ + "." in cues.titles


def _name_word(tok: Token, cues: Cues) -> bool:
    low = tok.lower_
    return (
        tok.pos_ == "PROPN"
        and tok.text[:1].isupper()
        and not tok.text.isupper()
        and low not in cues.titles
        and low not in cues.group_nouns
        and low not in cues.org_nouns
        and tok.ent_type_ in _PERSONISH
    )


def _named_modifier(tok: Token, cues: Cues) -> bool:
    """ "Ukrainian", "Turkish": capitalised, an adjective or proper noun, not a title, not a sentence's "The"."""
    return (
        tok.text[:1].isupper()
        and not tok.text.isupper()
        and tok.pos_ in ("ADJ", "PROPN")
        and tok.tag_ in ("JJ", "NNP", "NNPS")
        and tok.ent_type_ in _MODIFIER_TYPES
        and tok.lower_ not in cues.titles
        and tok.dep_ in ("amod", "compound")
    )
