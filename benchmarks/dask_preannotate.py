"""Pre-annotation throughput: one process, `--n-process 2`, and Dask `local:2`, on the same corpus in one run.

    python benchmarks/dask_preannotate.py --docs 1000

Prints docs/s for each and the ratios; the target is Dask within 0.85x of --n-process 2
on a 2-core machine. The Dask time includes starting the LocalCluster and each worker
loading the pipeline (what a user waits for), and its output is checked byte-identical.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from preannotate import corpus

from labeling.preannotate.on_dask import write_tasks_on_dask
from labeling.preannotate.run import build_pipeline, preannotate, write_tasks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--chunk-size", type=int, default=100)
    args = ap.parse_args()
    n = args.docs
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        nlp = build_pipeline()
        timings = {}
        for name, procs in (("1 process", 1), ("--n-process 2", 2)):
            t0 = time.perf_counter()
            write_tasks(preannotate(corpus(n), nlp=nlp, n_process=procs), out / f"{procs}.jsonl")
            timings[name] = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_tasks_on_dask(corpus(n), out / "dask.jsonl", address="local:2", chunk_size=args.chunk_size)
        timings["--dask local:2"] = time.perf_counter() - t0
        same = (out / "dask.jsonl").read_bytes() == (out / "1.jsonl").read_bytes() == (out / "2.jsonl").read_bytes()
    for name, seconds in timings.items():
        print(f"{name:>15}: {seconds:6.1f} s  {n / seconds:6.1f} docs/s")
    print(f"n-process 2 / 1 process: {timings['1 process'] / timings['--n-process 2']:.2f}x")
    print(f"dask local:2 / n-process 2: {timings['--n-process 2'] / timings['--dask local:2']:.2f}x (target >= 0.85)")
    print(f"outputs byte-identical: {same}")


if __name__ == "__main__":
    main()
