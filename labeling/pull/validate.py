"""Check one annotation's regions and relations against the task text and the scheme.

Rules (every problem becomes an Issue naming task and annotation; none is fatal):

    out-of-range     start/end not integers, start >= end, or outside the text: dropped
    unknown-label    a label the scheme does not define: dropped
    whitespace-edge  leading/trailing whitespace: trimmed to the non-space
                     characters and kept (dropped when nothing is left)
    text-mismatch    Label Studio's stored value.text differs from text[start:end]:
                     the offsets are trusted and the region kept
    utf16-offsets    the offsets only reproduce value.text when read as UTF-16 code
                     units (old front-ends after an emoji): converted and kept
    duplicate        the same (start, end, label) twice in one annotation: kept once
    relation-missing-end   an end is not a (valid) region of this annotation: dropped
    relation-unknown-label a relation label the scheme does not define: dropped
    relation-reversed      SOURCE -> CLAIM for a CLAIM -> SOURCE type: flipped, kept
    relation-wrong-labels  ends of other labels: dropped

An unlabelled relation (Label Studio lets annotators draw one without choosing a
label) counts as the scheme's relation type whose end labels fit, when exactly
one fits; otherwise it is dropped as relation-unknown-label.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..records import Relation, Span, region_id
from ..scheme import Scheme


@dataclass(frozen=True, slots=True)
class Issue:
    task_id: int
    annotation_id: int | None
    doc_id: str
    kind: str
    action: str  # dropped | trimmed | kept | converted | flipped
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _utf16_to_cp(text: str, u: int) -> int | None:
    units = text.encode("utf-16-le")
    try:
        return len(units[: 2 * u].decode("utf-16-le"))
    except UnicodeDecodeError:
        return None  # offset inside a surrogate pair


def _check_span(text: str, start: Any, end: Any, stored: str, report) -> tuple[int, int] | None:
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or not 0 <= start < end <= len(text):
        report("out-of-range", "dropped", f"[{start}, {end}) outside the text of {len(text)} characters")
        return None
    if stored and text[start:end] != stored:
        s16, e16 = _utf16_to_cp(text, start), _utf16_to_cp(text, end)
        if s16 is not None and e16 is not None and text[s16:e16] == stored:
            report("utf16-offsets", "converted", f"[{start}, {end}) read as UTF-16 -> [{s16}, {e16}) {stored!r}")
            start, end = s16, e16
        else:
            report("text-mismatch", "kept", f"[{start}, {end}) is {text[start:end]!r} in the text, {stored!r} in Label Studio")
    s, e = start, end
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if s == e:
        report("whitespace-edge", "dropped", f"[{start}, {end}) holds only whitespace")
        return None
    if (s, e) != (start, end):
        report("whitespace-edge", "trimmed", f"[{start}, {end}) -> [{s}, {e}) {text[s:e]!r}")
    return s, e


def validate(
    text: str, input_hash: str, result: list[dict[str, Any]], scheme: Scheme, *, task_id: int, annotation_id: int | None, doc_id: str
) -> tuple[list[Span], list[Relation], list[Issue]]:
    """Valid spans and relations of one Label Studio result, and the issues found."""
    issues: list[Issue] = []
    labels = set(scheme.label_names)
    spans: dict[tuple[int, int, str], Span] = {}
    by_item: dict[str, list[Span]] = {}  # Label Studio region id -> its spans (one per label)
    relation_items = []
    for item in result:
        kind = item.get("type")
        if kind == "relation":
            relation_items.append(item)
            continue
        if kind != "labels":
            continue
        item_id = str(item.get("id", ""))
        v = item.get("value") or {}

        def report(k: str, action: str, detail: str, _id=item_id) -> None:
            issues.append(Issue(task_id, annotation_id, doc_id, k, action, f"region {_id}: {detail}"))

        known = [l for l in v.get("labels") or [] if l in labels]
        for bad in [l for l in v.get("labels") or [] if l not in labels]:
            report("unknown-label", "dropped", f"label {bad!r} is not in the scheme")
        if not known:
            if not v.get("labels"):
                report("unknown-label", "dropped", "region has no label")
            continue
        bounds = _check_span(text, v.get("start"), v.get("end"), v.get("text") or "", report)
        if bounds is None:
            continue
        s, e = bounds
        for label in known:
            key = (s, e, label)
            if key in spans:
                report("duplicate", "kept", f"{label} [{s}, {e}) appears twice; kept once")
            else:
                spans[key] = Span(s, e, label, text[s:e], region_id(input_hash, s, e, label))
            by_item.setdefault(item_id, []).append(spans[key])
    relations = _relations(relation_items, by_item, scheme, issues, task_id, annotation_id, doc_id)
    return sorted(spans.values(), key=Span.key), relations, issues


def _relations(items, by_item, scheme: Scheme, issues, task_id, annotation_id, doc_id) -> list[Relation]:
    out: dict[tuple[str, str, str], Relation] = {}
    for item in items:
        head_id, child_id = str(item.get("from_id", "")), str(item.get("to_id", ""))
        if item.get("direction") == "left":
            head_id, child_id = child_id, head_id
        where = f"relation {head_id} -> {child_id}"

        def report(k: str, action: str, detail: str, where: str = where) -> None:
            issues.append(Issue(task_id, annotation_id, doc_id, k, action, f"{where}: {detail}"))

        heads, children = by_item.get(head_id), by_item.get(child_id)
        if not heads or not children:
            report("relation-missing-end", "dropped", "an end is not a valid region of this annotation")
            continue
        for name in item.get("labels") or [None]:
            if name is None:
                fitting = [r for r in scheme.relations if _pick(heads, children, r.head, r.child) or _pick(children, heads, r.head, r.child)]
                if len(fitting) != 1:
                    report("relation-unknown-label", "dropped", "unlabelled, and not exactly one relation type fits its ends")
                    continue
                rtype = fitting[0]
            else:
                found = scheme.relation(name)
                if found is None:
                    report("relation-unknown-label", "dropped", f"label {name!r} is not in the scheme")
                    continue
                rtype = found
            pair = _pick(heads, children, rtype.head, rtype.child)
            if pair is None and (pair := _pick(children, heads, rtype.head, rtype.child)) is not None:
                report("relation-reversed", "flipped", f"drawn {rtype.child} -> {rtype.head}; {rtype.name} runs {rtype.head} -> {rtype.child}")
            if pair is None:
                got = f"{'/'.join(s.label for s in heads)} -> {'/'.join(s.label for s in children)}"
                report("relation-wrong-labels", "dropped", f"{got}; {rtype.name} runs {rtype.head} -> {rtype.child}")
                continue
            key = (pair[0].id, pair[1].id, rtype.name)
            if key in out:
                report("duplicate", "kept", f"{rtype.name} appears twice; kept once")
            out[key] = Relation(pair[0].id, pair[1].id, rtype.name)
    return sorted(out.values(), key=lambda r: (r.head, r.child, r.label))


def _pick(heads: list[Span], children: list[Span], head_label: str, child_label: str) -> tuple[Span, Span] | None:
    h = next((s for s in heads if s.label == head_label), None)
    c = next((s for s in children if s.label == child_label), None)
    return (h, c) if h and c else None
