"""The spaCy components a trained pre-annotator adds to the rule pipeline.

A trained pipeline (made by labeling/train/run.py) runs, in order (they live beside the rules, not in train/,
so loading a trained model needs nothing from the training code):

    the default pipeline (tok2vec, tagger, parser, ner) -> weapon_ruler, actor_ruler
    -> conflict_annotator (the rules; regions in doc._.conflict)
    -> conflict_reset_ents (clears doc.ents, so the trained NER predicts on its own)
    -> conflict_ner (ACTOR, WEAPON), span_finder + spancat (CLAIM, SOURCE),
       learned_ruler (names annotators confirmed, doc.spans["learned_names"]: the project
       memory of labeling/learn/memory.py, counted over the training split and frozen)
    -> conflict_merge (per label: the rules' regions, the learned ones, or both)

`conflict_merge` rewrites doc._.conflict in the rules' format, so pre-annotation
reads a trained pipeline exactly like the rule one. Relations stay the rules'
attribution links, kept where both ends survive the merge.
"""

from __future__ import annotations

from typing import Any, Literal

from spacy.language import Language
from spacy.tokens import Doc

from ..preannotate.component import EXTENSION
from ..preannotate.regions import Region, outside_datelines, resolve
from ..preannotate.scores import SCORES

# rules: the rules' regions only; names: plus the names annotators confirmed (learned_ruler);
# union: plus everything learned; learned: the learned regions only.
Choice = Literal["rules", "names", "union", "learned"]
CHOICES: tuple[Choice, ...] = ("rules", "names", "union", "learned")
ENT_LABELS = ("ACTOR", "WEAPON")
SPAN_LABELS = ("CLAIM", "SOURCE")
SPANS_KEY = "sc"  # spancat's output
NAMES_KEY = "learned_names"  # learned_ruler's output


@Language.component("conflict_reset_ents")
def reset_ents(doc: Doc) -> Doc:
    """Forget the default NER's entities (the rules have used them): the trained NER starts from nothing."""
    doc.set_ents([], default="missing")
    return doc


@Language.factory("conflict_merge", default_config={"policy": {}})
def make_conflict_merge(nlp: Language, name: str, policy: dict[str, str]) -> ConflictMerge:
    return ConflictMerge(name, policy)


class ConflictMerge:
    """Per label, keep the rules' regions, the learned ones, or both (overlaps resolved by score)."""

    def __init__(self, name: str, policy: dict[str, str]):
        bad = {k: v for k, v in policy.items() if v not in CHOICES}
        if bad:
            raise ValueError(f"conflict_merge policy: unknown choice(s) {bad}; use one of {CHOICES}")
        self.name = name
        self.policy = dict(policy)

    def __call__(self, doc: Doc) -> Doc:
        doc._.set(EXTENSION, merge(doc, self.policy))
        return doc


def learned_regions(doc: Doc) -> list[Region]:
    """The trained components' regions: NER entities, confirmed names, classified spans."""
    out = [Region(e.start_char, e.end_char, e.label_, SCORES["learned-ner"], "learned-ner") for e in doc.ents if e.label_ in ENT_LABELS]
    if NAMES_KEY in doc.spans:
        out += [Region(s.start_char, s.end_char, s.label_, SCORES["learned-name"], "learned-name") for s in doc.spans[NAMES_KEY] if s.label_ in ENT_LABELS]
    if SPANS_KEY in doc.spans:
        out += [Region(s.start_char, s.end_char, s.label_, SCORES["learned-span"], "learned-span") for s in doc.spans[SPANS_KEY] if s.label_ in SPAN_LABELS]
    return [r for r in out if outside_datelines(doc, r)]


def merge(doc: Doc, policy: dict[str, str]) -> dict[str, Any]:
    """doc._.conflict after applying `policy` (label -> rules | learned | union; absent: rules)."""
    found = doc._.get(EXTENSION) or {"regions": [], "relations": []}
    rules = [Region(*r) for r in found["regions"]]
    chosen = [r for r in rules if policy.get(r.label, "rules") != "learned"]
    for r in learned_regions(doc):
        choice = policy.get(r.label, "rules")
        if choice in ("union", "learned") or (choice == "names" and r.rule == "learned-name"):
            chosen.append(r)
    regions = resolve(chosen)
    index = {r.key: n for n, r in enumerate(regions)}
    links = ((rules[c].key, rules[s].key) for c, s in found["relations"])
    relations = sorted({(index[c], index[s]) for c, s in links if c in index and s in index})
    return {"regions": [list(r) for r in regions], "relations": [list(r) for r in relations]}
