"""The human-readable files of a version: README.md (dataset card) and CHANGES.md."""

from __future__ import annotations

from typing import Any

from ..scheme import Scheme
from .splits import SPLITS
from .store import Diff

_LIST_MAX = 200


def _ids(ids: list[str]) -> str:
    shown = ", ".join(f"`{i}`" for i in ids[:_LIST_MAX])
    return shown + (f" and {len(ids) - _LIST_MAX} more" if len(ids) > _LIST_MAX else "")


def changes_md(name: str, version: str, parent: str | None, diff: Diff, manifest: dict[str, Any]) -> str:
    lines = [f"# {name} {version}", ""]
    lines.append(f"Parent: {parent}." if parent else "First version: every document is new.")
    lines.append("")
    for title, ids in (("Added", diff.added), ("Removed", diff.removed), ("Changed", diff.changed)):
        lines.append(f"## {title} documents ({len(ids)})")
        lines.append("")
        lines.append(_ids(ids) if ids else "None.")
        lines.append("")
    lines += ["## Span counts per label", "", "| Label | Before | After | Delta |", "|---|---:|---:|---:|"]
    for label, (before, after) in diff.label_deltas.items():
        lines.append(f"| {label} | {before} | {after} | {after - before:+d} |")
    for key, title in (
        ("held_out", "Held out (near-duplicates of frozen test documents)"),
        ("carried_over", "Carried over from the parent's frozen test split (missing from the export)"),
    ):
        if manifest.get(key):
            lines += ["", f"## {title} ({len(manifest[key])})", "", _ids(manifest[key])]
    return "\n".join(lines) + "\n"


def _adjudication_lines(manifest: dict[str, Any]) -> list[str]:
    """With policy `adjudicated`: how many documents each rule decided (counts over the whole pull)."""
    adj = manifest.get("adjudication")
    if not adj:
        return []
    docs = adj["documents"]
    return [
        f"Adjudication: {docs.get('adjudicated', 0)} document(s) adjudicated by a reviewer, {docs.get('agreed', 0)} agreed by every annotator,",
        f"{docs.get('single', 0)} single-annotated, {docs.get('majority', 0) + docs.get('latest', 0)} disagreeing and unreviewed (fallback `{adj['fallback']}`).",
        "",
    ]


def readme_md(name: str, manifest: dict[str, Any], scheme: Scheme) -> str:
    lines = [
        f"# Dataset card: {name} {manifest['version']}",
        "",
        "Conflict-news articles with human-corrected annotations: ACTOR, WEAPON, CLAIM and",
        "SOURCE spans and CLAIM -> SOURCE `attributed_to` relations.",
        "",
        *_how_made_lines(manifest, scheme),
        *_label_lines(scheme),
        *_count_lines(manifest["counts"], scheme),
        *_format_lines(name, manifest["version"]),
    ]
    return "\n".join(lines) + "\n"


def _how_made_lines(manifest: dict[str, Any], scheme: Scheme) -> list[str]:
    ls = manifest["label_studio"]
    return [
        "## How it was made",
        "",
        f"Pre-annotated by spaCy (model versions: {', '.join(manifest['model_versions']) or 'none recorded'}), corrected",
        f"by annotators in Label Studio {ls['version']} ({ls['url']}, project {manifest['project']['id']}",
        f"{manifest['project']['title']!r}), pulled from export {manifest['export_id']} with `labeling pull`",
        f"(toolkit {manifest['toolkit_version']}, policy `{manifest['policy']}`, label scheme",
        f"{scheme.name} v{scheme.version}, sha256 {scheme.digest[:12]}). Parent version: {manifest['parent'] or 'none'}.",
        "",
        *_adjudication_lines(manifest),
        "Splits are deterministic: near-duplicate texts share a split, a document never changes split",
        "between versions and the test split is frozen after the first version (see `labeling/datasets/splits.py`).",
        "",
    ]


def _label_lines(scheme: Scheme) -> list[str]:
    lines = ["## Labels", ""]
    for label in scheme.labels:
        lines.append(f"- **{label.name}**: {label.description}")
    for rel in scheme.relations:
        lines.append(f"- relation **{rel.name}** ({rel.head} -> {rel.child}): {rel.description}")
    return lines


def _count_lines(counts: dict[str, Any], scheme: Scheme) -> list[str]:
    lines = [
        "",
        "## Counts",
        "",
        "| Split | Documents | " + " | ".join(scheme.label_names) + " | Relations |",
        "|---|---:|" + "---:|" * (len(scheme.label_names) + 1),
    ]
    for split in SPLITS:
        per = counts["labels"].get(split, {})
        cells = [str(per.get(l, 0)) for l in scheme.label_names]
        lines.append(f"| {split} | {counts['documents'].get(split, 0)} | " + " | ".join(cells) + f" | {counts['relations'].get(split, 0)} |")
    return lines


def _format_lines(name: str, version: str) -> list[str]:
    return [
        "",
        "## Record format",
        "",
        "One JSON object per line: `id`, `text`, `spans` (`id`, `start`, `end`, `label`, `text`,",
        "`token_start`, `token_end` inclusive), `relations` (`head_span`, `child_span` span ids, `label`,",
        "`head`/`child` token indices), `tokens`, `misaligned`, `meta`, `input_hash`, `task_hash`,",
        "`suggestion` (the pre-annotation the annotator started from) and `annotations` (every",
        "annotator's version when a document has two or more). Offsets are Python string indices.",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        f'ds = load_dataset("json", data_files={{s: f"exports/{name}/{version}/{{s}}.jsonl" for s in ("train", "dev", "test")}})',
        "",
        "import jsonlines",
        f'with jsonlines.open("exports/{name}/{version}/train.jsonl") as reader:',
        "    for record in reader:",
        '        print(record["id"], [(s["label"], s["text"]) for s in record["spans"]])',
        "```",
        "",
        f"For `spacy train`: `labeling export-spacy {name}@{version} -o corpus/`.",
        f"Check the files against the manifest: `labeling datasets verify {name}@{version}`.",
    ]
