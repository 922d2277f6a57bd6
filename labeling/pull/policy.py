"""Which annotation of a task becomes the record: the `--policy` of `labeling pull`.

Counting annotations: submitted ones. Cancelled (skipped, `was_cancelled`)
annotations never count; drafts are not annotations in Label Studio's export
(they sit under `drafts`) and are never read. A task without a counting
annotation is left out of the dataset and counted as skipped.

    latest        the most recently updated counting annotation (updated_at, then
                  created_at, then the higher id).
    ground-truth  among annotations marked ground truth, the latest; when none is
                  marked, the latest of all.
    majority      a span (exact start, end and label) is kept when more than half
                  of the task's counting annotations hold it; a relation (same two
                  end spans, same label) likewise, and only when both ends are kept.
                  With one annotation this is that annotation; with two, both must
                  agree. The record's meta then describes the latest annotation and
                  lists every contributing annotation id.
    adjudicated   the reviewer's annotation in the review project (`labeling review`)
                  where one exists; else, when every annotator holds the same spans
                  and relations, that agreed version; else the fallback (`majority`
                  or `latest`). One annotation alone is that annotation. The record's
                  meta says which (`rule`: adjudicated, agreed, single, majority,
                  latest) and names the `annotators` and the `reviewer`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..records import Relation, Span

POLICIES: tuple[str, ...] = ("latest", "ground-truth", "majority", "adjudicated")
FALLBACKS: tuple[str, ...] = ("majority", "latest")
RULES: tuple[str, ...] = ("adjudicated", "agreed", "single", "majority", "latest")


def counting(annotations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Submitted, not cancelled annotations, oldest first."""
    return sorted((a for a in annotations if not a.get("was_cancelled")), key=recency)


def recency(a: dict[str, Any]) -> tuple:
    return (a.get("updated_at") or a.get("created_at") or "", a.get("created_at") or "", a.get("id") or 0)


def choose(annotations: list[dict[str, Any]], policy: str) -> dict[str, Any]:
    """The annotation whose meta describes the record (`annotations` is counting(), non-empty)."""
    if policy == "ground-truth":
        marked = [a for a in annotations if a.get("ground_truth")]
        if marked:
            return max(marked, key=recency)
    return max(annotations, key=recency)


def majority(versions: list[tuple[list[Span], list[Relation]]]) -> tuple[list[Span], list[Relation]]:
    """Spans and relations that more than half of the annotations agree on (exact match)."""
    return majority_of(versions, need=len(versions) // 2 + 1)


def all_agree(versions: list[tuple[list[Span], list[Relation]]]) -> bool:
    """Every version holds the same spans and relations (exact)."""
    keys = {(frozenset(s.key() for s in spans), frozenset((r.head, r.child, r.label) for r in rels)) for spans, rels in versions}
    return len(keys) == 1


def majority_of(versions: list[tuple[list[Span], list[Relation]]], *, need: int) -> tuple[list[Span], list[Relation]]:
    """Spans and relations held by at least `need` of the versions (exact match)."""
    span_votes: Counter = Counter()
    first: dict[tuple, Span] = {}
    for spans, _ in versions:
        for s in {s.key(): s for s in spans}.values():
            span_votes[s.key()] += 1
            first.setdefault(s.key(), s)
    kept = {key: first[key] for key, n in span_votes.items() if n >= need}
    kept_ids = {s.id for s in kept.values()}
    rel_votes: Counter = Counter()
    for _, relations in versions:
        for key in {(r.head, r.child, r.label) for r in relations}:
            rel_votes[key] += 1
    # Span ids are region_id(text, start, end, label): equal spans have equal ids across annotators.
    rels = [Relation(h, c, label) for (h, c, label), n in rel_votes.items() if n >= need and h in kept_ids and c in kept_ids]
    return sorted(kept.values(), key=Span.key), sorted(rels, key=lambda r: (r.head, r.child, r.label))
