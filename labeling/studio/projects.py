"""Find or create the Label Studio project for a scheme, and keep its config in step.

A project's labeling config is compared with the scheme by what annotators
see: labels (with colour and hotkey) and relations (scheme.config_differences). A difference is applied
when Label Studio accepts it (adding a label, changing a colour); when Label
Studio refuses (removing a label that annotations use), nothing is touched and
ConfigConflict lists the differences.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from markdown_it import MarkdownIt

from ..errors import ConfigConflict, ProjectNotFound
from ..scheme import Scheme, config_differences, guidelines
from .client import Project, Studio


@dataclass
class ProjectResult:
    project: Project
    created: bool
    config_changes: list[str]


def instructions_html() -> str:
    return MarkdownIt("commonmark").enable("table").render(guidelines())


def description(scheme: Scheme) -> str:
    return f"Conflict-news attribution. Label scheme {scheme.name} v{scheme.version} (sha256 {scheme.digest[:12]}). Managed by the `labeling` toolkit."


def ensure_project(studio: Studio, scheme: Scheme, *, title: str | None = None, project_id: int | None = None, create: bool = True) -> ProjectResult:
    """The project named by id or exact title, created from the scheme when missing."""
    if project_id is not None:
        project = studio.get_project(project_id)
    elif title:
        found = studio.find_project(title)
        if found is None:
            if not create:
                raise ProjectNotFound(
                    not_found_message(studio, title), "Check the title (it must match exactly), or push documents first: labeling push INPUT --project TITLE."
                )
            return ProjectResult(create_from_scheme(studio, scheme, title), True, [])
        project = found
    else:
        raise ProjectNotFound("No project named.", "Pass --project TITLE or --project-id ID.")

    diffs = config_differences(project.label_config, scheme)
    if diffs:
        reason = studio.validate_config(project.id, scheme.to_label_config())
        if reason is not None:
            listed = "\n".join(f"  - {d}" for d in diffs)
            raise ConfigConflict(
                f"Project {project.title!r} (id {project.id}) has a labeling config that differs from the scheme, and Label Studio refuses the change:\n{listed}\n  Label Studio says: {reason}",
                "Nothing was changed. Push into a new project (--project NEW_TITLE), or fix the annotations that use the removed labels first.",
            )
        studio.update_project(project.id, label_config=scheme.to_label_config(), description=description(scheme))
        project = studio.get_project(project.id)
    return ProjectResult(project, False, diffs)


def lookup_project(studio: Studio, *, title: str | None, project_id: int | None, hint: str) -> Project:
    """The existing project by id or exact title; `hint` is the next step when no project has that title."""
    if project_id is not None:
        return studio.get_project(project_id)
    if not title:
        raise ProjectNotFound(f"No project named. {_listed(studio, nearest_titles(studio, None))}", "Pass --project TITLE or --project-id ID.")
    project = studio.find_project(title)
    if project is None:
        raise ProjectNotFound(not_found_message(studio, title), hint)
    return project


def create_from_scheme(studio: Studio, scheme: Scheme, title: str) -> Project:
    """A new project: the scheme's labeling config, the guidelines as instructions, our description."""
    return studio.create_project(title=title, label_config=scheme.to_label_config(), instructions_html=instructions_html(), description=description(scheme))


def not_found_message(studio: Studio, title: str) -> str:
    return f"No project titled exactly {title!r}. {_listed(studio, nearest_titles(studio, title))}"


SHOWN_TITLES = 8


def nearest_titles(studio: Studio, title: str | None) -> list[str]:
    """The projects' titles, the nearest to `title` first (difflib's ratio, case-insensitive); A-Z without a title."""
    titles = sorted(set(studio.project_titles()))
    if title:
        titles.sort(key=lambda t: -difflib.SequenceMatcher(None, title.lower(), t.lower()).ratio())
    return titles


def _listed(studio: Studio, titles: list[str]) -> str:
    if not titles:
        return f"{studio.url} has no projects yet."
    more = f" and {len(titles) - SHOWN_TITLES} more" if len(titles) > SHOWN_TITLES else ""
    return f"Projects on {studio.url} ({len(titles)}): " + ", ".join(repr(t) for t in titles[:SHOWN_TITLES]) + more + "."
