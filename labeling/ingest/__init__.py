"""Read articles from .txt, .jsonl and .csv files into a stream of Documents.

    docs = read_documents(["data/articles/", "more.jsonl"], summary=summary)

`read_documents` is a generator: one record is read, checked and yielded at a
time, so corpora larger than memory stream through. Only the content hashes
of documents already seen are kept (for de-duplication).

Inputs
- `.txt`: one article per file; id = the file name without suffix. In a
  directory (read recursively, in sorted order, hidden files skipped) the id is
  the path below that directory without suffix ("2024/strike"), so equal
  file names in different folders stay distinct.
- `.jsonl`: one JSON object per line; `text_field` holds the text, `id_field`
  (optional) the id, every other field goes to `Document.meta`. Blank lines
  are ignored.
- `.csv`: the same by column name (header row required).
- An fsspec URL (`s3://bucket/news.jsonl`, `gs://bucket/articles/`,
  `memory://...`) is read the same way, a folder URL recursively; its
  filesystem package (s3fs, gcsfs) must be installed.
- A jsonl/csv record without an id gets `<file stem>-<line>` (line numbers
  from 1): readable, and stable as long as the file is not edited.

Checks: invalid UTF-8 (byte offset), binary data (NUL bytes), malformed JSON,
a missing or non-string text, empty or whitespace-only text, an unknown file
type, a document longer than `max_chars`. Each raises `InputError` naming the
file and line, unless `skip_invalid`: then the record is skipped and listed in
`summary.skipped`. Text is only normalised by `records.normalise`; a leading
UTF-8 byte order mark is dropped. Documents whose normalised text was seen
before are dropped and counted in `summary.duplicates`.

Long documents: with `split_long`, a document over `max_chars` is split at
blank lines (else at line breaks, else at spaces, else hard) into parts of at
most `max_chars`; part k (from 1) gets id `<id>#p<k>` and meta
`parent_id`, `part`, `part_offset` (char offset of the part in the parent).

The package: sources.py (paths and URLs into files), readers.py (one reader
per format, the checks), split.py (long documents into parts); this module
streams them into Documents and counts.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..records import Document
from .readers import SUFFIXES, SUPPORTED, BadRecord, records
from .sources import expand
from .split import split_document

__all__ = ["DEFAULT_MAX_CHARS", "SUFFIXES", "SUPPORTED", "Summary", "read_documents", "split_document"]

DEFAULT_MAX_CHARS = 100_000


@dataclass
class Summary:
    """Counts for one run; ingestion, pre-annotation and writing each fill their part."""

    read: int = 0  # records seen, valid or not
    documents: int = 0  # documents yielded (parts of split documents count one each)
    written: int = 0  # tasks written
    duplicates: int = 0
    split: int = 0  # documents split into parts
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file:line, reason)
    spans: Counter = field(default_factory=Counter)  # label -> regions suggested
    chars: int = 0
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def chars_per_second(self) -> float:
        return self.chars / self.elapsed if self.elapsed > 0 else 0.0


def read_documents(
    paths: Iterable[str | Path],
    *,
    text_field: str = "text",
    id_field: str = "id",
    skip_invalid: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    split_long: bool = False,
    summary: Summary | None = None,
) -> Iterator[Document]:
    """Yield Documents from files and directories (see the module docstring)."""
    summary = summary if summary is not None else Summary()
    paths = list(paths)
    seen: set[bytes] = set()
    found = 0
    for path in expand(paths):
        for item in records(path[0], path[1], text_field, id_field):
            summary.read += 1
            found += 1
            try:
                if isinstance(item, BadRecord):
                    raise item
                doc = item
                if len(doc.text) > max_chars and not split_long:
                    raise BadRecord(doc.origin, f"document {doc.id!r} has {len(doc.text)} characters, over the limit of {max_chars}")
            except BadRecord as bad:
                if not skip_invalid:
                    hint = bad.hint or ("Pass --split-long or raise --max-chars." if "over the limit" in bad.reason else None)
                    raise InputError(bad.location, bad.reason, hint) from None
                summary.skipped.append((bad.location, bad.reason))
                continue
            key = bytes.fromhex(doc.hash[:32])
            if key in seen:
                summary.duplicates += 1
                continue
            seen.add(key)
            parts = split_document(doc, max_chars) if len(doc.text) > max_chars else [doc]
            summary.split += len(parts) > 1
            for part in parts:
                summary.documents += 1
                summary.chars += len(part.text)
                yield part
    if not found:
        # Raised at the end of the stream, so a writer consuming it discards its temporary output.
        where = ", ".join(map(str, paths)) or "(no input given)"
        raise InputError(where, "no documents found (empty folder, empty file, or no .txt/.jsonl/.csv files)", "Check the path or pattern.")
