"""Each annotator's version of a document, read from a Label Studio export, and what they agree on.

Shared by `labeling review` (which documents need a decision) and the
`adjudicated` pull policy (agreed documents need none). A version is the
validated (spans, relations) of one counting annotation, named by its author's
email; span ids are region ids, equal for equal spans across annotators.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..pull import policy as policies
from ..pull.export import annotator_name
from ..pull.spool import iter_export
from ..pull.validate import validate
from ..records import Relation, Span, content_hash, normalise
from ..scheme import Scheme
from ..studio.client import Studio

Version = tuple[list[Span], list[Relation]]


@dataclass
class DocVersions:
    task_id: int
    doc_id: str
    data: dict[str, Any]  # the task data as pushed
    text: str  # normalised
    versions: dict[str, Version] = field(default_factory=dict)  # annotator -> version
    annotation_ids: dict[str, int] = field(default_factory=dict)
    signature: str = ""  # changes whenever an annotation is added, removed or updated

    def disagreement(self) -> int:
        """Spans and relations not held by every annotator (0: they all agree)."""
        span_sets = [{s.key() for s in spans} for spans, _ in self.versions.values()]
        rel_sets = [_relation_keys(v) for v in self.versions.values()]
        return sum(len(set.union(*sets) - set.intersection(*sets)) for sets in (span_sets, rel_sets) if sets)

    def agreed(self) -> Version:
        """What every annotator holds: spans (exact), and relations whose ends are both kept."""
        return policies.majority_of(list(self.versions.values()), need=len(self.versions))


def _relation_keys(version: Version) -> set[tuple]:
    spans, rels = version
    by_id = {s.id: s.key() for s in spans}
    return {(by_id.get(r.head), by_id.get(r.child), r.label) for r in rels}


@contextmanager
def exported(studio: Studio, project_id: int) -> Iterator[Iterator[dict[str, Any]]]:
    """The tasks of a fresh export of the project, streamed from a temporary file removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="labeling-review-"))
    try:
        export_id = studio.create_export(project_id, title="labeling review")
        studio.download_export(project_id, export_id, tmp / "export.json")
        yield iter_export(tmp / "export.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def doc_versions(task: dict[str, Any], scheme: Scheme, users: dict[int, str]) -> DocVersions:
    """Every counting annotation of an exported task as a version named by its author."""
    data = task.get("data") or {}
    text = normalise(str(data.get("text") or ""))
    task_id = int(task["id"])
    doc = DocVersions(task_id, str(data.get("doc_id") or f"task-{task_id}"), data, text)
    input_hash = content_hash(text)
    stamp = []
    for a in policies.counting(task.get("annotations") or []):
        name = annotator_name(a, users)
        if name in doc.versions:  # one person twice: both count, apart
            name = f"{name} #{a['id']}"
        result = a.get("result") or []
        spans, rels, _ = validate(text, input_hash, result, scheme, task_id=task_id, annotation_id=a.get("id"), doc_id=doc.doc_id)
        doc.versions[name] = (spans, rels)
        doc.annotation_ids[name] = int(a["id"])
        stamp.append((a["id"], a.get("updated_at") or a.get("created_at") or "", json.dumps(result, sort_keys=True)))
    doc.signature = hashlib.sha256(json.dumps(sorted(stamp)).encode()).hexdigest()[:16]
    return doc
