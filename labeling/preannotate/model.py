"""The pre-annotator model, one home for its facts: the labels it suggests, the meta key holding its
model_version, how a `labeling train` directory is recognised and loaded, and how its version is read.

`labeling preannotate --model DIR`, `labeling push --model DIR`, `labeling serve --model DIR` and
`labeling train` all read and write these through here, so one directory has one model_version.
This module imports no spaCy at the top: the CLI reads LABELS for --help and tables.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from ..errors import ConfigError

LABELS = ("ACTOR", "WEAPON", "CLAIM", "SOURCE")
RELATION = "attributed_to"
VERSION_META_KEY = "conflict_model_version"  # in nlp.meta (and so meta.json): the model_version of every suggestion


def is_trained(model: str | Path) -> bool:
    """A directory written by `labeling train` (its meta.json carries our model_version)."""
    meta = Path(model) / "meta.json"
    try:
        return meta.is_file() and VERSION_META_KEY in json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def load_trained(model: str | Path) -> Any:
    """Load a trained pre-annotator: rules, learned components and merge are all inside, with their config."""
    import spacy  # here, not at the top: spaCy takes seconds to import

    from . import components as _rules  # noqa: F401  registers conflict_annotator
    from . import learned as _learned  # noqa: F401  registers conflict_merge and conflict_reset_ents

    try:
        with warnings.catch_warnings():  # W012: the span rulers re-read their phrase patterns on load (about 2 s)
            warnings.filterwarnings("ignore", message=r"\[W012\]")
            return spacy.load(model)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{model}: not a loadable trained pipeline: {exc}", "Train it again with: labeling train NAME --force") from None


def pipeline_version(nlp: Any) -> str:
    """The model_version of a pipeline made by build_pipeline or `labeling train`."""
    try:
        return nlp.meta[VERSION_META_KEY]
    except KeyError:
        raise ConfigError("this spaCy pipeline was not made by build_pipeline", "Call labeling.preannotate.run.build_pipeline().") from None
