"""The model a backend serves: loaded once, swapped whole after a training, never half-changed.

Two kinds of model:
- "rules" (or an installed pipeline name): `build_pipeline` plus our rule
  component, run through `labeling.preannotate.run.preannotate`, so every
  prediction and model_version is exactly what `labeling preannotate` writes;
- a directory written by `labeling train`: loaded and versioned by
  labeling.preannotate.model, as `labeling preannotate --model DIR` does, so
  both report one model_version;
- another spaCy pipeline directory: entities and `doc.spans["sc"]` whose
  labels are in the scheme become regions, versioned by a fingerprint.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..preannotate.model import is_trained, pipeline_version
from ..preannotate.run import NO_REGION_SCORE, build_pipeline, preannotate
from ..records import Annotated, Document, Span, content_hash, region_id
from ..scheme import default_scheme

RULES = "rules"
TRAINED_REGION_SCORE = 0.5  # a trained NER gives no calibrated per-entity score; spancat scores are used when present


@dataclass(frozen=True)
class LoadedModel:
    nlp: Any
    name: str  # "rules", a pipeline name or a directory
    model_version: str
    rules: bool  # our conflict_annotator is in the pipeline


def load_model(model: str = RULES, *, model_version: str | None = None) -> LoadedModel:
    """Load `model` ("rules", an installed pipeline name, or a trained pipeline directory)."""
    path = Path(model)
    if model == RULES or not path.exists() or is_trained(path):
        nlp = build_pipeline(None if model == RULES else model)
        return LoadedModel(nlp, model, model_version or pipeline_version(nlp), True)
    if not path.is_dir() or not (path / "meta.json").is_file():
        raise ConfigError(f"{path}: not a spaCy pipeline directory (no meta.json)", "Pass --model rules or the output directory of a training run.")
    # here, not at the top: spaCy takes seconds to import, and callers that never load a pipeline need none of it
    import spacy

    from ..preannotate import components  # noqa: F401  registers conflict_annotator for pipelines saved with it

    try:
        nlp = spacy.load(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: the spaCy pipeline could not be loaded: {exc}", "Check that the training run finished; re-run it if not.") from None
    version = model_version or _dir_version(nlp, path)
    return LoadedModel(nlp, str(path), version, "conflict_annotator" in nlp.pipe_names)


def _dir_version(nlp: Any, path: Path) -> str:
    """A stable version for a spaCy directory not made by `labeling train`: a fingerprint of its config and meta."""
    digest = hashlib.sha256()
    for name in ("config.cfg", "meta.json"):
        if (path / name).is_file():
            digest.update((path / name).read_bytes())
    return f"trained-{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'pipeline')}-{digest.hexdigest()[:8]}"


class ModelHolder:
    """The current model; `annotate` runs one request at a time, `swap` replaces the model between requests."""

    def __init__(self, model: LoadedModel, *, batch_size: int = 64):
        self._model = model
        self.batch_size = batch_size
        self._run_lock = threading.Lock()  # spaCy pipelines are not safe to run from two threads at once

    @property
    def current(self) -> LoadedModel:
        return self._model

    @property
    def model_version(self) -> str:
        return self._model.model_version

    def swap(self, model: LoadedModel) -> None:
        with self._run_lock:  # waits for a running request: it finishes on the old model, the next gets the new one
            self._model = model

    def annotate(self, texts: list[tuple[str, str]], *, time_limit: float | None = None) -> list[Annotated]:
        """(task id, text) pairs -> one Annotated per pair, in order, through nlp.pipe in batches.

        The text is used exactly as Label Studio holds it (not normalised), so offsets
        point into the task's own text; for text `labeling preannotate` wrote, that is the same text.
        With `time_limit` (seconds), TooSlow is raised as soon as the measured rate says the
        whole request cannot finish in time: Label Studio would drop the answer anyway.
        """
        docs = [Document(id=task_id, text=text, hash=content_hash(text)) for task_id, text in texts]
        out: list[Annotated] = []
        with self._run_lock:
            model = self._model
            t0 = time.perf_counter()
            # memory_zone frees the strings each request adds, so a long-running server does not grow.
            with model.nlp.memory_zone():
                if model.rules:
                    stream = preannotate(iter(docs), nlp=model.nlp, batch_size=self.batch_size)
                else:
                    stream = _trained(model, docs, self.batch_size)
                for annotated in stream:
                    out.append(annotated)
                    if time_limit is not None and len(out) % self.batch_size == 0:
                        elapsed = time.perf_counter() - t0
                        projected = elapsed / len(out) * len(docs)
                        if len(out) >= 2 * self.batch_size and projected > time_limit:
                            raise TooSlow(len(docs), len(out), elapsed, projected)
        return out


class TooSlow(Exception):
    """A request that cannot be answered within the caller's time limit at the measured rate."""

    def __init__(self, total: int, done: int, elapsed: float, projected: float):
        super().__init__(f"{total} tasks would take about {projected:.0f} s")
        self.total, self.done, self.elapsed, self.projected = total, done, elapsed, projected

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


def _trained(model: LoadedModel, docs: list[Document], batch_size: int) -> Iterator[Annotated]:
    labels = set(default_scheme().label_names)
    for spacy_doc, doc in model.nlp.pipe(((d.text, d) for d in docs), as_tuples=True, batch_size=batch_size):
        found: dict[tuple[int, int, str], float] = {}
        for ent in spacy_doc.ents:
            if ent.label_ in labels:
                found[(ent.start_char, ent.end_char, ent.label_)] = TRAINED_REGION_SCORE
        group = spacy_doc.spans.get("sc")
        if group is not None:
            scores = group.attrs.get("scores")
            for i, span in enumerate(group):
                if span.label_ in labels:
                    score = float(scores[i]) if scores is not None and i < len(scores) else TRAINED_REGION_SCORE
                    found[(span.start_char, span.end_char, span.label_)] = score
        spans = [Span(s, e, label, doc.text[s:e], region_id(doc.hash, s, e, label), sc) for (s, e, label), sc in sorted(found.items())]
        score = min((s.score for s in spans if s.score is not None), default=NO_REGION_SCORE)
        yield Annotated(doc=doc, spans=spans, relations=[], model_version=model.model_version, score=score)
