"""The `conflict_annotator` spaCy component: weapons, actors and attribution in one pass.

It runs after the pipeline's parser and NER and after the `span_ruler`s that
tag weapon parts and the gazetteer's actor names. It writes plain lists to `doc._.conflict`, so a Doc
returned from a worker process (spaCy serialises it with msgpack) keeps them:

    {"regions": [[start, end, label, score, rule], ...],   # sorted by offsets
     "relations": [[claim_index, source_index], ...]}       # attributed_to
"""

from __future__ import annotations

from typing import Any

import numpy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokens import Doc

from .acronyms import defined_name_regions
from .actors import actor_for_entity, actor_regions, untagged_agent_regions
from .attribution import attributions
from .cues import Cues
from .references import description_regions, gazetteer_regions, reference_regions
from .regions import DATELINE, LINE_BREAK, PRONOUN_TAGS, Region, clear_caches, ent_of, outside_datelines, resolve
from .unnamed import named_group_regions, titled_name_regions, unknown_agent_regions
from .weapons import weapon_regions

# Bump when a change to the rules in labeling/preannotate/ changes their output: it
# is part of the pre-annotation model_version fingerprint.
COMPONENT_VERSION = "5"  # 5: names defined by an acronym, a description before a name, possessive places; 4: dateline sentences, titled names and named groups the NER missed, territory verbs; 3: issue 24 cues, run-on quotes, two subjects; 2: actor gazetteer, definite descriptions, references, agents, datelines
EXTENSION = "conflict"
DATELINE_PIPE = "dateline_sentences"
_EMPTY = numpy.zeros((0,), dtype="float32")

if not Doc.has_extension(EXTENSION):
    Doc.set_extension(EXTENSION, default=None)


@Language.factory("conflict_annotator", default_config={"cues": {}})
def make_conflict_annotator(nlp: Language, name: str, cues: dict[str, Any]) -> ConflictAnnotator:
    component = ConflictAnnotator(name, cues)
    if DATELINE_PIPE not in nlp.pipe_names and "parser" in nlp.pipe_names:
        # Our rules need the parse of a wire story's first sentence without its dateline.
        nlp.add_pipe(DATELINE_PIPE, before="parser")
    # "Col." and "Brig." split into "Col" "." start a new sentence in the parser: keep
    # abbreviated ranks and titles whole, as spaCy already does for "Gen." and "Dr.".
    for title in component.cues.titles:
        if title.endswith(".") and title[0].isalpha() and title.count(".") == 1:
            form = title[0].upper() + title[1:]
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    # "posted on X. NATO said ...": the platform, not an initial, so the sentence ends there.
    nlp.tokenizer.add_special_case("X.", [{ORTH: "X"}, {ORTH: "."}])
    return component


@Language.component(DATELINE_PIPE)
def dateline_sentences(doc: Doc) -> Doc:
    """Start a sentence at each line and after each dateline ("PORT SUDAN, May 14 - The army said ..."), before the parser runs.

    The parser keeps preset sentence starts, so "PORT SUDAN" is no longer
    parsed as the subject of "said" and the story's first sentence gets the
    same parse as any other.
    """
    text = doc.text
    for m in LINE_BREAK.finditer(text):  # a headline or paragraph ends at its line break
        span = doc.char_span(m.end(), m.end() + 1, alignment_mode="expand") if m.end() < len(text) else None
        if span is not None and span.start > 0:
            doc[span.start].is_sent_start = True
    for m in DATELINE.finditer(text):
        span = doc.char_span(m.end(), m.end() + 1, alignment_mode="expand")
        if span is None or span.start == 0:
            continue
        doc[span.start].is_sent_start = True
        # and no new sentence in its first words: the parser would split "Capt." or "Su-22" off
        for tok in doc[span.start + 1 : span.start + 4]:
            if tok.text in (".", "!", "?") or tok.is_space:
                break
            tok.is_sent_start = False
    return doc


class ConflictAnnotator:
    """Plain data only (word sets), so the component pickles for worker processes."""

    def __init__(self, name: str, cues: dict[str, Any]):
        self.name = name
        self.cues = Cues.from_dict(cues)

    def __call__(self, doc: Doc) -> Doc:
        cues = self.cues
        ents = doc.ents  # builds Span objects: once per Doc
        weapons = resolve(weapon_regions(doc, ents))
        found = attributions(doc, cues)
        actors = actor_regions(doc, ents, cues, weapons) + gazetteer_regions(doc, cues, weapons) + description_regions(doc, cues, weapons)
        actors += untagged_agent_regions(doc, ents, cues)
        actors += titled_name_regions(doc, cues, weapons) + named_group_regions(doc, cues, weapons) + unknown_agent_regions(doc, cues, weapons)
        actors += defined_name_regions(doc, cues, weapons)
        actors += reference_regions(doc, actors, cues, weapons)
        candidates: list[Region] = list(weapons) + actors
        links: list[tuple[tuple, tuple]] = []
        source_heads: dict[tuple, int] = {}
        for att in found:
            candidates += att.claims
            for src, head in att.sources:
                candidates.append(src)
                source_heads.setdefault(src.key, head)
                links += [(c.key, src.key) for c in att.claims]
        kept = {r.key: r for r in resolve(candidates)}
        links = [(c, s) for c, s in links if c in kept and s in kept]
        linked = {k for link in links for k in link}
        # A CLAIM or SOURCE that lost its partner to an overlap goes too.
        regions = [r for r in kept.values() if r.label not in ("CLAIM", "SOURCE") or r.key in linked]
        regions += self._source_actors(doc, [kept[k] for k in linked if k[2] == "SOURCE"], source_heads, weapons)
        regions = resolve(r for r in regions if outside_datelines(doc, r))
        clear_caches(doc)
        index = {r.key: n for n, r in enumerate(regions)}
        relations = sorted({(index[c], index[s]) for c, s in links if c in index and s in index})
        doc._.set(EXTENSION, {"regions": [list(r) for r in regions], "relations": [list(r) for r in relations]})
        # Nothing after us reads the tok2vec tensor; dropping it shrinks what worker
        # processes serialise back to the parent (most of each Doc's bytes).
        doc.tensor = _EMPTY
        return doc

    def _source_actors(self, doc: Doc, sources: list[Region], heads: dict[tuple, int], weapons: list[Region]) -> list[Region]:
        """A SOURCE that names a participant (not a pronoun, not an outlet) is an ACTOR too."""
        out = []
        for src in sources:
            head = doc[heads[src.key]]
            ent = ent_of(head)
            if head.tag_ in PRONOUN_TAGS or ent is None:
                continue
            actor = actor_for_entity(ent, self.cues, weapons, as_source=True)
            if actor is None:
                continue
            out.append(actor)
        return out
