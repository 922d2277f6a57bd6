"""Our spaCy components for conflict news (imported for their registration).

Importing this package registers the `conflict_annotator` factory and the
`Doc._.conflict` extension, so worker processes that rebuild the pipeline
find them. See labeling/preannotate/run.py for how the pipeline is assembled.
"""

from .component import COMPONENT_VERSION, EXTENSION, ConflictAnnotator
from .cues import Cues, parse_cues
from .references import NAMES_KEY
from .weapons import PARTS_KEY

__all__ = ["COMPONENT_VERSION", "EXTENSION", "NAMES_KEY", "PARTS_KEY", "ConflictAnnotator", "Cues", "parse_cues"]
