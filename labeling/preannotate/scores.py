"""Region scores: one fixed, rule-based confidence per rule kind, defined here only.

A score estimates how often a region from that kind of rule is exactly right
(label and both offsets) and ranks the kinds against each other. Every rule
module looks its score up here by the rule name it writes into `Region.rule`.

- A relation scores the lower of its two regions.
- A task's score (the prediction's `score`) is its lowest region score, so
  Label Studio's uncertainty sampling (ascending score) shows first the tasks
  whose weakest suggestion is least reliable. A task with no regions scores
  NO_REGION_SCORE: finding nothing in a conflict article is itself doubtful,
  so such tasks come before well-covered ones.
"""

from __future__ import annotations

SCORES: dict[str, float] = {
    # WEAPON (labeling/preannotate/weapons.py)
    "weapon-model": 0.9,  # a known designator or model: "MQ-9", "HIMARS"
    "weapon-type": 0.85,  # a type noun or phrase alone: "drone", "car bomb"
    "weapon-shape": 0.8,  # an unseen designator joined to a type noun: "KX-77 drone"
    "weapon-named": 0.7,  # a model name or designator next to a head noun, no type noun
    # ACTOR (labeling/preannotate/actors.py, references.py)
    "actor-gazetteer": 0.85,  # a name or alias from configs/actors.toml
    "actor-person": 0.85,  # a PERSON entity, with its title
    "actor-org": 0.8,  # an ORG entity
    "actor-titled": 0.75,  # a title before capitalised names the NER left untagged: "Sgt. Denys Kravets"
    "actor-defined": 0.9,  # a name an article defines with a bracketed acronym: "Libyan National Army (LNA)"
    "actor-acronym": 0.8,  # "(SDF)" right after a named actor, and its later uses
    "actor-group": 0.75,  # "<named modifier> <group noun>": "Russian forces"
    "actor-surname": 0.75,  # a later surname of a named person: "al-Muhajir"
    "actor-agent": 0.7,  # a country or building acting: depends on the parse
    "actor-description": 0.7,  # a definite organisation noun: "the coalition", "Syria's regime"
    "actor-unknown": 0.55,  # an untagged proper noun acting as subject or agent: a group the model has never seen
    "actor-target": 0.6,  # a country as object of a verb: a participant more often than a place
    # CLAIM (labeling/preannotate/attribution.py)
    "claim-quote": 0.85,  # quoted text next to its cue
    "claim-clause": 0.7,  # a parsed reported clause: extent errors are common
    "claim-before-cue": 0.65,  # the clause before "..., X said"
    "claim-relayed": 0.6,  # the clause an "according to" / "citing" phrase modifies
    # SOURCE (labeling/preannotate/attribution.py)
    "source-pronoun": 0.9,  # a pronoun subject of a cue: its extent cannot be wrong
    "source-cue": 0.85,  # the subject of a cue verb
    "source-relay": 0.8,  # the object of "according to" / "citing" / "as quoted by"
    # Learned (labeling/preannotate/learned.py): a trained pre-annotator's own regions
    "learned-name": 0.85,  # a name annotators marked as ACTOR or WEAPON in the training split
    "learned-ner": 0.75,  # the fine-tuned NER (ACTOR, WEAPON)
    "learned-span": 0.6,  # span_finder + spancat (CLAIM, SOURCE)
}
NO_REGION_SCORE = 0.5
