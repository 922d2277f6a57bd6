"""Benchmark: a project memory of 100,000 annotated tasks: counted streamed, then kept up to date per webhook.

Synthetic annotations (articles of about 1,500 characters, a few hundred distinct
names) go into the SQLite store a page at a time, as `build` does with Label
Studio's task list; then the memory is counted from the store. Printed: the time
of each step, the process's peak resident memory after the count (tracemalloc's overhead would swamp the times), and the same for
10,000 tasks: the ratio shows the count's memory does not grow with the tasks.
Then one webhook-sized update (one task's annotation replaced), timed two ways in
the same run: the store's incremental update (labeling.learn.counts) and the full
recount it replaces (Memory.from_rows over every row), as a ratio; plus an update
that brings a key never seen before (one pass over the stored texts for it).
Label Studio's side (the paged task list) is not part of this run.

    python benchmarks/memory_100k.py [--tasks 100000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labeling.learn.memory import AnnotationRow, Memory
from labeling.learn.store import MemoryStore

NAMES = [f"Unit {i}" for i in range(300)] + [f"Brigade {chr(65 + i % 26)}{i}" for i in range(200)]
FILLER = "Officials said the situation near the border remained tense after the overnight clashes. "


def task(n: int, rng: random.Random) -> tuple[int, str, list[AnnotationRow]]:
    names = rng.sample(NAMES, 4)
    text = FILLER * 8 + "".join(f"{FILLER}{name} moved forward. " for name in names) + FILLER * 4
    given = []
    for name in names:
        start = text.index(name)
        given.append((start, start + len(name), "ACTOR"))
    return n, text, [AnnotationRow(n, n, text, tuple(given), ())]


def run(tasks: int, work: Path) -> dict[str, float]:
    rng = random.Random(0)
    store = MemoryStore(work / f"memory-{tasks}.sqlite")
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    for start in range(0, tasks, 100):  # a page at a time, as build() streams Label Studio's list
        store.replace_tasks(task(n, rng) for n in range(start, min(tasks, start + 100)))
    out["store"] = time.perf_counter() - t0
    store.close()
    store = MemoryStore(work / f"memory-{tasks}.sqlite")  # a restart: the counts are counted from the rows
    t0 = time.perf_counter()
    memory = store.memory()
    out["count"] = time.perf_counter() - t0
    out["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # the process's peak so far (MB; Linux gives KB)
    out["learned"] = len(memory.learned())
    times = []
    for n in range(tasks // 2, tasks // 2 + 9):  # webhooks: one task's annotation changed (the median of 9)
        t0 = time.perf_counter()
        store.replace_tasks([task(n, rng)])
        incremental = store.memory()
        times.append(time.perf_counter() - t0)
    out["update"] = sorted(times)[len(times) // 2]
    t0 = time.perf_counter()
    recount = Memory.from_rows(store.rows)
    out["recount"] = time.perf_counter() - t0
    assert incremental.evidence == recount.evidence and incremental.annotations == recount.annotations
    n, text, rows = task(tasks // 3, rng)
    text += " Battalion Omega moved forward."
    start = text.index("Battalion Omega")
    rows = [AnnotationRow(n, n, text, ((start, start + 15, "ACTOR"),), ())]
    t0 = time.perf_counter()
    store.replace_tasks([(n, text, rows)])  # a webhook teaching a name never seen: one pass over the texts for it
    store.memory()
    out["new_key"] = time.perf_counter() - t0
    store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=100_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="labeling-memory-"))
    small = run(args.tasks // 10, work)
    big = run(args.tasks, work)
    for n, r in ((args.tasks // 10, small), (args.tasks, big)):
        print(
            f"{n:>7} tasks: stored in {r['store']:.1f} s, counted in {r['count']:.1f} s, peak RSS {r['peak']:.0f} MB so far, {r['learned']:.0f} learned; "
            f"one webhook: incremental {r['update'] * 1000:.1f} ms vs full recount {r['recount']:.2f} s (x{r['recount'] / r['update']:.0f} faster); "
            f"a webhook with a new key {r['new_key']:.2f} s"
        )
    print(
        f"x{args.tasks // (args.tasks // 10)} tasks: count time x{big['count'] / small['count']:.1f}, peak memory x{big['peak'] / small['peak']:.2f}, "
        f"incremental update time x{big['update'] / small['update']:.1f}, full recount time x{big['recount'] / small['recount']:.1f}"
    )


if __name__ == "__main__":
    main()
