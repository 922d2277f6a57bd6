"""Throughput and memory of pre-annotation against bare spaCy.

    python benchmarks/preannotate.py [--docs 2000] [--batch-size 64]

1. One process: bare `nlp.pipe` of the same loaded pipeline (tagger, parser,
   NER ...; our four components disabled) vs our full path (pipe + rules +
   task JSON serialisation). Target: ours >= 0.90x bare. Also against the
   pipeline exactly as `spacy.load` gives it (with the lemmatizer we disable).
2. Ours with n_process=2 vs n_process=1. Target: >= 1.7x (needs 2+ cores).
3. Peak RSS (getrusage maxrss) of a fresh process streaming 1k vs 10k docs
   into a tasks file: it should stay flat, because nothing holds the stream.

The corpus repeats the sample articles (data/sample/articles) with distinct
ids and a numbered first line, so no two documents are identical.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from labeling.paths import sample_dir
from labeling.preannotate.run import build_pipeline, preannotate, write_tasks
from labeling.records import Document
from labeling.scheme import default_scheme

OURS = ("dateline_sentences", "weapon_ruler", "actor_ruler", "conflict_annotator")


def corpus(n: int) -> Iterator[Document]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((sample_dir() / "articles").glob("*.txt"))]
    for k in range(n):
        yield Document.make(f"bench-{k}", f"Update {k}.\n\n{texts[k % len(texts)]}")


def bare(nlp, n: int, batch_size: int) -> tuple[float, float, int]:
    """(wall s, CPU s of this process, tokens) for nlp.pipe with our components off."""
    tokens = 0
    start, cpu = time.perf_counter(), time.process_time()
    with nlp.select_pipes(disable=list(OURS)):
        for doc in nlp.pipe((d.text for d in corpus(n)), batch_size=batch_size):
            tokens += len(doc)
    return time.perf_counter() - start, time.process_time() - cpu, tokens


def bare_default(model: str, n: int, batch_size: int) -> float:
    """Wall s for nlp.pipe of the pipeline exactly as spacy.load gives it (lemmatizer included)."""
    import spacy

    nlp = spacy.load(model)
    for _ in nlp.pipe((d.text for d in corpus(50)), batch_size=batch_size):
        pass
    start = time.perf_counter()
    for _ in nlp.pipe((d.text for d in corpus(n)), batch_size=batch_size):
        pass
    return time.perf_counter() - start


def ours(nlp, n: int, batch_size: int, n_process: int = 1) -> tuple[float, float]:
    """(wall s, CPU s of this process) for the full path to a tasks file."""
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), time.process_time()
        write_tasks(preannotate(corpus(n), nlp=nlp, batch_size=batch_size, n_process=n_process), Path(tmp) / "t.jsonl")
        return time.perf_counter() - start, time.process_time() - cpu


def peak_rss(n: int, batch_size: int) -> int:
    """maxrss (KiB) of a child process that streams n documents to a tasks file."""
    code = (
        "import resource, sys, tempfile, pathlib\n"
        "sys.path.insert(0, %r)\n"
        "from preannotate import corpus\n"
        "from labeling.preannotate.run import build_pipeline, preannotate, write_tasks\n"
        "nlp = build_pipeline()\n"
        "with tempfile.TemporaryDirectory() as tmp:\n"
        "    write_tasks(preannotate(corpus(%d), nlp=nlp, batch_size=%d), pathlib.Path(tmp) / 't.jsonl')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    ) % (str(Path(__file__).parent), n, batch_size)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return int(out.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    n, bs = args.docs, args.batch_size
    nlp = build_pipeline()
    ours(nlp, 50, bs)  # warm-up: lazy tables, first-batch allocations
    bare(nlp, 50, bs)
    t_bare, cpu_bare, tokens = bare(nlp, n, bs)
    t_ours, cpu_ours = ours(nlp, n, bs)
    result = {
        "docs": n,
        "tokens": tokens,
        "cpus": os.cpu_count(),
        "bare_docs_per_s": round(n / t_bare, 1),
        "bare_tokens_per_s": round(tokens / t_bare),
        "ours_docs_per_s": round(n / t_ours, 1),
        "ours_tokens_per_s": round(tokens / t_ours),
        "ours_vs_bare": round(t_bare / t_ours, 3),
        # CPU time is robust to other load on the machine; wall time is what users see.
        "ours_vs_bare_cpu": round(cpu_bare / cpu_ours, 3),
        "load_average": os.getloadavg()[0],
    }
    # Baseline 2: the installed pipeline as spacy.load gives it (we switch its lemmatizer off).
    t_default = bare_default(default_scheme().tokenizer, n, bs)
    result["default_pipeline_docs_per_s"] = round(n / t_default, 1)
    result["ours_vs_default_pipeline"] = round(t_default / t_ours, 3)
    t_two, _ = ours(nlp, n, bs, n_process=2)
    result["ours_2proc_docs_per_s"] = round(n / t_two, 1)
    result["two_vs_one_process"] = round(t_ours / t_two, 3)
    if not args.skip_memory:
        result["peak_rss_mib_1k"] = round(peak_rss(1000, bs) / 1024, 1)
        result["peak_rss_mib_10k"] = round(peak_rss(10000, bs) / 1024, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
