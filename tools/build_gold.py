"""Build an annotated corpus: <corpus>/annotated/*.md -> articles/*.txt + gold.jsonl.

Two corpora use it: data/sample (the rules are developed against it) and
data/eval (held out: never used to tune a rule).

Annotations are written inline so offsets are never typed by hand:

    [[ACTOR|Russian forces]] fired a [[WEAPON|Kh-101 missile]].
    "[[CLAIM>s1|The strike hit a depot]]," [[SOURCE+ACTOR#s1|Lt. Col. Ana Ruiz]] said.

A marker is `[[LABEL(+LABEL)*(#id)?(>id(,id)*)?|text]]`. `+` puts several
labels on the same characters (a SOURCE that is also an ACTOR); `#id` names a
region so a CLAIM can point at it; `>s1,s2` on a CLAIM draws `attributed_to`
to those SOURCE regions. Markers nest, so a CLAIM can hold ACTOR and WEAPON
spans. An optional header, ended by a line `---`, sets `eol: crlf` to write
the raw article with Windows line endings (the gold text is normalised).

Usage: python tools/build_gold.py [--corpus data/eval] [--out DIR] [--check]
Deterministic: the same sources always give byte-identical output.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from pathlib import Path

from labeling.records import content_hash, normalise, region_id
from labeling.scheme import default_scheme

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
HEADER = re.compile(r"([A-Z]+(?:\+[A-Z]+)*)(?:#(\w+))?(?:>(\w+(?:,\w+)*))?")


class MarkupError(ValueError):
    pass


def parse(marked: str, where: str) -> tuple[str, list[dict]]:
    """Strip the markers; return the plain text and the marked regions (offsets into it)."""
    plain: list[str] = []
    length = 0
    open_: list[dict] = []
    regions: list[dict] = []
    i = 0
    while i < len(marked):
        if marked.startswith("[[", i):
            bar = marked.find("|", i)
            m = HEADER.fullmatch(marked[i + 2 : bar]) if bar > 0 else None
            if not m:
                raise MarkupError(f"{where}: bad marker header at {marked[i : i + 40]!r}")
            labels, name, targets = m.groups()
            open_.append({"labels": labels.split("+"), "name": name, "targets": (targets or "").split(",") if targets else [], "start": length})
            i = bar + 1
        elif marked.startswith("]]", i):
            if not open_:
                raise MarkupError(f"{where}: ']]' without '[['")
            region = open_.pop()
            region["end"] = length
            regions.append(region)
            i += 2
        else:
            plain.append(marked[i])
            length += 1
            i += 1
    if open_:
        raise MarkupError(f"{where}: unclosed marker {open_[-1]['labels']}")
    return "".join(plain), regions


def build_record(doc_id: str, marked: str, where: str, source: str = "sample") -> tuple[dict, str]:
    """One gold record and the raw article text; asserts the corpus invariants."""
    header, eol = "", "lf"
    if "\n---\n" in marked:
        header, marked = marked.split("\n---\n", 1)
        eol = dict(line.split(": ", 1) for line in header.splitlines() if line.strip()).get("eol", "lf")
    body = marked[:-1] if marked.endswith("\n") else marked
    text, regions = parse(body, where)
    raw = text.replace("\n", "\r\n") if eol == "crlf" else text
    assert normalise(raw) == text
    doc_hash = content_hash(text)
    scheme = default_scheme()
    relation = scheme.relations[0]
    spans: list[dict] = []
    by_name: dict[str, dict[str, str]] = {}  # region name -> label -> span id
    for r in regions:
        chunk = text[r["start"] : r["end"]]
        if not chunk or chunk != chunk.strip():
            raise MarkupError(f"{where}: span {chunk!r} is empty or starts/ends on whitespace")
        ids = {}
        for label in r["labels"]:
            if label not in scheme.label_names:
                raise MarkupError(f"{where}: unknown label {label!r}")
            ids[label] = region_id(doc_hash, r["start"], r["end"], label)
            spans.append({"id": ids[label], "start": r["start"], "end": r["end"], "label": label, "text": chunk})
        if r["name"]:
            if r["name"] in by_name:
                raise MarkupError(f"{where}: region name {r['name']!r} used twice")
            by_name[r["name"]] = ids
    relations = []
    for r in regions:
        is_head = relation.head in r["labels"]
        if is_head and not r["targets"]:
            raise MarkupError(f"{where}: {relation.head} {text[r['start'] : r['end']][:40]!r} has no '>source'")
        if r["targets"] and not is_head:
            raise MarkupError(f"{where}: only a {relation.head} may point at a {relation.child}")
        for target in r["targets"]:
            child = by_name.get(target, {}).get(relation.child)
            if not child:
                raise MarkupError(f"{where}: '>{target}' names no {relation.child} region")
            head = region_id(doc_hash, r["start"], r["end"], relation.head)
            relations.append(({"head_span": head, "child_span": child, "label": relation.name}, r["start"]))
    spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))
    start_of = {s["id"]: s["start"] for s in spans}
    pointed_at = {r["child_span"] for r, _ in relations}
    unused = [s["text"] for s in spans if s["label"] == relation.child and s["id"] not in pointed_at]
    if unused:
        raise MarkupError(f"{where}: no {relation.head} points at the {relation.child} regions {unused}")
    by_label: dict[str, list[dict]] = {}
    for s in spans:
        by_label.setdefault(s["label"], []).append(s)
    for label, group in by_label.items():
        for a, b in itertools.pairwise(group):
            if b["start"] < a["end"]:
                raise MarkupError(f"{where}: two {label} spans overlap: {a['text']!r} / {b['text']!r}")
    relations.sort(key=lambda item: (item[1], start_of[item[0]["child_span"]]))
    record = {"id": doc_id, "text": text, "spans": spans, "relations": [r for r, _ in relations], "meta": {"source": source}}
    return record, raw


def build(sources: Path, source: str = "sample") -> dict[str, bytes]:
    """Relative output path -> bytes, for every file the build writes; `source` goes into each record's meta."""
    files: dict[str, bytes] = {}
    records = []
    for path in sorted(sources.glob("*.md")):
        record, raw = build_record(path.stem, path.read_text(encoding="utf-8"), str(path), source)
        files[f"articles/{path.stem}.txt"] = raw.encode("utf-8")
        records.append(record)
    files["gold.jsonl"] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SAMPLE, help="corpus directory holding annotated/ (default: data/sample)")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: the corpus directory)")
    parser.add_argument("--check", action="store_true", help="compare with the files in --out instead of writing")
    args = parser.parse_args(argv)
    args.out = args.out or args.corpus
    try:
        files = build(args.corpus / "annotated", args.corpus.resolve().name)
    except MarkupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    stale = {f"articles/{p.name}" for p in (args.out / "articles").glob("*.txt")} - set(files)
    if args.check:
        differ = sorted(name for name, data in files.items() if not (args.out / name).is_file() or (args.out / name).read_bytes() != data)
        for name in differ + sorted(stale):
            print(f"out of date: {args.out / name}", file=sys.stderr)
        return 1 if differ or stale else 0
    for name in stale:
        (args.out / name).unlink()
    for name, data in files.items():
        (args.out / name).parent.mkdir(parents=True, exist_ok=True)
        (args.out / name).write_bytes(data)
    print(f"wrote {len(files) - 1} articles and gold.jsonl to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
