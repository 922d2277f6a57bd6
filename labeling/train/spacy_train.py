"""spaCy training for `labeling train`: DocBins from the records, spaCy's own loop on configs/train.cfg,
and the trained pipeline assembled from the rules plus the learned components."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import spacy
import spacy.util
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as spacy_loop

from ..datasets.docbin import record_doc
from ..datasets.version import Version
from ..errors import ConfigError
from ..preannotate.learned import NAMES_KEY, SPAN_LABELS
from ..preannotate.run import build_pipeline
from . import progress

LEARNED = ("conflict_ner", "span_finder", "spancat")

Progress = Callable[[dict[str, Any]], None]


def _docbin(records: list[dict[str, Any]], path: Path) -> None:
    vocab = spacy.blank("en").vocab
    db = DocBin(store_user_data=False)
    for rec in records:
        db.add(record_doc(vocab, rec, spans_keys={"sc": SPAN_LABELS, "claim_candidates": SPAN_LABELS}))
    db.to_disk(path)


def spacy_train(
    data: Version, work: Path, config_path: Path, *, base: str, seed: int, overrides: dict[str, Any] | None = None, on_progress: Progress | None
) -> Path:
    _docbin(data.splits["train"], work / "train.spacy")
    _docbin(data.splits["dev"], work / "dev.spacy")
    fixed: dict[str, Any] = {"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy"), "paths.base": base, "system.seed": seed}
    try:
        config = spacy.util.load_config(config_path, overrides={**(overrides or {}), **fixed}, interpolate=False)
    except Exception as exc:  # spaCy raises its own ConfigValidationError with a readable message
        raise ConfigError(f"{config_path}: {exc}", "Fix the training config (spaCy's config format).") from None
    with open(os.devnull, "w") as quiet, progress.reporting(on_progress, int(config["training"]["max_epochs"])):
        nlp = init_nlp(config)
        (work / "spacy").mkdir()
        spacy_loop(nlp, work / "spacy", stdout=quiet, stderr=quiet)
    return work / "spacy" / "model-best"


def assemble(base: str, learned_dir: Path, *, names: list[dict[str, Any]]):
    """The rule pipeline plus the learned components, the confirmed names and the merge."""
    nlp = build_pipeline(base)
    learned = spacy.load(learned_dir)
    nlp.add_pipe("conflict_reset_ents")
    for name in LEARNED:
        nlp.add_pipe(name, source=learned)
    ruler = nlp.add_pipe("span_ruler", name="learned_ruler", config={"spans_key": NAMES_KEY, "validate": True})
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(names)
    nlp.add_pipe("conflict_merge", config={"policy": {}})
    return nlp
