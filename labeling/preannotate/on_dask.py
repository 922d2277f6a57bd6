"""Pre-annotation on a Dask cluster: disk to disk, in chunks, resumable, byte-identical to one process.

    write_tasks_on_dask(read_documents(["articles/"]), "tasks.jsonl", address="local:2")

The driver streams the documents into chunk files beside the output
(`.tasks.jsonl.chunks/000000.docs.jsonl`, ...). Each chunk is one Dask task: a
worker loads the pipeline once per process (a module-level cache: `nlp` and
Docs are never pickled), pre-annotates the chunk and writes its tasks to
`000000.tasks.jsonl` atomically. The driver merges the chunk outputs in input
order into the output (atomically) and removes the chunk folder.

Killed or crashed, a re-run with the same input and options redoes only the
chunks whose output is missing (a chunk's documents are rewritten only when
they differ). A chunk that fails is retried (Dask `retries`); if it still
fails, the error names the chunk and its first documents, and the output is
not written. The workers must see the chunk folder: a shared disk (a
LocalCluster always does).

`address`: `local` or `local:N` (a LocalCluster with N single-threaded worker
processes), or a scheduler address such as `tcp://10.0.0.5:8786`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import LabelingError
from ..records import Document, iter_jsonl, jsonl_writer
from .run import DEFAULT_BATCH_SIZE, _batches, build_pipeline, preannotate, write_tasks

DEFAULT_CHUNK_SIZE = 500
RETRIES = 2
_PIPELINES: dict[str | None, Any] = {}  # per worker process: model name -> loaded pipeline


def write_tasks_on_dask(
    docs: Iterable[Document],
    output: str | Path,
    *,
    address: str,
    model: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_start: Callable[[str | None, int], None] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Pre-annotate `docs` on Dask into `output`; returns the number of tasks written.

    `on_start(dashboard_link, chunks)` is called once the chunks are known;
    `on_chunk(documents)` after each chunk finishes (for a progress bar).
    """
    from dask.distributed import as_completed

    output = Path(output)
    if not output.parent.is_dir():
        raise LabelingError(f"{output.parent}: output directory does not exist", "Create it or choose another -o path.")
    if chunk_size < 1:
        raise LabelingError("--chunk-size must be at least 1")
    work = output.with_name(f".{output.name}.chunks")
    work.mkdir(exist_ok=True)
    chunks = _write_chunks(docs, work, chunk_size)
    with _client(address) as client:
        if on_start:
            on_start(client.dashboard_link if importlib.util.find_spec("bokeh") else None, len(chunks))  # no bokeh, no dashboard
        todo = {}
        for path, n in chunks:
            done = _done_path(path)
            if done.exists():
                if on_chunk:
                    on_chunk(n)
                continue
            future = client.submit(_run_chunk, str(path), str(done), model, batch_size, key=f"preannotate-{path.name}-{_digest(path)}", retries=RETRIES)
            todo[future] = (path, n)
        for future in as_completed(todo):
            path, n = todo[future]
            if future.status != "finished":
                ids = [doc["id"] for _, doc in iter_jsonl(path)][:5]
                exc = future.exception()
                raise LabelingError(
                    f"chunk {path.name} failed after {RETRIES} retries ({getattr(exc, 'message', exc)}); its documents include {ids}",
                    "Fix or remove those documents and re-run: finished chunks are kept and not redone.",
                )
            if on_chunk:
                on_chunk(n)
    count = _merge([_done_path(p) for p, _ in chunks], output)
    shutil.rmtree(work)
    return count


def _client(address: str):
    from dask.distributed import Client, LocalCluster

    if address == "local" or address.startswith("local:"):
        n = int(address.partition(":")[2] or os.cpu_count() or 1)
        return Client(LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"))
    try:
        return Client(address, timeout="20s")
    except OSError as exc:
        raise LabelingError(f"Cannot reach the Dask scheduler at {address} ({exc}).", "Check the address (tcp://HOST:PORT), or use --dask local:2.") from None


def _write_chunks(docs: Iterable[Document], work: Path, chunk_size: int) -> list[tuple[Path, int]]:
    """Stream the documents into numbered chunk files; keep a chunk file (and so its output) when its content is unchanged."""
    chunks = []
    for i, batch in enumerate(_batches(docs, chunk_size)):
        path = work / f"{i:06d}.docs.jsonl"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            writer = jsonl_writer(fh)
            for doc in batch:
                writer.write(asdict(doc))
        if path.exists() and path.read_bytes() == tmp.read_bytes():
            tmp.unlink()
        else:
            os.replace(tmp, path)
            _done_path(path).unlink(missing_ok=True)  # new documents: the old output is stale
        chunks.append((path, len(batch)))
    for stale in sorted(work.glob("*.docs.jsonl"))[len(chunks) :]:  # the input shrank since the last run
        stale.unlink()
        _done_path(stale).unlink(missing_ok=True)
    return chunks


def _run_chunk(docs_path: str, done_path: str, model: str | None, batch_size: int) -> int:
    """On a worker: load the pipeline once per process, pre-annotate one chunk, write its tasks atomically."""
    if model not in _PIPELINES:
        _PIPELINES[model] = build_pipeline(model)
    docs = (Document(**d) for _, d in iter_jsonl(docs_path))
    return write_tasks(preannotate(docs, nlp=_PIPELINES[model], batch_size=batch_size), done_path)


def _merge(parts: list[Path], output: Path) -> int:
    """Concatenate the chunk outputs in input order into `output`, atomically."""
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                data = part.read_bytes()
                count += data.count(b"\n")
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def _done_path(docs_path: Path) -> Path:
    return docs_path.with_name(docs_path.name.replace(".docs.jsonl", ".tasks.jsonl"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
