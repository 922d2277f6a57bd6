"""The reviewer's decisions: what `labeling pull --policy adjudicated` takes first.

A decision is the latest counting annotation of a review task (`labeling
review` made the task; data `review_of` names the source project and task).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ProjectNotFound
from ..pull import policy as policies
from ..pull.export import annotator_name
from ..studio.client import Project, Studio
from .run import REVIEW_KEY, review_title
from .versions import exported


@dataclass(frozen=True)
class Decision:
    review_task_id: int
    annotation_id: int
    reviewer: str
    result: list[dict[str, Any]]


def decisions(studio: Studio, source: Project, review_project: str | None = None) -> dict[int, Decision]:
    """Source task id -> the reviewer's decision, from the review project of `source`.

    The default review project ("TITLE (review)") may not exist yet: then nothing is
    adjudicated. A review project named explicitly must exist.
    """
    title = review_project or review_title(source.title)
    found = studio.find_project(title)
    if found is None:
        if review_project is None:
            return {}
        raise ProjectNotFound(f"No review project titled exactly {title!r} on {studio.url}.", "Check --review-project, or run `labeling review` first.")
    users = studio.user_emails()
    out: dict[int, Decision] = {}
    with exported(studio, found.id) as tasks:
        for task in tasks:
            of = (task.get("data") or {}).get(REVIEW_KEY) or {}
            done = policies.counting(task.get("annotations") or [])
            if of.get("project_id") != source.id or not isinstance(of.get("task_id"), int) or not done:
                continue
            latest = max(done, key=policies.recency)
            out[of["task_id"]] = Decision(int(task["id"]), int(latest["id"]), annotator_name(latest, users), latest.get("result") or [])
    return out
