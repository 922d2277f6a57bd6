"""Benchmark: `labeling pull` against the raw export download alone, in one run.

Starts a throw-away Label Studio, imports N annotated tasks (annotations and a
prediction in the task JSON), then times
  raw   create_export + download_export to a file (what any export costs)
  pull  the whole pull: the same export + download, parse, validate, tokenize,
        split, write a version
and prints pull / raw (raw timed before and after the pull, averaged;
target <= 1.3 at 3,000 tasks) and the peak memory of this process.
For 100,000 tasks see benchmarks/pull_100k.py.

    python benchmarks/pull.py --tasks 10000
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import resource
import tempfile
import time
from pathlib import Path

from labeling.pull.run import pull
from labeling.records import Annotated, Document, Relation, Span, region_id
from labeling.scheme import default_scheme
from labeling.studio import server
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

REPO = Path(__file__).resolve().parent.parent
CAPITAL = re.compile(r"\b[A-Z][a-z]{3,}\b")


def sentences() -> list[str]:
    pool = []
    for line in (REPO / "data" / "sample" / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        pool += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 40]
    return pool


def make_task(i: int, rng: random.Random, pool: list[str]) -> dict:
    picked = rng.sample(pool, 5)
    claim = picked[0].rstrip(".")
    source = f"Desk {rng.randrange(10**6)} official"
    text = f"{source} said {claim}. " + " ".join(picked[1:]) + f" Report {i}."
    doc = Document.make(f"bench-{i:06d}", text, {"source": "benchmark"})
    spans = [Span(0, len(source), "SOURCE", source, region_id(doc.hash, 0, len(source), "SOURCE"))]
    cs = len(source) + 6
    spans.append(Span(cs, cs + len(claim), "CLAIM", claim, region_id(doc.hash, cs, cs + len(claim), "CLAIM")))
    for m in list(CAPITAL.finditer(text))[1:8]:
        spans.append(Span(m.start(), m.end(), "ACTOR", m.group(), region_id(doc.hash, m.start(), m.end(), "ACTOR")))
    rels = [Relation(spans[1].id, spans[0].id, "attributed_to")]
    task = Annotated(doc, spans, rels, "bench-model-1", 0.7).to_task()
    result = [{**item, "origin": "prediction"} if item.get("type") == "labels" else item for item in task["predictions"][0]["result"]]
    task["annotations"] = [{"result": result[:-2] + result[-1:], "lead_time": round(rng.uniform(5, 120), 2)}]  # one ACTOR deleted
    return task


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="Use (and keep) this server home instead of a temp dir.")
    args = ap.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="labeling-bench-"))
    _st, started = server.start(home, port=server.free_port(), timeout=900)
    try:
        creds = server.load_credentials(home)
        studio = Studio(creds.url, creds.token)
        title = f"benchmark-{args.tasks}"
        proj = studio.find_project(title)
        if proj is None or proj.task_count < args.tasks:
            proj = ensure_project(studio, default_scheme(), title=title).project
            rng, pool = random.Random(0), sentences()
            t0 = time.perf_counter()
            tasks = (make_task(i, rng, pool) for i in range(args.tasks))
            while batch := list(itertools.islice(tasks, 500)):  # the raw SDK import, 500 tasks per request
                studio.import_tasks(proj.id, batch)
            print(f"imported {args.tasks} annotated tasks in {time.perf_counter() - t0:.1f}s")
        work = Path(tempfile.mkdtemp(prefix="labeling-bench-out-"))

        def raw_export() -> tuple[float, int]:
            t0 = time.perf_counter()
            export_id = studio.create_export(proj.id)
            size = studio.download_export(proj.id, export_id, work / "raw.json")
            return time.perf_counter() - t0, size

        # Label Studio's export time varies between runs: time it before and after the pull, use the mean.
        raw1, size = raw_export()
        mem_raw = peak_mb()
        t0 = time.perf_counter()
        result = pull(studio, dataset="bench", project_id=proj.id, exports_dir=work / "exports")
        took = time.perf_counter() - t0
        raw2, _ = raw_export()
        raw = (raw1 + raw2) / 2

        print(f"export: {size / 1e6:.1f} MB for {result.tasks['total']} tasks; version {result.version}, splits {result.counts}")
        print(f"raw export (create + download): {raw:.2f}s (mean of {raw1:.2f}s before and {raw2:.2f}s after the pull)")
        print(f"labeling pull:                  {took:.2f}s")
        print(f"ratio pull / raw:               {took / raw:.2f}x (target <= 1.3x at 3,000 tasks)")
        print(f"peak memory (this process): {mem_raw:.0f} MB after the raw download, {peak_mb():.0f} MB after the pull")
    finally:
        if started and not args.keep:
            server.stop(home)


if __name__ == "__main__":
    main()
