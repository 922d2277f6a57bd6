"""One reader per input format (.txt, .jsonl, .csv): records as Documents, or `BadRecord`s saying where and why."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from ..records import Document
from .sources import Source

SUFFIXES = (".txt", ".jsonl", ".csv")
SUPPORTED = (
    "Supported inputs: .txt (one article per file), .jsonl (one JSON object per line, text in --text-field), "
    ".csv (a header row; text in the --text-field column), or a directory of .txt files. Convert or rename the file."
)
_SNIFF = 8192  # bytes checked for NUL to call a whole file binary


class BadRecord(Exception):
    """One bad record: where and why. Turned into InputError or a skip."""

    def __init__(self, location: str, reason: str, hint: str | None = None):
        self.location, self.reason, self.hint = location, reason, hint


def records(path: Source, txt_id: str | None, text_field: str, id_field: str) -> Iterator[Document | BadRecord]:
    """Every record of one file in order, read by its suffix's reader; `txt_id` names a .txt file's document."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        yield BadRecord(str(path), f"unknown file type {path.suffix or '(none)'!r}; expected one of {', '.join(SUFFIXES)}", SUPPORTED)
        return
    try:
        fh = path.open("rb")
    except OSError as exc:  # unreadable (permissions), or a store that refused: one clear message, like any bad input
        yield BadRecord(str(path), f"cannot read ({exc.strerror or exc})")
        return
    with fh:
        if b"\0" in fh.read(_SNIFF):
            yield BadRecord(str(path), "binary file (NUL bytes), not text")
            return
        fh.seek(0)
        if suffix == ".txt":
            raw = fh.read()
            try:
                text = _decode(raw, str(path), 0)
                yield _make(txt_id or path.stem, text, {}, str(path))
            except BadRecord as bad:
                yield bad
        elif suffix == ".jsonl":
            yield from _jsonl(fh, path, text_field, id_field)
        else:
            yield from _csv(fh, path, text_field, id_field)


def _decode(raw: bytes, location: str, offset: int) -> str:
    if b"\0" in raw:
        nul = offset + raw.index(b"\0")
        raise BadRecord(location, f"binary data (NUL byte) at byte offset {nul}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRecord(location, f"invalid UTF-8 at byte offset {offset + exc.start}") from None
    return text[1:] if offset == 0 and text.startswith("\ufeff") else text


def _make(doc_id: str, text: Any, meta: dict[str, Any], origin: str, field_name: str = "text") -> Document:
    if text is None:
        raise BadRecord(origin, f"missing text field {field_name!r}")
    if not isinstance(text, str):
        raise BadRecord(origin, f"text field {field_name!r} is {type(text).__name__}, not a string")
    if not text.strip():
        raise BadRecord(origin, "empty text")
    return Document.make(doc_id, text, meta, origin)


def _record(row: dict[str, Any], path: Source, line: int, text_field: str, id_field: str) -> Document:
    origin = f"{path}:{line}"
    raw_id = row.get(id_field)
    if raw_id in (None, ""):
        doc_id = f"{path.stem}-{line}"
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        doc_id = str(raw_id)
    else:
        raise BadRecord(origin, f"id field {id_field!r} is {type(raw_id).__name__}, not a string or integer")
    meta = {k: v for k, v in row.items() if k not in (text_field, id_field)}
    return _make(doc_id, row.get(text_field), meta, origin, text_field)


def _jsonl(fh, path: Source, text_field: str, id_field: str) -> Iterator[Document | BadRecord]:
    offset = 0
    for line_no, raw in enumerate(fh, 1):
        location = f"{path}:{line_no}"
        line_offset, offset = offset, offset + len(raw)
        try:
            line = _decode(raw, location, line_offset)
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadRecord(location, f"malformed JSON: {exc.msg} (column {exc.colno})") from None
            if not isinstance(row, dict):
                raise BadRecord(location, f"expected a JSON object, got {type(row).__name__}")
            yield _record(row, path, line_no, text_field, id_field)
        except BadRecord as bad:
            yield bad


def _csv(fh, path: Source, text_field: str, id_field: str) -> Iterator[Document | BadRecord]:
    # Decode line by line so a bad byte names its offset; csv gets only good lines.
    bad_lines: list[BadRecord] = []

    def lines() -> Iterator[str]:
        offset = 0
        for line_no, raw in enumerate(fh, 1):
            try:
                yield _decode(raw, f"{path}:{line_no}", offset)
            except BadRecord as bad:
                bad_lines.append(bad)
                yield "\n"  # keeps csv's line count in step with the file
            offset += len(raw)

    # Articles can exceed csv's default 128 KiB field limit; the length check is ours.
    csv.field_size_limit(2**31 - 1)
    reader = csv.DictReader(lines())
    try:
        if reader.fieldnames is None or text_field not in reader.fieldnames:
            yield BadRecord(f"{path}:1", f"no column {text_field!r} in the header {reader.fieldnames or []}")
            return
        last = reader.line_num
        for row in reader:
            start, last = last + 1, reader.line_num
            if bad_lines:
                yield from bad_lines
                bad_lines.clear()
                continue
            if None in row:
                yield BadRecord(f"{path}:{start}", "more fields than the header")
                continue
            try:
                yield _record(row, path, start, text_field, id_field)
            except BadRecord as bad:
                yield bad
    except csv.Error as exc:
        yield BadRecord(f"{path}:{reader.line_num}", f"malformed CSV: {exc}")
    yield from bad_lines
