"""Retrieve Predictions for 1,000 tasks: our backend in one /predict vs the reference approach.

    python benchmarks/serve.py [--tasks 1000] [--batch-size 64] [--rounds 2]

Both servers run as separate processes with the same pipeline (build_pipeline:
the small English model plus our rules) and are sent the same sample-like tasks:

- ours: `labeling serve`, all tasks in one POST /predict (what Label Studio's
  Data Manager action retrieve_tasks_predictions sends), nlp.pipe in batches;
- reference: the approach of HumanSignal's spaCy example backend: one task per
  request (what Label Studio falls back to for a backend that answers one
  result), `nlp(text)` per task.

Both servers run at once and the two are alternated (--rounds), so load from
other jobs hits both alike. Prints wall and server CPU seconds, the ratios
(reference / ours), and whether the one big request fits Label Studio's
default ML_TIMEOUT_PREDICT (100 s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from preannotate import corpus

ML_TIMEOUT_PREDICT = 100.0


def reference_server(port: int) -> None:
    """The reference backend: nlp() once per task, one task per request."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from labeling.preannotate.run import build_pipeline, pipeline_version, to_annotated
    from labeling.records import Document

    nlp = build_pipeline()
    version = pipeline_version(nlp)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "UP"})

    async def predict_async(request: Request) -> JSONResponse:
        body = await request.json()
        results = []
        for task in body["tasks"]:
            doc = Document.make(str(task["id"]), task["data"]["text"])
            results.append(to_annotated(doc, nlp(doc.text)._.conflict, version).prediction())
        return JSONResponse({"results": results})

    app = Starlette(routes=[Route("/health", health), Route("/predict", predict_async, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def start(cmd: list[str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/health"
    for _ in range(600):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"server on port {port} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2, help="Alternating runs of each.")
    parser.add_argument("--reference-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference_server:
        reference_server(args.reference_server)
        return

    from labeling.studio.server import free_port

    tasks: list[dict[str, Any]] = [{"id": i, "data": {"text": d.text}} for i, d in enumerate(corpus(args.tasks))]
    chars = sum(len(t["data"]["text"]) for t in tasks)
    print(f"{len(tasks)} sample-like tasks, {chars / 1e6:.2f}M characters; {os.cpu_count()} CPUs")
    warm = {"tasks": tasks[:20]}

    ours_port, ref_port = free_port(), free_port()
    # --predict-timeout 0: measure the whole request even when it would not fit Label Studio's timeout.
    ours_cmd = [sys.executable, "-m", "labeling", "serve", "--port", str(ours_port), "--batch-size", str(args.batch_size), "--log-level", "warning"]
    ours = start([*ours_cmd, "--predict-timeout", "0"], ours_port)
    ref = start([sys.executable, __file__, "--reference-server", str(ref_port)], ref_port)
    ours_url, ref_url = f"http://127.0.0.1:{ours_port}/predict", f"http://127.0.0.1:{ref_port}/predict"
    try:
        with httpx.Client(timeout=3600) as client:
            client.post(ours_url, json=warm)
            for t in warm["tasks"]:
                client.post(ref_url, json={"tasks": [t]})
            # Alternate the two, so load from other jobs on a shared machine hits both alike;
            # CPU seconds of each server process are less sensitive to that load than wall time.
            ours_runs, ref_runs = [], []
            for _ in range(args.rounds):
                cpu0, t0 = cpu_seconds(ours.pid), time.perf_counter()
                r = client.post(ours_url, json={"tasks": tasks})
                ours_runs.append((time.perf_counter() - t0, cpu_seconds(ours.pid) - cpu0))
                assert r.status_code == 200 and len(r.json()["results"]) == len(tasks), r.text[:300]
                ours_results = r.json()["results"]
                cpu0, t0 = cpu_seconds(ref.pid), time.perf_counter()
                ref_results = [client.post(ref_url, json={"tasks": [t]}).json()["results"][0] for t in tasks]
                ref_runs.append((time.perf_counter() - t0, cpu_seconds(ref.pid) - cpu0))
    finally:
        for proc in (ours, ref):
            proc.terminate()
            proc.wait()

    same = sum(a == b for a, b in zip(ours_results, ref_results, strict=True))
    n = len(tasks)
    for k, ((ow, oc), (rw, rc)) in enumerate(zip(ours_runs, ref_runs, strict=True), 1):
        print(f"round {k}: ours 1 request of {n} tasks (nlp.pipe, batch {args.batch_size}): {ow:6.1f} s wall, {oc:6.1f} s CPU ({n / ow:5.1f} tasks/s)")
        print(f"         reference {n} requests of 1 task (nlp() per task):     {rw:6.1f} s wall, {rc:6.1f} s CPU ({n / rw:5.1f} tasks/s)")
        print(f"         ratio reference/ours: wall {rw / ow:.2f}x, CPU {rc / oc:.2f}x")
    best_o, best_r = min(w for w, _ in ours_runs), min(w for w, _ in ref_runs)
    print(f"best of {args.rounds}: ratio reference/ours wall {best_r / best_o:.2f}x, CPU {min(c for _, c in ref_runs) / min(c for _, c in ours_runs):.2f}x")
    print(f"identical predictions (result, score, model_version): {same}/{n}")
    worst = max(w for w, _ in ours_runs)
    fits = "fits" if worst < ML_TIMEOUT_PREDICT else "DOES NOT fit"
    print(f"slowest one-request retrieval of {n} tasks: {worst:.1f} s: {fits} Label Studio's default ML_TIMEOUT_PREDICT of {ML_TIMEOUT_PREDICT:.0f} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
