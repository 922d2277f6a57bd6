"""The quality report: how much annotators changed the suggestions, whether they agree, progress.

    a dataset version (or a project, pulled into a temporary exports dir)
    -> records of every split -> suggestion vs final, per model_version (metrics.score,
       metrics.classify_edits) + pairwise agreement (metrics.agreement) + progress
       (the manifest) + the trend over every version -> `Quality`
    -> quality.json + report.html (html.py)

Where the files go: into the version folder, beside the files the manifest
hashes. `datasets.verify` checks only the files listed in the manifest (plus the
split files), so the extra files neither change a hashed file nor fail
verification; `pull` compares only split files, so they never make a new
version. Re-running the report overwrites them. For `--project` the pull goes
to a temporary exports dir that is removed afterwards, so the files go to the
chosen output directory (default: the current directory).

Definitions (the records: `suggestion` = the pre-annotation the chosen
annotation started from, `spans`/`relations` = the final annotation):
- suggestion scores: the final annotation plays gold, the suggestion prediction;
  precision = share of suggested spans the annotator kept, recall = share of
  final spans that were suggested. Micro totals over documents.
- documents whose suggestion is null (no pre-annotation) or has no known
  model_version (the parent prediction was not in the export) are counted but
  left out of the suggestion numbers.
- edits: metrics.classify_edits per document; per label by the suggested label
  (the final label for `added`). unchanged_share = kept / final spans.
- agreement: on records with 2+ counting annotations, every unordered annotator
  pair of a task is scored (metrics.agreement) and the counts summed over tasks
  and pairs; only F1 is reported (symmetric), with matched = tp and
  unmatched = fp + fn.
- progress: the manifest's (tasks from the export, annotators' done / skipped /
  median lead time, documents and span labels per split).
- trend: the summary of every version up to this one, read from its
  quality.json when that has the same FORMAT, else computed.
- undefined figures: a precision, recall or F1 whose denominator is zero
  (nothing suggested, nothing final: a version without relations) is null in
  quality.json and `-` in the tables, never a perfect 1.000 (summary.defined).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..datasets.splits import SPLITS
from ..datasets.store import iter_records, read_manifest, resolve, versions
from ..errors import DatasetError
from ..records import Relation, Span
from .agreement import TeamAgreement
from .html import render
from .metrics import Scores, agreement
from .summary import FORMAT, Agreement, Quality, SuggestionQuality

QUALITY_FILE = "quality.json"
HTML_FILE = "report.html"


def _spans(items: Iterable[dict[str, Any]]) -> list[Span]:
    return [Span(int(s["start"]), int(s["end"]), s["label"], s.get("text", ""), str(s["id"])) for s in items]


def _relations(items: Iterable[dict[str, Any]]) -> list[Relation]:
    return [Relation(str(r["head_span"]), str(r["child_span"]), r["label"]) for r in items]


def quality(version_dir: Path, *, trend: bool = True) -> Quality:
    """The report for one version directory (see the module docstring for the definitions)."""
    version_dir = Path(version_dir)
    manifest = read_manifest(version_dir)
    documents = dict.fromkeys(("total", "with_suggestion", "without_suggestion", "unknown_model_version"), 0)
    overall, agree, team = SuggestionQuality(), Agreement(), TeamAgreement()
    by_mv: dict[str, SuggestionQuality] = {}
    for split in SPLITS:
        for rec in iter_records(version_dir, split):
            documents["total"] += 1
            final = (_spans(rec["spans"]), _relations(rec["relations"]))
            sug = rec.get("suggestion")
            if sug is None:
                documents["without_suggestion"] += 1
            elif sug.get("model_version") is None:
                documents["unknown_model_version"] += 1
            else:
                documents["with_suggestion"] += 1
                suggested = (_spans(sug["spans"]), _relations(sug["relations"]))
                overall.add(suggested, final)
                by_mv.setdefault(sug["model_version"], SuggestionQuality()).add(suggested, final)
            if len(rec.get("annotations") or []) >= 2:
                _add_agreement(agree, rec["annotations"])
                gold = final if (rec.get("meta") or {}).get("rule") == "adjudicated" else None
                team.add(len(rec["text"]), _by_annotator(rec["annotations"]), gold)
    counts = manifest["counts"]
    progress = {
        **manifest.get("progress", {}),
        "documents": {s: counts["documents"][s] for s in SPLITS if s in counts["documents"]},
        "labels": {s: counts["labels"][s] for s in SPLITS if s in counts["labels"]},
    }
    q = Quality(
        version_dir.parent.name,
        version_dir.name,
        manifest.get("created_at"),
        manifest.get("project"),
        documents,
        overall,
        dict(sorted(by_mv.items())),
        agree,
        progress,
    )
    q.team = team
    if trend:
        q.trend = trend_of(version_dir, q)
    return q


def _by_annotator(annotations: list[dict[str, Any]]) -> dict[str, tuple[list[Span], list[Relation]]]:
    by_annotator: dict[str, tuple[list[Span], list[Relation]]] = {}
    for a in annotations:
        name = str(a.get("annotator"))
        if name in by_annotator:  # the same person twice: keep both, apart
            name = f"{name} #{a.get('annotation_id')}"
        by_annotator[name] = (_spans(a["spans"]), _relations(a["relations"]))
    return by_annotator


def _add_agreement(agree: Agreement, annotations: list[dict[str, Any]]) -> None:
    pairs = agreement(_by_annotator(annotations))
    agree.tasks += 1
    agree.pairs += len(pairs)
    for pair, s in pairs.items():
        agree.scores = agree.scores + s
        agree.by_pair[pair] = agree.by_pair.get(pair, Scores()) + s


def trend_of(version_dir: Path, current: Quality) -> list[dict[str, Any]]:
    """Summaries of every version of the dataset up to `version_dir`, oldest first."""
    out = []
    for v in versions(version_dir.parent):
        if int(v[1:]) > int(version_dir.name[1:]):
            break
        if v == version_dir.name:
            out.append(current.summary())
            continue
        saved = _read_quality(version_dir.parent / v)
        out.append(saved["summary"] if saved else quality(version_dir.parent / v, trend=False).summary())
    return out


def _read_quality(version_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((version_dir / QUALITY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT and "summary" in data else None


@dataclass
class ReportResult:
    quality: Quality
    json_path: Path
    html_path: Path


def write_report(q: Quality, out_dir: Path, *, html: Path | None = None) -> ReportResult:
    """Write quality.json into `out_dir` and the HTML report beside it (or to `html`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / QUALITY_FILE
    saved = json.dumps(q.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    json_path.write_text(saved, encoding="utf-8")
    html_path = Path(html) if html else out_dir / HTML_FILE
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(render(json.loads(saved)), encoding="utf-8")  # exactly what --html-only renders later
    return ReportResult(q, json_path, html_path)


def rerender_html(version_dir: Path, *, html: Path | None = None) -> Path:
    """Rebuild report.html from a saved quality.json, without reading the records again."""
    src = version_dir / QUALITY_FILE
    try:
        saved = json.loads(src.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{src}: missing or not JSON ({type(exc).__name__}).", "Run `labeling report NAME@vN` once to write it.") from None
    out = Path(html) if html else version_dir / HTML_FILE
    out.write_text(render(saved), encoding="utf-8")
    return out


def report_version(exports_dir: Path, ref: str, *, out_dir: Path | None = None, html: Path | None = None) -> ReportResult:
    """`labeling report NAME[@vN]`: files go into the version folder unless `out_dir` is given."""
    vdir = resolve(Path(exports_dir), ref)
    return write_report(quality(vdir), out_dir or vdir, html=html)


def report_project(
    studio, *, project: str | None = None, project_id: int | None = None, policy: str = "latest", out_dir: Path = Path("."), html: Path | None = None
) -> ReportResult:
    """`labeling report --project`: pull into a temporary exports dir, report, remove it."""
    # here, not at the top: pulling loads the Label Studio SDK (over a second); a version's report needs none of it
    from ..pull.run import pull

    tmp = Path(tempfile.mkdtemp(prefix="labeling-report-"))
    try:
        result = pull(studio, dataset="project", project=project, project_id=project_id, policy=policy, exports_dir=tmp)
        assert result.path is not None, "a pull into an empty exports dir always writes a version"
        q = quality(result.path, trend=False)
        q.dataset = q.version = None  # the temporary dataset is gone once this returns
        q.trend = [q.summary()]
        return write_report(q, out_dir, html=html)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
