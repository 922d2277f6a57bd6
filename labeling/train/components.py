"""Moved to labeling/preannotate/learned.py: loading a trained pre-annotator needs nothing from the training code.

Kept for installs whose spaCy entry point (pyproject.toml, spacy_factories) still names this module;
spaCy imports every such entry point when it builds any pipeline. `pip install -e .` updates it.
"""

from ..preannotate.learned import make_conflict_merge

__all__ = ["make_conflict_merge"]
