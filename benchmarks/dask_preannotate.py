"""Pre-annotation throughput: one process, `--n-process 2`, and `--dask local:2`, on the same corpus in one run.

    python benchmarks/dask_preannotate.py --docs 2000 --rounds 2

Each variant is the command a user runs (`labeling preannotate corpus.jsonl -o
tasks.jsonl ...` as a child process), so every time includes what the user
waits for: interpreter start, loading the pipeline (in each worker for Dask),
and for Dask starting the LocalCluster. The variants are alternated round by
round, so a change in the machine's load hits all three. Prints each run,
docs/s of the best run per variant and the ratios; the target is Dask within
0.85x of --n-process 2 on a 2-core machine. The outputs are checked
byte-identical.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from preannotate import corpus

from labeling.records import jsonl_writer

VARIANTS = {"1 process": [], "--n-process 2": ["--n-process", "2"], "--dask local:2": ["--dask", "local:2"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--chunk-size", type=int, default=250)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    labeling = str(Path(sys.executable).with_name("labeling"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "corpus.jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            writer = jsonl_writer(fh)
            for doc in corpus(args.docs):
                writer.write({"id": doc.id, "text": doc.text})
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        outputs: dict[str, bytes] = {}
        for r in range(args.rounds):
            for name, extra in VARIANTS.items():
                out = work / f"{name.strip('-').replace(' ', '_').replace(':', '')}.jsonl"
                cmd = [labeling, "preannotate", str(src), "-o", str(out), "--silent", *extra]
                if "--dask" in extra:
                    cmd += ["--chunk-size", str(args.chunk_size)]
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
                seconds = time.perf_counter() - t0
                times[name].append(seconds)
                outputs[name] = out.read_bytes()
                print(f"round {r + 1} {name:>15}: {seconds:6.1f} s  {args.docs / seconds:6.1f} docs/s  (load {os.getloadavg()[0]:.1f})", flush=True)
    best = {name: min(ts) for name, ts in times.items()}
    print(f"\n{args.docs} documents, best of {args.rounds} per variant (each time includes start-up and pipeline load):")
    for name, seconds in best.items():
        print(f"{name:>15}: {seconds:6.1f} s  {args.docs / seconds:6.1f} docs/s")
    print(f"n-process 2 / 1 process: {best['1 process'] / best['--n-process 2']:.2f}x")
    print(f"dask local:2 / n-process 2: {best['--n-process 2'] / best['--dask local:2']:.2f}x (target >= 0.85)")
    per_round = [times["--n-process 2"][r] / times["--dask local:2"][r] for r in range(args.rounds)]
    print("dask / n-process 2 per round: " + ", ".join(f"{x:.2f}x" for x in per_round))
    print(f"outputs byte-identical: {len(set(outputs.values())) == 1}")


if __name__ == "__main__":
    main()
