"""Benchmark: our push vs one raw SDK bulk import of the same payload, in one run.

    python benchmarks/push.py --n 5000            # throughput ratio (target >= 0.8)
    python benchmarks/push.py --n 100000 --memory # peak memory of a streamed push

Starts its own Label Studio in a temp dir (or uses LABEL_STUDIO_URL/API_KEY).
The raw import goes first into project B, our push (duplicate check included)
second into project A, so a database that grows works against us, not for us.
A second push of the same tasks (all present) is timed too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labeling.push.tasks import push_tasks
from labeling.records import Annotated, Document, Relation, Span, region_id
from labeling.scheme import default_scheme
from labeling.studio import server
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project
from tests.helpers import raw_sdk

TEMPLATE = (
    "KYIV, March {d} - Russian forces launched {n} Shahed-136 drones overnight, the Ukrainian air force said "
    'on Telegram. "Air defence destroyed {k} of them," spokesman Yuriy Ihnat told reporters, adding that '
    "debris fell on a residential district in report {i}."
)


def tasks(n: int, model_version: str = "bench-v1") -> Iterator[dict]:
    for i in range(n):
        text = TEMPLATE.format(d=i % 28 + 1, n=i % 50 + 10, k=i % 40 + 5, i=i)
        doc = Document.make(f"bench-{i:07d}", text, {"outlet": "bench"})
        spans = []
        for needle, label in (
            ("Russian forces", "ACTOR"),
            ("Shahed-136 drones", "WEAPON"),
            ("Ukrainian air force", "SOURCE"),
            ("spokesman Yuriy Ihnat", "SOURCE"),
        ):
            s = text.index(needle)
            spans.append(Span(s, s + len(needle), label, needle, region_id(doc.hash, s, s + len(needle), label), 0.9))
        q0 = text.index('"') + 1
        q1 = text.index('"', q0)
        claim = Span(q0, q1, "CLAIM", text[q0:q1], region_id(doc.hash, q0, q1, "CLAIM"), 0.8)
        spans.append(claim)
        yield Annotated(doc, spans, [Relation(claim.id, spans[3].id, "attributed_to", 0.8)], model_version, 0.8).to_task()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--memory", action="store_true", help="only push N streamed tasks and report peak memory")
    args = ap.parse_args()

    home = None
    if os.environ.get("LABEL_STUDIO_URL"):
        studio = Studio.connect()
    else:
        home = Path(tempfile.mkdtemp(prefix="bench-push-"))
        print("starting Label Studio in", home, flush=True)
        server.start(home, port=server.free_port(), timeout=600)
        studio = Studio.connect(home=home)
    try:
        scheme = default_scheme()
        stamp = time.strftime("%H%M%S")
        ours = ensure_project(studio, scheme, title=f"bench push ours {stamp}").project
        if args.memory:
            base = peak_mb()
            t0 = time.perf_counter()
            s = push_tasks(tasks(args.n), studio, ours.id)
            dt = time.perf_counter() - t0
            print(f"pushed {s.created} tasks in {dt:.1f}s ({s.created / dt:.0f} tasks/s); peak RSS {peak_mb():.0f} MB (before push {base:.0f} MB)")
            return

        raw = ensure_project(studio, scheme, title=f"bench push raw {stamp}").project
        payload = list(tasks(args.n))
        size = len(json.dumps(payload).encode()) / 1e6
        t0 = time.perf_counter()
        raw_sdk(studio).projects.import_tasks(id=raw.id, request=payload, commit_to_project=True, return_task_ids=True)
        t_raw = time.perf_counter() - t0

        t0 = time.perf_counter()
        s = push_tasks(iter(payload), studio, ours.id)
        t_ours = time.perf_counter() - t0
        assert s.created == args.n, s

        t0 = time.perf_counter()
        again = push_tasks(iter(payload), studio, ours.id)
        t_again = time.perf_counter() - t0
        assert again.created == 0 and again.present == args.n

        print(f"tasks: {args.n} ({size:.1f} MB of JSON)")
        print(f"raw SDK import (1 request): {t_raw:.2f}s  {args.n / t_raw:.0f} tasks/s")
        print(f"labeling push ({s.requests} requests): {t_ours:.2f}s  {args.n / t_ours:.0f} tasks/s")
        print(f"throughput ratio ours/raw: {t_raw / t_ours:.2f}x (target >= 0.80)")
        print(f"re-push, all {args.n} present: {t_again:.2f}s (index read {again.index_seconds:.2f}s, {again.index_seconds / args.n * 1000:.2f} ms/task)")
    finally:
        if home:
            server.stop(home)


if __name__ == "__main__":
    main()
