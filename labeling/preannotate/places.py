"""When a name is a place, not a party: the place rules the ACTOR rules share.

- The object of "in", "near", "toward", "off" ... is a place ("fled toward
  Goma", "boats off Rakhine"); so is the object of "from", except after a
  word of backing ("support from Abuja", "permission from Washington": the
  capital acts).
- "between A and B" after a route or landscape noun joins places ("the
  mountains between Kirkuk and Salahuddin"), and so does "the border with X".
- A name before a place noun is a place: "the Mbau forest", "the Torkham
  crossing", "the Mahbes sector".
- The object of a territory verb is a place ("retook Karabakh").
- A name the document uses as a place somewhere ("in Gajiram", "the town of
  Gajiram") is a place everywhere, unless it plainly acts: the active
  subject of a verb ("Gajiram was without power" does not act).
"""

from __future__ import annotations

from spacy.strings import hash_string  # type: ignore[attr-defined]  # a Cython function spaCy ships no stub for
from spacy.tokens import Doc, Token

from .regions import POSSESSIVE_MARKS, ent_of, token_indices

# Objects of these are places ("fled toward Goma"), whatever NER called them.
_PLACE_PREPS = frozenset(
    {
        "in",
        "near",
        "to",
        "toward",
        "towards",
        "into",
        "outside",
        "inside",
        "across",
        "around",
        "over",
        "at",
        "from",
        "through",
        "along",
        "within",
        "of",
        "on",
        "off",
    }
)
# A subset of _PLACE_PREPS whose object is a place whatever the sentence: not "to"
# ("according to X"), "of", "from", "on" or "over".
_STRICT_PLACE_PREPS = frozenset({"in", "near", "inside", "outside", "around", "across", "through", "along", "within", "toward", "towards", "into", "off"})
_PLACE_HEADS = frozenset(
    {
        "region", "regions", "province", "provinces", "area", "areas", "district", "districts", "city", "cities", "town", "towns",
        "village", "sector", "sectors", "forest", "front", "crossing", "park", "parks", "island", "islands", "valley", "camp",
    }
)  # fmt: skip
# "between A and B" after these joins places, not parties.
_ROUTE_NOUNS = frozenset(
    {
        "road",
        "roads",
        "route",
        "highway",
        "border",
        "frontier",
        "corridor",
        "railway",
        "bridge",
        "borders",
        "flights",
        "line",
        "mountains",
        "hills",
        "valley",
        "desert",
        "area",
    }
)
# Objects of these verbs are places taken, entered or left ("retook Karabakh"), not parties.
_TERRITORY_VERBS = frozenset(
    {
        "retook",
        "recaptured",
        "captured",
        "seized",
        "took",
        "entered",
        "reached",
        "regained",
        "annexed",
        "occupied",
        "mention",
        "mentioned",
        "visited",
        "left",
        "overran",
        "liberated",
    }
)
# "<noun> from X": X gives or asks something, so it acts ("support from Abuja").
_BACKING_NOUNS = frozenset(
    {
        "support",
        "permission",
        "approval",
        "backing",
        "help",
        "aid",
        "assistance",
        "pressure",
        "intelligence",
        "request",
        "demand",
        "warning",
        "response",
        "orders",
        "funding",
        "consent",
        "envoys",
        "delegation",
    }
)


_PLACE_PREP_IDS = frozenset(hash_string(w) for w in _STRICT_PLACE_PREPS | {"of"})


def is_place(tok: Token) -> bool:
    # "fled to Cúcuta and Tibú", "the Kyiv, Odesa and Poltava regions": conjuncts share the role.
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
    if tok.dep_ == "pobj" and tok.head.lower_ == "from" and backing(tok):
        return False
    if tok.dep_ == "pobj" and tok.head.lower_ in _PLACE_PREPS:
        return True
    if tok.dep_ == "pobj" and tok.head.lower_ in ("between", "with") and tok.head.head.lower_ in _ROUTE_NOUNS:
        return True  # "the road between El Obeid and Kosti", "the border with Mali"
    return tok.dep_ in ("compound", "nmod") and tok.head.lower_ in _PLACE_HEADS


def possessed_place(start: int, end: int, doc: Doc, place_nouns: frozenset[str]) -> bool:
    """ "in Cameroon's North-West region", "in Indonesia's Papua": after a place preposition, a country's possessive names a place.

    By the words, not the parse (headlines parse badly): the name [start, end)
    follows "in", "near", "across" ..., is followed by "'s", then by a proper
    noun or, past at most two adjectives, a place noun ("deep south").
    """
    if start == 0 or end + 1 >= len(doc) or doc[start - 1].lower_ not in _STRICT_PLACE_PREPS or doc[end].lower_ not in POSSESSIVE_MARKS:
        return False
    nxt = doc[end + 1]
    if nxt.pos_ == "PROPN" and nxt.text[:1].isupper():
        return True
    for tok in doc[end + 1 : end + 4]:
        if tok.lower_ in place_nouns:
            return True
        if tok.tag_ not in ("JJ", "HYPH", "VBN") and tok.text != "-":
            return False
    return False


def backing(tok: Token) -> bool:
    """ "support from Abuja", "received permission from Washington": the object of "from" gives or asks."""
    prep = tok.head
    return prep.lower_ == "from" and prep.head.lower_ in _BACKING_NOUNS


def taken_place(tok: Token) -> bool:
    """ "retook Karabakh", "entered Goma": the object of a territory verb is a place, whatever the NER called it."""
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
    return tok.dep_ == "dobj" and tok.head.lower_ in _TERRITORY_VERBS


def document_places(doc: Doc) -> set[str]:
    """Names the document uses as a place somewhere: "in Sinjar", "near Kirkuk", "the town of Gajiram"."""
    out = set()
    for i in token_indices(doc, _PLACE_PREP_IDS):  # no Token object per word: that is the slow part
        tok = doc[i]
        low = tok.lower_
        if low not in _STRICT_PLACE_PREPS and not (low == "of" and tok.head.lower_ in _PLACE_HEADS):
            continue
        for obj in tok.children:
            if obj.dep_ == "pobj" and obj.pos_ == "PROPN":
                ent = ent_of(obj)
                out.add(ent.text if ent is not None else obj.text)
    return out


def place_acts(tok: Token) -> bool:
    """A name used as a place elsewhere acts only as the active subject of a verb, the agent of a passive, or with backing."""
    while tok.dep_ in ("conj", "appos") and tok.head.i != tok.i:
        tok = tok.head
    if tok.dep_ == "nsubj":
        return tok.head.pos_ == "VERB"
    return tok.dep_ == "pobj" and (tok.head.dep_ == "agent" or backing(tok))
