"""The quality report as one self-contained HTML file: inline SVG plots, inline CSS, no scripts, no network.

Plots: suggestion F1 per label, edits per label, agreement per label, progress
per annotator, suggestion F1 across versions. Tables under each give the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from .metrics import EDIT_KINDS, MODES

TITLES = {
    "f1": "Suggestion F1 per label",
    "edits": "Edits per label",
    "agreement": "Agreement per label",
    "progress": "Progress per annotator",
    "trend": "Suggestion F1 across versions",
}
MODE_COLORS = {"exact": "#1f77b4", "overlap": "#aec7e8"}
TREND_COLORS = {"spans exact": "#1f77b4", "spans overlap": "#aec7e8", "relations exact": "#2ca02c"}
EDIT_COLORS = {"kept": "#2ca02c", "relabelled": "#9467bd", "boundary": "#ff7f0e", "deleted": "#d62728", "added": "#1f77b4"}
PROGRESS_COLORS = {"done": "#2ca02c", "skipped": "#c7c7c7"}
LIGHT = {"#c7c7c7", "#aec7e8"}  # bar colours that need dark text
CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}svg text{font:12px system-ui,sans-serif}.note{color:#666}"""

Row = tuple[str, Sequence[tuple[str, float | None]]]  # category, [(series, value)]; None: undefined, drawn as "-"


def _legend(colors: dict[str, str], x: int, y: int) -> str:
    parts = []
    for name, color in colors.items():
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{color}"/><text x="{x + 16}" y="{y}">{escape(name)}</text>')
        x += 24 + 8 * len(name)
    return "".join(parts)


def bar_chart(
    title: str,
    rows: Sequence[Row],
    colors: dict[str, str],
    *,
    stacked: bool = False,
    max_value: float | None = None,
    fmt: str = "{:.2f}",
    extra: Sequence[str] = (),
) -> str:
    """Horizontal bars, one group (or one stacked bar) per category; `extra` is text after each row."""
    label_w, plot_w, bar_h = max(170, 12 + 7 * max((len(c) for c, _ in rows), default=0)), 560, 14
    per_row = bar_h + 8 if stacked else bar_h * len(colors) + 10
    height = 40 + per_row * len(rows) + 30
    top = max_value or max([sum(v or 0 for _, v in vals) if stacked else max([v or 0 for _, v in vals], default=0) for _, vals in rows] + [1])
    if fmt == "{:.0f}":  # counts: whole-number ticks
        top = -(-top // 4) * 4
    out = [f'<svg width="{label_w + plot_w + 220}" height="{height}" role="img">', f"<title>{escape(title)}</title>", _legend(colors, label_w, 16)]
    for tick in range(5):
        x = label_w + plot_w * tick / 4
        out.append(
            f'<line x1="{x:.1f}" y1="26" x2="{x:.1f}" y2="{height - 24}" stroke="#eee"/>'
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">{fmt.format(top * tick / 4)}</text>'
        )
    for i, (category, vals) in enumerate(rows):
        y0 = 32 + i * per_row
        out.append(f'<text x="{label_w - 6}" y="{y0 + (per_row - 8) / 2 + 4:.1f}" text-anchor="end">{escape(category)}</text>')
        x = float(label_w)
        for j, (series, v) in enumerate(vals):
            y = y0 if stacked else y0 + j * bar_h
            if v is None:
                out.append(f'<text x="{label_w + 4}" y="{y + bar_h - 4}">-<title>{escape(series)}: undefined</title></text>')
                continue
            w = plot_w * v / top if top else 0
            bx = x if stacked else label_w
            out.append(
                f'<rect x="{bx:.1f}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{colors[series]}">'
                f"<title>{escape(series)}: {fmt.format(v)}</title></rect>"
            )
            if stacked:
                if v and w >= 18:
                    ink = "#222" if colors[series] in LIGHT else "#fff"
                    out.append(f'<text x="{x + w / 2:.1f}" y="{y + bar_h - 4}" text-anchor="middle" fill="{ink}">{fmt.format(v)}</text>')
                x += w
            else:
                out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}">{fmt.format(v)}</text>')
        if i < len(extra):
            end = x if stacked else label_w + plot_w
            out.append(f'<text x="{end + 8:.1f}" y="{y0 + bar_h - 4}" fill="#555">{escape(extra[i])}</text>')
    out.append("</svg>")
    return "".join(out)


def line_chart(title: str, xs: Sequence[str], series: dict[str, Sequence[float | None]], colors: dict[str, str]) -> str:
    """Lines over categories `xs`, y from 0 to 1."""
    left, plot_w, plot_h, top = 60, 700, 240, 36
    step = plot_w / max(len(xs) - 1, 1)
    out = [f'<svg width="{left + plot_w + 80}" height="{top + plot_h + 40}" role="img">', f"<title>{escape(title)}</title>", _legend(colors, left, 16)]
    for tick in range(6):
        y = top + plot_h * (1 - tick / 5)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick / 5:.1f}</text>'
        )
    for i, x in enumerate(xs):
        out.append(f'<text x="{left + i * step:.1f}" y="{top + plot_h + 20}" text-anchor="middle">{escape(x)}</text>')
    for name, values in series.items():
        points = [(left + i * step, top + plot_h * (1 - v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colors[name]}" stroke-width="2"/>')
        for (px, py), v in zip(points, [v for v in values if v is not None]):
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colors[name]}"><title>{escape(name)}: {v:.3f}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else escape(str(v))

    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><tr>{''.join(f'<th>{escape(h)}</th>' for h in head)}</tr>{body}</table>"


def _section(key: str, body: str) -> str:
    return f"<h2>{escape(TITLES[key])}</h2>{body}"


def render(d: dict[str, Any]) -> str:
    """The whole HTML page for one report, from the quality dict (quality.json), so a saved report re-renders without recomputing."""
    parts = [_head(d), _f1_part(d), _edits_part(d), _agreement_part(d), _progress_part(d), _trend_part(d)]
    return "".join(parts) + "</body></html>\n"


def _head(d: dict[str, Any]) -> str:
    """The page head, title and the summary paragraph."""
    project = d.get("project") or {}
    sug = d["suggestions"]["all"]
    where = f"{d['dataset']}@{d['version']}" if d.get("dataset") else f"project {project.get('title', '?')!r}"
    docs = d["documents"]
    return "".join(
        [
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Quality report: {escape(where)}</title>'
            f"<style>{CSS}</style></head><body><h1>Quality report: {escape(where)}</h1>",
            f"<p>Project {escape(str(project.get('title')))} (id {escape(str(project.get('id')))}), "
            f"created {escape(str(d.get('created_at')))}. Documents: {docs['total']} ({docs['with_suggestion']} with a suggestion, "
            f"{docs['without_suggestion']} without, {docs['unknown_model_version']} of unknown model version). "
            f"Final spans unchanged from the suggestions: {_pct(sug['unchanged_share'])}.</p>",
        ]
    )


def _f1_part(d: dict[str, Any]) -> str:
    """Suggestion F1 per label: the plot, the table per model_version, the table per label."""
    sug = d["suggestions"]["all"]
    s = sug["scores"]
    labels = sorted(s["exact"]["labels"])
    rows: list[Row] = [(k, [(m, s[m]["labels"][k]["f1"]) for m in MODES]) for k in labels]
    rows += [("all spans (micro)", [(m, s[m]["micro"]["f1"]) for m in MODES]), ("relations", [(m, s[m]["relations"]["f1"]) for m in MODES])]
    mv_rows = [
        [
            mv,
            v["documents"],
            *(v["scores"][m][part][x] for m in MODES for part in ("micro",) for x in ("precision", "recall", "f1")),
            v["scores"]["exact"]["relations"]["f1"],
            v["scores"]["overlap"]["relations"]["f1"],
            v["unchanged_share"],
        ]
        for mv, v in [("all", sug), *d["suggestions"]["model_versions"].items()]
    ]
    return _section(
        "f1",
        (bar_chart(TITLES["f1"], rows, {m: MODE_COLORS[m] for m in MODES}, max_value=1.0) if labels else _none("No suggested or final spans."))
        + table(["model_version", "docs", "exact P", "R", "F1", "overlap P", "R", "F1", "rel F1 exact", "overlap", "unchanged"], mv_rows)
        + table(
            ["label", "exact P", "R", "F1", "overlap P", "R", "F1"],
            [[k, *(s[m]["labels"][k][x] for m in MODES for x in ("precision", "recall", "f1"))] for k in labels],
        ),
    )


def _edits_part(d: dict[str, Any]) -> str:
    """Edits per label, in EDIT_KINDS order in the plot and the table."""
    sug = d["suggestions"]["all"]
    edits = sug["edits"]["labels"]
    erows: list[Row] = [(k, [(kind, float(edits[k][kind])) for kind in EDIT_KINDS]) for k in edits]
    return _section(
        "edits",
        (bar_chart(TITLES["edits"], erows, EDIT_COLORS, stacked=True, fmt="{:.0f}") if erows else _none("No spans."))
        + table(
            ["label", *EDIT_KINDS],
            [[k, *(edits[k][kind] for kind in EDIT_KINDS)] for k in edits] + [["total", *(sug["edits"]["total"][kind] for kind in EDIT_KINDS)]],
        ),
    )


def _agreement_part(d: dict[str, Any]) -> str:
    """Agreement per label and per annotator pair, when a task has two or more annotations."""
    ag = d["agreement"]
    if ag["tasks"]:
        alabels = sorted(ag["exact"]["labels"])
        arows: list[Row] = [(k, [(m, ag[m]["labels"][k]["f1"]) for m in MODES]) for k in alabels]
        arows += [("all spans (micro)", [(m, ag[m]["micro"]["f1"]) for m in MODES]), ("relations", [(m, ag[m]["relations"]["f1"]) for m in MODES])]
        body = (
            f"<p>{_count(ag['tasks'], 'task')} with two or more annotations, {_count(ag['pairs'], 'annotator pair')}.</p>"
            + bar_chart(TITLES["agreement"], arows, {m: MODE_COLORS[m] for m in MODES}, max_value=1.0)
            + table(
                ["pair", "span F1 exact", "overlap", "relation F1 exact", "overlap"],
                [
                    [p, v["exact"]["micro"]["f1"], v["overlap"]["micro"]["f1"], v["exact"]["relations"]["f1"], v["overlap"]["relations"]["f1"]]
                    for p, v in ag["by_pair"].items()
                ],
            )
        )
    else:
        body = _none("No task has two or more annotations.")
    return _section("agreement", body + _team(d.get("team") or {}))


def _progress_part(d: dict[str, Any]) -> str:
    """Progress per annotator and the documents and labels per split."""
    prog = d["progress"]
    people = prog.get("annotators", {})
    prows: list[Row] = [(p, [("done", float(v["done"])), ("skipped", float(v["skipped"]))]) for p, v in people.items()]
    medians = [f"median {v['lead_time_median']:.1f}s" if v.get("lead_time_median") is not None else "" for v in people.values()]
    t = prog.get("tasks", {})
    splits = prog.get("labels", {})
    all_labels = sorted({k for c in splits.values() for k in c})
    return _section(
        "progress",
        f"<p>Tasks: {t.get('total')} total, {t.get('annotated')} annotated, {t.get('skipped')} skipped, "
        f"{t.get('unannotated')} not annotated.</p>"
        + (bar_chart(TITLES["progress"], prows, PROGRESS_COLORS, stacked=True, fmt="{:.0f}", extra=medians) if prows else _none("No annotators."))
        + table(["split", "documents", *all_labels], [[sp, prog.get("documents", {}).get(sp), *(c.get(k, 0) for k in all_labels)] for sp, c in splits.items()]),
    )


def _trend_part(d: dict[str, Any]) -> str:
    """Suggestion F1 across the versions of the dataset."""
    tr = d.get("trend") or []
    names = {"spans exact": "f1_exact", "spans overlap": "f1_overlap", "relations exact": "relation_f1_exact"}
    return _section(
        "trend",
        line_chart(
            TITLES["trend"],
            [p["version"] or "project" for p in tr],
            {k: [p[v] if p["documents"] else None for p in tr] for k, v in names.items()},
            TREND_COLORS,
        )
        + table(
            ["version", "model versions", "docs", "F1 exact", "F1 overlap", "relation F1 exact", "unchanged"],
            [
                [
                    p["version"] or "project",
                    ", ".join(p["model_versions"]),
                    p["documents"],
                    p["f1_exact"],
                    p["f1_overlap"],
                    p["relation_f1_exact"],
                    p["unchanged_share"],
                ]
                for p in tr
            ],
        ),
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _team(team: dict[str, Any]) -> str:
    """Krippendorff's alpha per label and each annotator against adjudicated gold (quality/agreement.py)."""
    if not team.get("documents") and not team.get("gold_documents"):
        return ""
    out = f"<p>Chance-corrected: Krippendorff's alpha per label (characters as units, nominal), {team['documents']} document(s).</p>"
    out += table(["label", "alpha"], [[k, v] for k, v in team["alpha"].items()])
    if team.get("vs_gold"):
        out += f"<p>Each annotator against the adjudicated gold, {team['gold_documents']} document(s) (F1).</p>"
        out += table(
            ["annotator", "span F1 exact", "overlap", "relation F1 exact", "overlap"],
            [[n, v["exact"]["spans"], v["overlap"]["spans"], v["exact"]["relations"], v["overlap"]["relations"]] for n, v in team["vs_gold"].items()],
        )
    return out


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _none(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'
