"""ACTOR regions from the pipeline's named entities, by the scheme's rules.

- PERSON and ORG are actors, except media outlets (they only report) and
  entities the weapon rules own ("MQ-9 Reaper" is often tagged ORG).
- A country, capital or building (GPE, FAC) is an actor only when it acts or
  takes part: the subject of a verb (also of an embedded clause or a passive),
  the agent of a passive ("by Russia"), a possessive ("Russia's decision", not
  "Syria's north"), an appositive or conjunct of one of these, or the object
  of "with", "against", "between". As the object of "in", "over", "near" it
  is a place, and so is its possessive there ("in Indonesia's Papua").
- Media outlets only report: never ACTOR, whatever the NER called them.
- A named modifier plus a group noun is one actor: "Russian forces",
  "ISIS fighters", "Kurdish special forces".
- A rank or title directly before a person's name is kept: "Gen. Michael Erik Kurilla".
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from .cues import Cues
from .places import backing, document_places, is_place, place_acts, possessed_place, taken_place
from .regions import Region, doc_text, region

_AGENT_DEPS = frozenset({"nsubj", "nsubjpass"})
# Entity types that can name an actor at all ("Two soldiers": a CARDINAL is never one).
_ACTOR_ENTS = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"})
# Group nouns that are also weapon platforms.
PLATFORM_NOUNS = frozenset({"fighter", "fighters"})


def actor_regions(doc: Doc, ents, cues: Cues, weapons: list[Region]) -> list[Region]:
    out: list[Region] = []
    places = document_places(doc)
    for ent in ents:
        if ent.text in places and not place_acts(ent.root):
            continue  # "in Sinjar" earlier or later: the NER's ORG "Sinjar" elsewhere is the same town
        r = actor_for_entity(ent, cues, weapons)
        if r:
            out.append(r)
    return out


def untagged_agent_regions(doc: Doc, ents, cues: Cues) -> list[Region]:
    """A place name the NER tagged once ("WASHINGTON" in the dateline) but missed where it acts ("Washington will send")."""
    names = {e.text.lower() for e in ents if e.label_ in cues.actor_when_agent and len(e) == 1}
    if not names:
        return []
    out = []
    for tok in doc:
        if tok.ent_type_ or tok.pos_ != "PROPN" or not tok.text[:1].isupper() or tok.text.isupper() or tok.lower_ not in names:
            continue
        if (_acts(tok, cues) or _object_of_verb(tok)) and not is_place(tok):
            r = region(doc, tok.i, tok.i + 1, "ACTOR", "actor-agent")
            if r:
                out.append(r)
    return out


def actor_for_entity(ent: Span, cues: Cues, weapons: list[Region], *, as_source: bool = False) -> Region | None:
    """The ACTOR region for an entity, or None. `as_source`: it is the subject of a cue (so it acts)."""
    label = ent.label_
    if label not in _ACTOR_ENTS and (ent[-1].like_num or not ent[-1].is_alpha):
        return None  # "Two soldiers"; but "May 18 - Russian forces" (a dateline the NER ran on) keeps its group
    if any(w.start < ent.end_char and ent.start_char < w.end for w in weapons):
        return None
    if not any(t.is_alpha for t in ent) or (label == "PERSON" and any(t.like_num or any(c.isdigit() for c in t.text) for t in ent)):
        return None
    doc = ent.doc
    start, end = ent.start, ent.end
    if all(t.lower_ in cues.titles or t.is_punct for t in ent) or not any(t.text[:1].isupper() for t in ent):
        return None  # "Brig" alone, or a lower-case word the NER took for a name
    if cues.is_media(ent.text, [t.text for t in ent]) or _reports_only(ent, cues):
        return None
    if not as_source and possessed_place(ent.start, ent.end, doc, cues.place_nouns):
        return None  # "in Cameroon's North-West region": the place of the event
    root = ent.root
    if root.dep_ == "poss" and root.head.is_lower and root.head.lower_ in cues.org_nouns and not as_source:
        return None  # "Niger's junta", "Chad's navy": the description holds the possessive (references.py)
    group = group_head(ent, cues)
    if group is not None and group.lower_ in PLATFORM_NOUNS and any("fighter" in doc_text(doc)[w.start : w.end].lower() for w in weapons):
        group = None  # "Russian fighters" in an article about fighter jets are the jets
    if group is not None:
        return region(doc, start, group.i + 1, "ACTOR", "actor-group")
    if not as_source and (is_place(ent.root) or taken_place(ent.root)):
        return None
    if label in cues.actor_always:
        start, end = name_extent(ent, cues)
        if label == "PERSON" and _civilian(ent, cues):
            return None
        if label == "PERSON":
            return region(doc, start, end, "ACTOR", "actor-person")
        return region(doc, start, end, "ACTOR", "actor-org")
    acting = as_source or _acts(ent.root, cues)
    if label in cues.actor_when_agent and acting:
        return region(doc, start, end, "ACTOR", "actor-agent")
    # "send Ukraine a package", "thanking Washington": a country as recipient or target.
    if label in cues.actor_when_agent and _object_of_verb(ent.root):
        return region(doc, start, end, "ACTOR", "actor-target")
    # "The Russians" as subject; "Russian" as an adjective is not an actor.
    if label in cues.actor_nationality and acting and ent.root.tag_ in ("NNPS", "NNP", "NNS"):
        return region(doc, start, end, "ACTOR", "actor-agent")
    return None


def _acts(tok: Token, cues: Cues) -> bool:
    # Follow coordination and apposition: in "Russia and Iran agreed" Iran is a conj of the subject.
    while tok.dep_ in ("conj", "appos") and tok.head.i != tok.i:
        tok = tok.head
    if tok.dep_ in _AGENT_DEPS:
        return True
    if tok.dep_ == "poss":  # "Russia's decision" acts; "Syria's north", "Colombia's Catatumbo" are places
        head = tok.head
        if head.lower_ in cues.place_nouns or head.ent_type_ in ("GPE", "LOC"):
            return False
        return not (head.ent_type_ == "ORG" and _outlet_words(head, cues))  # "Lebanon's National News Agency" only reports
    return tok.dep_ == "pobj" and (tok.head.dep_ == "agent" or tok.head.lower_ in cues.partner_preps or backing(tok))


def _outlet_words(tok: Token, cues: Cues) -> bool:
    """The ORG entity around `tok` is an outlet: a listed name, a media word or a media descriptor in it."""
    doc, i, j = tok.doc, tok.i, tok.i + 1
    while i > 0 and doc[i].ent_iob_ == "I":
        i -= 1
    while j < len(doc) and doc[j].ent_iob_ == "I":
        j += 1
    words = [t.text for t in doc[i:j]]
    return cues.is_media(" ".join(words), words) or any(w.lower() in cues.media_descriptors for w in words)


def _civilian(ent: Span, cues: Cues) -> bool:
    """ "Olena Marchuk, a teacher," / "Xêlil Şêxo, a local journalist,": a witness, not a participant."""
    doc = ent.doc
    k = ent.end
    if k + 2 >= len(doc) or doc[k].text != "," or doc[k + 1].lower_ not in ("a", "an"):
        return False
    for t in doc[k + 2 : k + 5]:
        if t.lower_ in cues.civilian_roles:
            return True
        if t.pos_ not in ("ADJ", "NOUN"):
            return False
    return False


def _reports_only(ent: Span, cues: Cues) -> bool:
    """An outlet by its context: "the daily X", "the X monitor", or an ORG told something ("told X")."""
    doc = ent.doc
    if ent.start > 0 and doc[ent.start - 1].lower_ in cues.media_descriptors:
        return True
    if ent.end < len(doc) and doc[ent.end].lower_ in cues.media_descriptors and ent.label_ == "ORG":
        return True  # "the Frontera Viva monitor", "the Al-Hadath channel"
    root = ent.root
    if (ent.label_ == "ORG" or (ent.label_ == "PERSON" and len(ent) == 1)) and root.dep_ in ("dobj", "dative") and root.head.lower_ in _TOLD:
        return True  # "told Lusa": a one-word name told something is an outlet (people are told by full name)
    return _monitor_appositive(ent, cues)


_TOLD = frozenset({"told", "tells", "tell", "telling"})
# "X, a monitoring group", "X, a group that tracks casualties", "X, a UN-backed broadcaster": X only reports.
_MONITOR_WORDS = frozenset({"monitor", "monitoring", "watchdog", "observatory", "tracker"})
_COUNTING_VERBS = frozenset({"counts", "tracks", "monitors", "documents", "records", "compiles", "collects", "maps"})


def _monitor_appositive(ent: Span, cues: Cues) -> bool:
    doc, k = ent.doc, ent.end
    if k + 2 >= len(doc) or doc[k].text != "," or doc[k + 1].lower_ not in ("a", "an", "the"):
        return False
    words = doc[k + 2 : k + 8]
    for n, t in enumerate(words):
        low = t.lower_
        if low in _MONITOR_WORDS or (low in cues.media_descriptors and low != "agency"):
            return True
        if low in ("group", "organisation", "organization", "project") and n + 2 < len(words):
            return words[n + 1].lower_ == "that" and words[n + 2].lower_ in _COUNTING_VERBS
        if t.text in (",", ".") or t.pos_ == "VERB":
            return False
    return False


def _object_of_verb(tok: Token) -> bool:
    """The object of a verb, also as a conjunct: "urged Asmara and Addis Ababa to talk"."""
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
    return tok.dep_ in ("dobj", "dative") and tok.head.pos_ == "VERB" and not taken_place(tok)


def name_extent(ent: Span, cues: Cues) -> tuple[int, int]:
    """Token range of a name, repairing common NER cuts.

    A person gets the ranks and titles before it; an organisation the ordinal
    NER leaves out ("47th Mechanised Brigade") and an "in <place>" that is
    part of its name ("Russian Reconciliation Centre in Syria").
    """
    doc, start, end = ent.doc, ent.start, ent.end
    if ent.label_ == "PERSON":
        k = start
        while k > 0 and start - k < 2 and _loose_name(doc[k - 1], cues):
            k -= 1  # "President Mahamat Idriss Deby": the NER's PERSON is "Idriss Deby"
        while end < len(doc) and end - ent.end < 2 and _loose_name(doc[end], cues):
            end += 1  # "Oumar Sidibé Traoré": the NER's PERSON is "Oumar Sidibé"
        return _title_start(doc, k, cues), end
    if ent.label_ != "ORG":
        return start, end
    if start > 0 and doc[start - 1].ent_type_ == "ORDINAL":
        start -= 1
    if doc[end - 1].lower_ == "in":
        end -= 1
    while end + 1 < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_ and not doc[end].whitespace_ and doc[end + 1].text[:1].isupper():
        end += 2  # "CSP-DPA": the NER stops at the hyphen
    capitalised = sum(t.text[:1].isupper() for t in ent)
    if capitalised >= 2 and end + 1 < len(doc) and doc[end].lower_ == "in" and doc[end + 1].ent_iob_ == "B" and doc[end + 1].ent_type_ in ("GPE", "LOC"):
        end += 2
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
    return start, end


def group_head(ent: Span, cues: Cues) -> Token | None:
    """The group noun right after an entity ("Russian forces", "Kurdish special forces"), if any.

    Adjacency, not the parse: the parser often hangs "army" in "Israeli army
    positions" on "positions". At most two adjectives may come between.
    """
    doc = ent.doc
    head = None
    for k in range(ent.end, min(ent.end + 4, len(doc))):
        t = doc[k]
        if t.lower_ in cues.group_nouns:
            if t.tag_ == "JJ" and k + 1 < len(doc) and doc[k + 1].pos_ == "NOUN" and doc[k + 1].lower_ not in cues.group_nouns:
                break  # "Russian military bloggers": "military" is an adjective there
            head = t  # keep going: "military intelligence", "armed forces command"
        elif head is not None or t.tag_ not in ("JJ", "VBN", "NN") or t.ent_type_:
            break
    return head


def _loose_name(tok: Token, cues: Cues) -> bool:
    """A capitalised proper noun outside any entity, next to a PERSON: a part of the name the NER left out."""
    return tok.pos_ == "PROPN" and tok.text.istitle() and not tok.ent_type_ and not _is_title(tok, cues) and tok.lower_ not in cues.group_nouns


def _is_title(tok: Token, cues: Cues) -> bool:
    return tok.lower_ in cues.titles or tok.lower_ + "." in cues.titles


def _title_start(doc: Doc, start: int, cues: Cues) -> int:
    """Walk left over capitalised ranks and titles: "Rear Admiral Oleg Gurinov"."""
    while start > 0:
        prev = doc[start - 1]
        if prev.lower_ in cues.titles or prev.lower_ + "." in cues.titles:
            start -= 1
        elif prev.text == "." and start > 1 and doc[start - 2].lower_ + "." in cues.titles and not doc[start - 2].whitespace_:
            start -= 2  # "Lt" "." tokenised apart
        elif prev.text == "-" and start > 1 and not doc[start - 2].whitespace_ and not prev.whitespace_ and doc[start - 2].lower_ in cues.titles:
            start -= 2  # "Secretary-General" tokenised as "Secretary" "-" "General"
        else:
            break
    return start
