"""Train the next pre-annotator from a dataset version, with spaCy's own training loop.

    result = train("conflict@v3")            # -> models/conflict-v0003/
    nlp = build_pipeline(str(result.output_dir))  # or spacy.load(); pre-annotate with it

Steps:
1. read the version (train/dev/test records), check its scheme and size;
2. DocBins from the records (labeling/datasets/docbin.py): ACTOR/WEAPON as
   doc.ents, CLAIM/SOURCE as doc.spans;
3. spaCy trains configs/train.cfg (conflict_ner fine-tuned from the default
   pipeline's NER, span_finder + spancat) on train, selecting on dev;
4. the learned components join the rule pipeline (labeling/preannotate/learned.py)
   with a `learned_ruler` of the names annotators confirmed in train;
5. per label, rules / learned / union is chosen by exact F1 on dev;
6. the frozen test split is read once, at the end: trained vs rules in eval.json.

The output is written beside its final place and renamed into it when complete:
an interrupted training leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..datasets.docbin import record_doc
from ..datasets.store import read_manifest, resolve, verify
from ..errors import ConfigError, DatasetError, LabelingError
from ..paths import configs_dir
from ..preannotate.learned import CHOICES, ENT_LABELS, NAMES_KEY, SPAN_LABELS, Choice
from ..preannotate.model import LABELS, VERSION_META_KEY
from ..records import Document, Relation, Span
from ..scheme import default_scheme

MIN_DOCS = {"train": 4, "dev": 1, "test": 1}
CURVE_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
MIN_DEV_SPANS_FOR_LEARNED = 50
MIN_WIN_SHARE = 0.9  # of the dev bootstrap resamples a learned choice must win to replace the rules
BOOTSTRAP_RESAMPLES = 1000
LEARNED = ("conflict_ner", "span_finder", "spancat")

Progress = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class TrainResult:
    output_dir: Path
    model_version: str
    scores: dict[str, Any]  # the content of eval.json
    seconds: float


@dataclass
class _Version:
    ref: str  # "conflict@v0003"
    name: str
    version: str
    dir: Path
    manifest_sha256: str
    scheme_digest: str
    splits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


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
) -> TrainResult:
    """Train NAME[@vN] into `output` (default models/NAME-vNNNN); see the module docstring."""
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
    base = default_scheme().tokenizer
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
    try:
        learned_dir = _spacy_train(data, work, config_path, base=base, seed=seed, max_epochs=max_epochs, on_progress=on_progress)
        nlp = assemble(base, learned_dir, names=confirmed_names(data.splits["train"]))
        policy, dev = choose_policy(nlp, data.splits["dev"])
        nlp.get_pipe("conflict_merge").policy = policy
        for name in unused_components(policy):  # saved disabled: no inference time for what the merge ignores
            nlp.disable_pipe(name)
        model_version = f"{data.name}-{data.version}-{_fingerprint(data, config_bytes, seed, fraction, max_epochs, base, nlp)}"
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
            "rules_model_version": rules_version,
            "policy": policy,
            "dev": dev,
            "test": {k: _f1_table(v) for k, v in test.items()},
        }
        final = work / "model"
        nlp.to_disk(final)
        (final / "eval.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _replace(final, output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return TrainResult(output, model_version, report, time.perf_counter() - started)


def curve(
    ref: str, *, exports_dir: Path | None = None, seed: int = 0, max_epochs: int | None = None, on_progress: Progress | None = None
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
            r = train(data.ref, exports_dir=exports_dir, output=Path(tmp) / f"{f:.2f}", seed=seed, max_epochs=max_epochs, fraction=f, on_progress=on_progress)
            points.append(
                {
                    "fraction": f,
                    "train_documents": r.scores["documents"]["train"],
                    "trained": _f1_table(r.scores["trained"]["scores"]),
                    "rules": _f1_table(r.scores["rules"]["scores"]),
                }
            )
    return points


# --- the version ------------------------------------------------------------------


def load_version(exports_dir: Path, ref: str) -> _Version:
    vdir = resolve(exports_dir, ref)
    manifest = read_manifest(vdir)
    problems = verify(vdir)
    if problems:
        raise DatasetError(f"{vdir} is damaged: {problems[0]}", f"Check it with: labeling datasets verify {vdir.parent.name}@{vdir.name}")
    scheme = default_scheme()
    digest = manifest.get("scheme", {}).get("digest")
    name = vdir.parent.name
    if digest != scheme.digest:
        raise DatasetError(
            f"{name}@{vdir.name} was made with another label scheme (digest {str(digest)[:12]}, current {scheme.digest[:12]}).",
            "Train on a version pulled with the current configs/scheme.toml (labeling pull makes a new one), or restore the scheme it was made with.",
        )
    from ..records import iter_jsonl

    splits = {s: [rec for _, rec in iter_jsonl(vdir / f"{s}.jsonl")] for s in ("train", "dev", "test")}
    sha = hashlib.sha256((vdir / "manifest.json").read_bytes()).hexdigest()
    return _Version(f"{name}@{vdir.name}", name, vdir.name, vdir, sha, scheme.digest, splits)


def check_sizes(data: _Version) -> None:
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
    from ..learn.memory import Memory, Thresholds

    return Memory.from_records(records, thresholds=Thresholds(min_labelled=min_count, min_share=min_share)).patterns()


# --- spaCy training -----------------------------------------------------------------


def _docbin(records: list[dict[str, Any]], path: Path) -> None:
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("en").vocab
    db = DocBin(store_user_data=False)
    for rec in records:
        db.add(record_doc(vocab, rec, spans_keys={"sc": SPAN_LABELS, "claim_candidates": SPAN_LABELS}))
    db.to_disk(path)


def _spacy_train(data: _Version, work: Path, config_path: Path, *, base: str, seed: int, max_epochs: int | None, on_progress: Progress | None) -> Path:
    import spacy.util
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as spacy_train

    from . import progress

    _docbin(data.splits["train"], work / "train.spacy")
    _docbin(data.splits["dev"], work / "dev.spacy")
    overrides: dict[str, Any] = {"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy"), "paths.base": base, "system.seed": seed}
    if max_epochs is not None:
        overrides["training.max_epochs"] = max_epochs
    try:
        config = spacy.util.load_config(config_path, overrides=overrides, interpolate=False)
    except Exception as exc:  # spaCy raises its own ConfigValidationError with a readable message
        raise ConfigError(f"{config_path}: {exc}", "Fix the training config (spaCy's config format).") from None
    with open(os.devnull, "w") as quiet, progress.reporting(on_progress, int(config["training"]["max_epochs"])):
        nlp = init_nlp(config)
        (work / "spacy").mkdir()
        spacy_train(nlp, work / "spacy", stdout=quiet, stderr=quiet)
    return work / "spacy" / "model-best"


def assemble(base: str, learned_dir: Path, *, names: list[dict[str, Any]]):
    """The rule pipeline plus the learned components, the confirmed names and the merge."""
    import spacy

    from ..preannotate.run import build_pipeline

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


# --- choosing and scoring -----------------------------------------------------------


def _gold(rec: dict[str, Any]) -> tuple[list[Span], list[Relation]]:
    spans = [Span(s["start"], s["end"], s["label"], s["text"], s["id"]) for s in rec["spans"]]
    return spans, [Relation(r["head_span"], r["child_span"], r["label"]) for r in rec["relations"]]


def _unmerged(nlp, records: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], Any]]:
    """(record, spaCy Doc) with everything but the merge run: each policy is then one cheap merge()."""
    with nlp.select_pipes(disable=["conflict_merge"]):
        yield from ((rec, doc) for doc, rec in nlp.pipe(((r["text"], r) for r in records), as_tuples=True))


def _scores_per_doc(nlp, records: list[dict[str, Any]], policies: dict[str, dict[str, str]]) -> dict[str, list[Any]]:
    """Per policy, one Scores per record (in order): what the totals and the dev bootstrap are made of."""
    from ..preannotate.learned import merge
    from ..preannotate.run import to_annotated
    from ..quality.metrics import score

    per_doc: dict[str, list[Any]] = {k: [] for k in policies}
    for rec, doc in _unmerged(nlp, records):
        document = Document.make(rec["id"], rec["text"])
        gold_spans, gold_rels = _gold(rec)
        for key, policy in policies.items():
            pred = to_annotated(document, merge(doc, policy), "")
            per_doc[key].append(score(gold_spans, gold_rels, pred.spans, pred.relations, labels=LABELS))
    return per_doc


def _totals(per_doc: dict[str, list[Any]]) -> dict[str, Any]:
    """Per policy, the Scores summed over the documents."""
    from ..quality.metrics import Scores

    return {k: sum(docs, Scores()) for k, docs in per_doc.items()}


def _scores(nlp, records: list[dict[str, Any]], policies: dict[str, dict[str, str]]) -> dict[str, Any]:
    return _totals(_scores_per_doc(nlp, records, policies))


def win_share(rules: list[Any], other: list[Any], label: str, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> float:
    """Share of bootstrap resamples of the documents in which `other` has a higher exact F1 for `label` than `rules`.

    Both lists hold one Scores per document of the same records (a paired bootstrap).
    """
    import numpy as np

    def counts(per_doc: list[Any]) -> Any:
        return np.array([[d.span_exact[label].tp, d.span_exact[label].fp, d.span_exact[label].fn] for d in per_doc], dtype=np.int64)

    a, b = counts(rules), counts(other)
    picks = np.random.default_rng(seed).integers(0, len(rules), size=(resamples, len(rules)))

    def f1(c: Any) -> Any:
        tp, fp, fn = c[picks].sum(axis=1).T
        den = 2 * tp + fp + fn
        return np.where(den == 0, 1.0, 2 * tp / np.maximum(den, 1))

    return float((f1(b) > f1(a)).mean())


def choose_policy(nlp, dev: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, dict[str, float]]]:
    """Per label, the choice with the best exact F1 on dev; the rules stay unless clearly beaten.

    A choice other than the rules is eligible only when it beats them in at
    least MIN_WIN_SHARE of BOOTSTRAP_RESAMPLES paired bootstrap resamples of the
    dev documents (seeded: the same dev split gives the same choice): a gain
    that rests on one document of a small dev split does not replace the rules.
    "learned" (dropping the rules for that label) also needs at least
    MIN_DEV_SPANS_FOR_LEARNED gold spans of the label in dev. Ties go to the
    earlier choice in CHOICES (rules first). The table holds dev exact F1 per
    choice and, under "win_share", each choice's bootstrap share per label.
    """
    per_doc = _scores_per_doc(nlp, dev, {c: dict.fromkeys(LABELS, c) for c in CHOICES})
    totals = _totals(per_doc)
    table: dict[str, dict[str, float]] = {c: {label: round(totals[c].span_exact[label].f1, 4) for label in LABELS} for c in CHOICES}
    shares = {c: {label: round(win_share(per_doc["rules"], per_doc[c], label), 4) for label in LABELS} for c in CHOICES if c != "rules"}

    def eligible(c: Choice, label: str) -> bool:
        if c == "rules":
            return True
        enough_spans = c != "learned" or totals["rules"].span_exact[label].support >= MIN_DEV_SPANS_FOR_LEARNED
        return shares[c][label] >= MIN_WIN_SHARE and enough_spans

    policy: dict[str, str] = {}
    for label in LABELS:
        policy[label] = max((c for c in CHOICES if eligible(c, label)), key=lambda c: (table[c][label], -CHOICES.index(c)))
    table["win_share"] = {f"{c}:{label}": v for c, row in shares.items() for label, v in row.items()}
    return policy, table


def unused_components(policy: dict[str, str]) -> list[str]:
    """The learned components whose output the merge would throw away under `policy`."""
    learned = {label for label, choice in policy.items() if choice in ("union", "learned")}
    off = []
    if not learned & set(ENT_LABELS):
        off += ["conflict_reset_ents", "conflict_ner"]
    if not learned & set(SPAN_LABELS):
        off += ["span_finder", "spancat"]
    if all(policy.get(label, "rules") == "rules" for label in ENT_LABELS):
        off.append("learned_ruler")
    return off


def compare_on(nlp, records: list[dict[str, Any]], policy: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Scores.to_dict() of the rules and of the trained pre-annotator on the same records."""
    totals = _scores(nlp, records, {"rules": dict.fromkeys(LABELS, "rules"), "trained": policy})
    return {k: v.to_dict() for k, v in totals.items()}


def _f1_table(scores: dict[str, Any]) -> dict[str, dict[str, float]]:
    """{mode: {label or 'relations': F1}} from Scores.to_dict()."""
    return {
        mode: {**{label: prf["f1"] for label, prf in scores[mode]["labels"].items()}, "relations": scores[mode]["relations"]["f1"]}
        for mode in ("exact", "overlap")
    }


# --- identity and the final move ----------------------------------------------------


def _fingerprint(data: _Version, config_bytes: bytes, seed: int, fraction: float, max_epochs: int | None, base: str, nlp) -> str:
    """Everything that changes the model: the version's manifest, the config, seed, fraction, epochs, base and rules."""
    h = hashlib.sha256()
    for part in (data.manifest_sha256, hashlib.sha256(config_bytes).hexdigest(), str(seed), repr(fraction), repr(max_epochs), base, nlp.meta[VERSION_META_KEY]):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:8]


def _replace(new: Path, output: Path) -> None:
    """Move the finished model into place; an existing output (only with --force) goes once the new one is there."""
    old = None
    if output.exists():
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.replace(output, old)
    os.replace(new, output)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
