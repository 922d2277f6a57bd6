"""Two `labeling push` of the same tasks at once into a project holding one of them, repeated.

    LABELING_HOME=/tmp/ls-race python benchmarks/race.py --rounds 4 --n 600 --batch 50

Against the Label Studio of LABELING_HOME (started first with `labeling server start`).
Prints, per round, the tasks the project ends with, the duplicates left, what each
pusher reported removing against what was really removed, and the errors; at the
end, whether the server still accepts a write (create a project, import, delete).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from labeling.scheme import default_scheme
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project


def make_tasks(n: int, prefix: str) -> list[dict]:
    from labeling.records import Annotated, Document

    docs = (Document.make(f"{prefix}-{i:05d}", f"Report {prefix} {i}: the army said drones were shot down.", {}) for i in range(n))
    return [Annotated(doc, [], [], "race-v1", 0.5).to_task() for doc in docs]


def write(path: Path, tasks: list[dict]) -> Path:
    path.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    return path


def number(out: str, before: str, after: str) -> int:
    return int(out.split(before)[1].split(after)[0]) if before in out and after in out.split(before)[1] else 0


def one_round(studio: Studio, tasks: Path, one: Path, n: int, batch: int) -> dict:
    title = f"race bench {uuid.uuid4().hex[:8]}"
    subprocess.run([sys.executable, "-m", "labeling", "push", str(one), "--project", title, "-q"], check=True, capture_output=True)
    args = [sys.executable, "-m", "labeling", "push", str(tasks), "--project", title, "-q", "--batch-count", str(batch)]
    t0 = time.perf_counter()
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=900) for p in procs]
    seconds = time.perf_counter() - t0
    (project,) = studio.projects_titled(title)
    counts = Counter(str(s.data.get("doc_id")) for s in studio.iter_task_states(project.id))
    created = [number(o, "created ", ",") for o, _ in outs]
    reported = [number(o, "removed ", " duplicate") for o, _ in outs]
    return {
        "tasks": sum(counts.values()),
        "documents": len(counts),
        "left": sum(counts.values()) - len(counts),
        "created": created,
        "reported_removed": reported,
        "really_removed": 1 + sum(created) - sum(counts.values()),
        "exit": [p.returncode for p in procs],
        "errors": [e.strip()[-600:] for _, e in outs if e.strip()],
        "seconds": round(seconds, 1),
    }


def accepts_writes(studio: Studio) -> str:
    try:
        project = ensure_project(studio, default_scheme(), title=f"race bench write {uuid.uuid4().hex[:8]}").project
        ids = studio.import_tasks(project.id, make_tasks(1, "w"))
        studio.delete_unannotated_tasks(project.id, ids)
        return "yes"
    except Exception as exc:  # the answer is what we measure
        return f"no: {exc}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--batch", type=int, default=50)
    a = ap.parse_args()
    studio = Studio.connect()
    tmp = Path(tempfile.mkdtemp())
    tasks, one = write(tmp / "tasks.jsonl", make_tasks(a.n, "race")), write(tmp / "one.jsonl", make_tasks(1, "race"))
    bad = 0
    for r in range(a.rounds):
        res = one_round(studio, tasks, one, a.n, a.batch)
        ok = res["left"] == 0 and res["documents"] == a.n and sum(res["reported_removed"]) == res["really_removed"] and res["exit"] == [0, 0]
        bad += not ok
        print(f"round {r + 1}: {'ok ' if ok else 'BAD'} {json.dumps(res)}", flush=True)
    print(f"{bad} of {a.rounds} rounds wrong; server accepts writes afterwards: {accepts_writes(studio)}")


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "200")
    main()
