"""Benchmark: `labeling review` and the adjudicated pull against a plain `labeling pull`, in one run.

On a Label Studio server (a throw-away one, or --keep HOME), makes two
annotator accounts with `labeling team add`'s library twin, imports N tasks
each holding both annotators' annotations (a share of them disagreeing on
the SOURCE boundary), then times
  pull        labeling pull --policy latest (the baseline: export, validate, tokenize, write)
  review      the first review (export, compare, create the review project, import the disagreements)
  again       a second review (nothing new to add)
  adjudicated labeling pull --policy adjudicated (two exports: project and review project)
and prints each as a ratio of `pull`, with the agreement figures of the report.

    python benchmarks/review.py --tasks 1000 --disagree 0.3
"""

from __future__ import annotations

import argparse
import itertools
import random
import tempfile
import time
import uuid
from pathlib import Path

from labeling.pull.run import pull
from labeling.quality.report import quality
from labeling.records import Document, Relation, Span, region_id, to_results
from labeling.review.run import review
from labeling.scheme import default_scheme
from labeling.studio import server
from labeling.studio.client import Studio
from labeling.studio.projects import create_from_scheme
from labeling.studio.users import add_member

WORDS = ["army", "ministry", "rebels", "police", "governor", "officials", "spokesman", "residents"]


def make_task(i: int, rng: random.Random, annotators: list[int], disagree: float) -> dict:
    source = rng.choice(WORDS)
    claim = f"{rng.randrange(2, 90)} drones were shot down over district {rng.randrange(10**5)}"
    text = f"Report {i}: the {source} said {claim}, according to a statement issued on day {rng.randrange(365)}."
    doc = Document.make(f"review-bench-{i:06d}", text)

    def version(with_article: bool) -> list[dict]:
        s0 = text.index(f"the {source}") if with_article else text.index(source)
        s1 = text.index(source) + len(source)
        c0 = text.index(claim)
        spans = [Span(s0, s1, "SOURCE", text[s0:s1], region_id(doc.hash, s0, s1, "SOURCE")),
                 Span(c0, c0 + len(claim), "CLAIM", claim, region_id(doc.hash, c0, c0 + len(claim), "CLAIM"))]  # fmt: skip
        return to_results(spans, [Relation(spans[1].id, spans[0].id, "attributed_to")])

    differs = rng.random() < disagree
    return {
        "data": {"text": doc.text, "doc_id": doc.id, "content_hash": doc.hash, "meta": {}},
        "annotations": [{"result": version(False), "completed_by": annotators[0]}, {"result": version(differs), "completed_by": annotators[1]}],
    }


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--disagree", type=float, default=0.3)
    ap.add_argument("--keep", type=Path, help="Use (and keep) this server home instead of a temp dir.")
    args = ap.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="labeling-bench-"))
    _st, started = server.start(home, port=server.free_port(), timeout=900)
    try:
        creds = server.load_credentials(home)
        studio = Studio(creds.url, creds.token)
        run = uuid.uuid4().hex[:6]
        ids = [add_member(studio, f"bench{n}-{run}@example.org", home=home).user_id for n in (1, 2)]
        proj = create_from_scheme(studio, default_scheme(), f"review-bench-{run}")
        rng = random.Random(0)
        tasks = (make_task(i, rng, ids, args.disagree) for i in range(args.tasks))
        while batch := list(itertools.islice(tasks, 500)):
            studio.import_tasks(proj.id, batch)
        work = Path(tempfile.mkdtemp(prefix="labeling-bench-out-"))

        base, t_pull = timed(lambda: pull(studio, dataset="latest", project_id=proj.id, exports_dir=work))
        first, t_review = timed(lambda: review(studio, project_id=proj.id))
        second, t_again = timed(lambda: review(studio, project_id=proj.id))
        adj, t_adj = timed(lambda: pull(studio, dataset="adjudicated", project_id=proj.id, exports_dir=work, policy="adjudicated"))
        assert adj.path is not None
        q, t_quality = timed(lambda: quality(adj.path, trend=False))

        print(f"{args.tasks} documents x 2 annotators, {len(first.added)} disagreeing ({args.disagree:.0%} asked), review project id {first.review_project.id}")
        print(f"pull --policy latest (baseline):   {t_pull:6.2f}s  1.00x")
        print(f"review, first run:                 {t_review:6.2f}s  {t_review / t_pull:.2f}x  ({len(first.added)} tasks added)")
        print(f"review, second run:                {t_again:6.2f}s  {t_again / t_pull:.2f}x  ({len(second.added)} added)")
        print(f"pull --policy adjudicated:         {t_adj:6.2f}s  {t_adj / t_pull:.2f}x  rules {adj.rules}")
        print(f"quality (incl. alpha, pairs):      {t_quality:6.2f}s  {t_quality / t_pull:.2f}x")
        print(f"alpha per label: {q.team.alphas()}; base version {base.version}")
    finally:
        if started and not args.keep:
            server.stop(home)


if __name__ == "__main__":
    main()
