"""Every rule's confidence, in one place. The prediction's scores come from here and nowhere else.

A region's score is a fixed confidence for the kind of rule that produced it:
how often a region from that kind of rule is exactly right (label and both
offsets), ranking kinds against each other. A relation scores the lower of its
two regions. A task's score is its lowest region score, so Label Studio's
uncertainty sampling (ascending score) shows first the tasks whose weakest
suggestion is least reliable.
"""

from __future__ import annotations

# WEAPON
SCORE_MODEL = 0.9  # a known designator or model ("MQ-9", "HIMARS")
SCORE_TYPE = 0.85  # a type noun or phrase alone
SCORE_SHAPE_TYPED = 0.8  # an unseen designator shape joined to a type noun ("KX-77 drone")
SCORE_NAMED = 0.7  # a model name or shape next to a head noun, no type noun

# ACTOR
SCORE_PERSON = 0.85
SCORE_ORG = 0.8
SCORE_GROUP = 0.75  # "<named modifier> <group noun>" ("Russian forces")
SCORE_AGENT = 0.7  # a country or building acting: depends on the parse
SCORE_TARGET = 0.6  # a country as object of a verb ("send Ukraine a package"): a participant more often than a place

# SOURCE
SCORE_PRONOUN = 0.9  # a pronoun subject of a cue verb: its extent cannot be wrong
SCORE_SOURCE = 0.85  # the subject of a cue verb
SCORE_RELAY_SOURCE = 0.8  # the object of "according to" / "citing" / "as quoted by"

# CLAIM
SCORE_QUOTE = 0.85  # quoted text next to its cue
SCORE_COMPLEMENT = 0.7  # a reported clause ("X said that C"): parse extent errors are common
SCORE_PARENTHETICAL = 0.65  # the clause before "..., X said"
SCORE_RELAYED = 0.6  # the clause an "according to" / "citing" phrase modifies

# A task in which no rule found anything: finding nothing in a conflict article is itself
# doubtful, so such tasks come before well-covered ones.
NO_REGION_SCORE = 0.5
