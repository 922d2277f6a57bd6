"""The memory's counts, kept so that they can be added to and taken from one annotation at a time.

One home for how an annotation counts: `row_counts` (labelled, rejected, found
per (key, label)) and `KeyIndex.count` (seen: the whole-word, case-sensitive
occurrences of each tracked key in a text, each key on its own, overlapping
allowed). `Memory.from_rows` (the batch path) and `Counts` (what the store
keeps up to date on every change) both count with them, so the two agree exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .memory import LABELS, normalise, usable

_TOKEN = re.compile(r"\w+|[^\w\s]")  # where a key can start: a word, or a lone mark (keys never start with a space)
_WORD = re.compile(r"\w")

Regions = tuple[tuple[int, int, str], ...]


def row_counts(text: str, given: Regions, suggested: Regions, recalled: Regions) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """What one annotation adds: the (key, label)s it labelled, rejected, and labelled where the model had found them."""
    labelled: list[tuple[str, str]] = []
    rejected: list[tuple[str, str]] = []
    found: list[tuple[str, str]] = []
    gset, model = set(given), set(suggested)
    for start, end, label in gset:
        key = normalise(text[start:end])
        if label in LABELS and usable(key):
            labelled.append((key, label))
            if (start, end, label) in model:
                found.append((key, label))
    for start, end, label in (model | set(recalled)) - gset:
        if any(g[2] == label and g[0] < end and start < g[1] for g in gset):
            continue  # a boundary correction, not a removal: the text still holds a span of this label
        key = normalise(text[start:end])
        if label in LABELS and usable(key):
            rejected.append((key, label))
    return labelled, rejected, found


def _first(key: str) -> str:
    match = _TOKEN.match(key)
    return match.group(0) if match else key[:1]


class KeyIndex:
    """Keys indexed by their first word (or first mark): one pass over a text's word starts finds them all."""

    def __init__(self, keys: Iterable[str] = ()):
        self._by_first: dict[str, list[str]] = {}
        self.keys: set[str] = set()
        self.add(keys)

    def add(self, keys: Iterable[str]) -> None:
        for key in keys:
            if key and key not in self.keys:
                self.keys.add(key)
                self._by_first.setdefault(_first(key), []).append(key)

    def __bool__(self) -> bool:
        return bool(self.keys)

    def count(self, text: str) -> Counter[str]:
        """Occurrences of each key in `text`: not preceded or followed by a word character."""
        seen: Counter[str] = Counter()
        if not self._by_first:
            return seen
        by_first, n = self._by_first, len(text)
        for token in _TOKEN.finditer(text):
            candidates = by_first.get(token.group(0))
            if candidates is None:
                continue
            i = token.start()
            if i and _WORD.match(text, i - 1):
                continue  # a mark inside a word ("foo-bar"): a key starting with "-" is not whole-word here
            for key in candidates:
                end = i + len(key)
                if text.startswith(key, i) and (end == n or not _WORD.match(text, end)):
                    seen[key] += 1
        return seen


class Counts:
    """Labelled, rejected and found per (key, label), seen per tracked key, and the annotations counted."""

    def __init__(self) -> None:
        self.labelled: Counter[tuple[str, str]] = Counter()
        self.rejected: Counter[tuple[str, str]] = Counter()
        self.found: Counter[tuple[str, str]] = Counter()
        self.seen: Counter[str] = Counter()
        self.index = KeyIndex()  # tracked keys: once tracked, always (its seen count stays right if it comes back)
        self.annotations = 0

    def add_row(self, text: str, given: Regions, suggested: Regions, recalled: Regions, sign: int = 1) -> None:
        """Count one annotation's regions (sign -1: take them back). `seen` is counted separately (`add_text`)."""
        labelled, rejected, found = row_counts(text, given, suggested, recalled)
        for kl in labelled:
            self.labelled[kl] += sign
        for kl in rejected:
            self.rejected[kl] += sign
        for kl in found:
            self.found[kl] += sign
        self.annotations += sign

    def add_text(self, text: str, times: int) -> None:
        """The tracked keys' occurrences in a document held by `times` annotations (negative: taken back)."""
        for key, n in self.index.count(text).items():
            self.seen[key] += n * times

    def untracked(self) -> set[str]:
        """Keys with evidence whose occurrences are not counted yet."""
        keys = {k for (k, _), n in self.labelled.items() if n} | {k for (k, _), n in self.rejected.items() if n}
        return keys - self.index.keys

    def track(self, keys: set[str], texts: Iterable[tuple[str, int]]) -> None:
        """Start tracking `keys`: count them once in every stored (text, annotations holding it)."""
        if not keys:
            return
        fresh = KeyIndex(keys)
        few = len(keys) <= 64  # a webhook's new keys: most texts hold none of them, found at C speed by `in`
        for text, times in texts:
            if few and not any(k in text for k in keys):
                continue
            for key, n in fresh.count(text).items():
                self.seen[key] += n * times
        self.index.add(keys)

    def evidence_items(self) -> Iterable[tuple[tuple[str, str], int, int, int, int]]:
        """(key, label), labelled, seen, rejected, found for every pair with any evidence."""
        for kl in self.labelled.keys() | self.rejected.keys():
            labelled, rejected = self.labelled[kl], self.rejected[kl]
            if labelled or rejected:
                yield kl, labelled, self.seen[kl[0]], rejected, self.found[kl]
