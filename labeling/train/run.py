"""Train the next pre-annotator from a dataset version, with spaCy's own training loop.

    result = train("conflict@v3")            # -> models/conflict-v0003/
    nlp = build_pipeline(str(result.output_dir))  # or spacy.load(); pre-annotate with it

Steps:
1. read the version (labeling/datasets/version.py), check its size;
2. DocBins from the records (labeling/datasets/docbin.py): ACTOR/WEAPON as
   doc.ents, CLAIM/SOURCE as doc.spans;
3. spaCy trains configs/train.cfg (train/spacy_train.py; `overrides` as `spacy train` takes them) (conflict_ner fine-tuned from the default
   pipeline's NER, span_finder + spancat) on train, selecting on dev;
4. the learned components join the rule pipeline (labeling/preannotate/learned.py)
   with a `learned_ruler` of the names annotators confirmed in train;
5. per label, rules / learned / union is chosen by exact F1 on dev (train/policy.py);
6. the frozen test split is read once, at the end: trained vs rules in eval.json.

The output is written beside its final place and renamed into it when complete:
an interrupted training leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..datasets.version import Version, load_version
from ..errors import ConfigError, DatasetError, LabelingError
from ..learn.memory import Memory, Thresholds
from ..paths import configs_dir
from ..preannotate.model import LABELS, VERSION_META_KEY
from ..scheme import default_scheme
from .identity import fingerprint, replace
from .policy import MIN_WIN_SHARE, choose_policy, compare_on, f1_table, unused_components, win_share
from .spacy_train import Progress, assemble, spacy_train

__all__ = ["LABELS", "MIN_WIN_SHARE", "TrainResult", "curve", "load_version", "train", "unused_components", "win_share"]

MIN_DOCS = {"train": 4, "dev": 1, "test": 1}
CURVE_FRACTIONS = (0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class TrainResult:
    output_dir: Path
    model_version: str
    scores: dict[str, Any]  # the content of eval.json
    seconds: float


def train(
    ref: str,
    *,
    exports_dir: Path | None = None,
    output: Path | None = None,
    force: bool = False,
    seed: int = 0,
    on_progress: Progress | None = None,
    max_epochs: int | None = None,
    fraction: float = 1.0,
    config: Path | None = None,
    models_dir: Path = Path("models"),
    overrides: dict[str, Any] | None = None,
) -> TrainResult:
    """Train NAME[@vN] into `output` (default models/NAME-vNNNN); see the module docstring.

    `overrides` are spaCy config overrides ({"training.max_epochs": 10}); `max_epochs` is one of them."""
    started = time.perf_counter()
    data = load_version(Path(exports_dir or "exports"), ref)
    if fraction < 1.0:
        keep = max(1, math.ceil(len(data.splits["train"]) * fraction))
        data.splits["train"] = data.splits["train"][:keep]
    check_sizes(data)
    output = Path(output) if output else models_dir / f"{data.name}-{data.version}"
    if output.exists() and not force:
        raise LabelingError(f"{output} already exists", "Pass --force to replace it (the old model stays until the new one is complete), or choose -o.")
    config_path = Path(config) if config else configs_dir() / "train.cfg"
    try:
        config_bytes = config_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{config_path}: training config not found", "Set LABELING_CONFIGS to the directory holding train.cfg.") from None
    overrides = {**(overrides or {}), **({"training.max_epochs": max_epochs} if max_epochs is not None else {})}
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
    try:
        model_version, report = _build(data, work, config_path, config_bytes, seed=seed, fraction=fraction, overrides=overrides, on_progress=on_progress)
        replace(work / "model", output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return TrainResult(output, model_version, report, time.perf_counter() - started)


def _build(
    data: Version, work: Path, config_path: Path, config_bytes: bytes, *, seed: int, fraction: float, overrides: dict[str, Any], on_progress: Progress | None
) -> tuple[str, dict[str, Any]]:
    """Train, assemble, choose the policy, score on test and save the model to work/model; (model_version, eval.json)."""
    base = default_scheme().tokenizer
    learned_dir = spacy_train(data, work, config_path, base=base, seed=seed, overrides=overrides, on_progress=on_progress)
    nlp = assemble(base, learned_dir, names=confirmed_names(data.splits["train"]))
    policy, dev = choose_policy(nlp, data.splits["dev"])
    nlp.get_pipe("conflict_merge").policy = policy
    for name in unused_components(policy):  # saved disabled: no inference time for what the merge ignores
        nlp.disable_pipe(name)
    model_version = f"{data.name}-{data.version}-{fingerprint(data, config_bytes, seed, fraction, overrides, base, nlp)}"
    rules_version = nlp.meta[VERSION_META_KEY]
    test = compare_on(nlp, data.splits["test"], policy)
    report = {
        "dataset": data.ref,
        "split": "test",
        "documents": {s: len(r) for s, r in data.splits.items()},
        "fraction": fraction,
        "seed": seed,
        "policy": policy,
        "policy_dev": dev,
        "rules": {"model_version": rules_version, "scores": test["rules"]},
        "trained": {"model_version": model_version, "scores": test["trained"]},
    }
    nlp.meta[VERSION_META_KEY] = model_version
    nlp.meta["name"] = re.sub(r"\W", "_", f"{data.name}_{data.version}")
    nlp.meta["version"] = "0.0.0"
    nlp.meta["labeling"] = {
        "dataset": data.ref,
        "manifest_sha256": data.manifest_sha256,
        "scheme_digest": data.scheme_digest,
        "config_sha256": hashlib.sha256(config_bytes).hexdigest(),
        "base": base,
        "seed": seed,
        "fraction": fraction,
        "overrides": overrides,
        "rules_model_version": rules_version,
        "policy": policy,
        "dev": dev,
        "test": {k: f1_table(v) for k, v in test.items()},
    }
    final = work / "model"
    nlp.to_disk(final)
    (final / "eval.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return model_version, report


def curve(
    ref: str,
    *,
    exports_dir: Path | None = None,
    seed: int = 0,
    max_epochs: int | None = None,
    on_progress: Progress | None = None,
    overrides: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Train on 25/50/75/100 % of the train split; test F1 per fraction and label (nothing kept on disk)."""
    data = load_version(Path(exports_dir or "exports"), ref)
    check_sizes(data)
    smallest = math.ceil(len(data.splits["train"]) * CURVE_FRACTIONS[0])
    if smallest < MIN_DOCS["train"]:
        need = math.ceil(MIN_DOCS["train"] / CURVE_FRACTIONS[0])
        raise DatasetError(
            f"{data.ref}: {len(data.splits['train'])} training documents; the 25% point of a curve needs at least {need}.",
            "Annotate more documents, pull a new version, and run the curve again.",
        )
    points = []
    with tempfile.TemporaryDirectory(prefix="labeling-curve-") as tmp:
        for f in CURVE_FRACTIONS:
            r = train(
                data.ref,
                exports_dir=exports_dir,
                output=Path(tmp) / f"{f:.2f}",
                seed=seed,
                max_epochs=max_epochs,
                fraction=f,
                on_progress=on_progress,
                overrides=overrides,
            )
            points.append(
                {
                    "fraction": f,
                    "train_documents": r.scores["documents"]["train"],
                    "trained": f1_table(r.scores["trained"]["scores"]),
                    "rules": f1_table(r.scores["rules"]["scores"]),
                }
            )
    return points


def check_sizes(data: Version) -> None:
    short = {s: len(data.splits[s]) for s, n in MIN_DOCS.items() if len(data.splits[s]) < n}
    if short:
        have = ", ".join(f"{s} {len(data.splits[s])}" for s in MIN_DOCS)
        need = ", ".join(f"{s} {n}" for s, n in MIN_DOCS.items())
        raise DatasetError(
            f"{data.ref} is too small to train: it has {have} documents; training needs at least {need}.",
            "Annotate more documents and pull a new version (labeling pull --ratios sets the split sizes).",
        )


def confirmed_names(records: list[dict[str, Any]], *, min_count: int = 2, min_share: float = 0.5) -> list[dict[str, Any]]:
    """span_ruler patterns for names annotators marked as ACTOR/WEAPON at least `min_count` times in
    `records`, and in at least `min_share` of the places the same words appear there.

    The project memory's counts and thresholds (labeling/learn/memory.py), frozen into the trained pipeline."""

    return Memory.from_records(records, thresholds=Thresholds(min_labelled=min_count, min_share=min_share)).patterns()
