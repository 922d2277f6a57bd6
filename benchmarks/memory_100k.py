"""Benchmark: a project memory of 100,000 annotated tasks is counted streamed, in bounded memory.

Synthetic annotations (articles of about 1,500 characters, a few hundred distinct
names) go into the SQLite store a page at a time, as `build` does with Label
Studio's task list; then the memory is counted from the store. Printed: the time
of each step, the peak Python memory of the count (tracemalloc), and the same for
10,000 tasks: the ratio shows the count's memory does not grow with the tasks.
Label Studio's side (the paged task list) is not part of this run.

    python benchmarks/memory_100k.py [--tasks 100000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labeling.learn.memory import AnnotationRow
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


def run(tasks: int, work: Path) -> tuple[float, float, float, int]:
    rng = random.Random(0)
    store = MemoryStore(work / f"memory-{tasks}.sqlite")
    t0 = time.perf_counter()
    for start in range(0, tasks, 100):  # a page at a time, as build() streams Label Studio's list
        store.replace_tasks(task(n, rng) for n in range(start, min(tasks, start + 100)))
    t_store = time.perf_counter() - t0
    tracemalloc.start()
    t0 = time.perf_counter()
    memory = store.memory()
    t_count = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    store.close()
    return t_store, t_count, peak, len(memory.learned())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=100_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="labeling-memory-"))
    small = run(args.tasks // 10, work)
    big = run(args.tasks, work)
    for n, (t_store, t_count, peak, learned) in ((args.tasks // 10, small), (args.tasks, big)):
        print(f"{n:>7} tasks: stored in {t_store:.1f} s, counted in {t_count:.1f} s, peak {peak:.1f} MB during the count, {learned} learned")
    print(f"x{args.tasks // (args.tasks // 10)} tasks: count time x{big[1] / small[1]:.1f}, peak memory x{big[2] / small[2]:.2f}")


if __name__ == "__main__":
    main()
