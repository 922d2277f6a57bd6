"""Studio calls about projects: find, read, create, update, validate a labeling config, overlap settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from label_studio_sdk.core.api_error import ApiError

from ..errors import ConfigConflict, LabelingError, ProjectNotFound
from .transport import Session, public_url, short, translate_errors


@dataclass
class Project:
    id: int
    title: str
    label_config: str
    task_count: int
    model_version: str | None
    description: str = ""


class ProjectsAPI(Session):
    def _project(self, p: Any) -> Project:
        return Project(p.id, p.title or "", p.label_config or "", p.task_number or 0, p.model_version or None, p.description or "")

    def find_project(self, title: str) -> Project | None:
        """The project with exactly this title (Label Studio's own filter matches substrings)."""
        with translate_errors(self.url):
            matches = [p for p in self._sdk.projects.list(title=title, page_size=100) if p.title == title]
        if len(matches) > 1:
            ids = ", ".join(str(p.id) for p in matches)
            raise LabelingError(f"{len(matches)} projects are titled {title!r} (ids {ids}).", "Name one with --project-id.")
        return self.get_project(matches[0].id) if matches else None

    def get_project(self, project_id: int) -> Project:
        with translate_errors(self.url):
            try:
                return self._project(self._sdk.projects.get(id=project_id))
            except ApiError as exc:
                if exc.status_code == 404:
                    raise ProjectNotFound(
                        f"No project with id {project_id} on {public_url(self.url)}.", "List projects in the Label Studio UI, or use --project TITLE."
                    ) from None
                raise

    def project_titles(self) -> list[str]:
        with translate_errors(self.url):
            return [p.title or "" for p in self._sdk.projects.list(page_size=100)]

    def create_project(self, *, title: str, label_config: str, instructions_html: str, description: str) -> Project:
        with translate_errors(self.url):
            p = self._sdk.projects.create(
                title=title,
                label_config=label_config,
                expert_instruction=instructions_html,
                show_instruction=True,
                description=description,
            )
        return self.get_project(p.id)

    def update_project(self, project_id: int, **fields: Any) -> None:
        """Change project fields; a labeling config Label Studio rejects raises ConfigConflict."""
        with translate_errors(self.url):
            try:
                self._sdk.projects.update(id=project_id, **fields)
            except ApiError as exc:
                if exc.status_code == 400 and "label_config" in fields:
                    raise ConfigConflict(f"Label Studio rejected the new labeling config: {short(exc.body)}") from None
                raise

    def validate_config(self, project_id: int, label_config: str) -> str | None:
        """None when Label Studio would accept `label_config` for this project, else its reason."""
        with translate_errors(self.url):
            try:
                self._sdk.projects.validate_label_config(id=project_id, label_config=label_config)
                return None
            except ApiError as exc:
                if exc.status_code == 400:
                    return short(exc.body)
                raise

    def projects_titled(self, title: str) -> list[Project]:
        """Every project with exactly this title, lowest id first."""
        with translate_errors(self.url):
            found = [p for p in self._sdk.projects.list(title=title, page_size=100) if p.title == title]
        return sorted((self._project(p) for p in found), key=lambda p: p.id)

    def projects(self) -> list[Project]:
        with translate_errors(self.url):
            return sorted((self._project(p) for p in self._sdk.projects.list(page_size=100)), key=lambda p: p.id)

    def project_settings(self, project_id: int) -> dict[str, Any]:
        """The project fields that decide whether suggestions show on task open."""
        with translate_errors(self.url):
            p = self._sdk.projects.get(id=project_id)
        return {"show_collab_predictions": p.show_collab_predictions, "model_version": p.model_version or ""}

    def set_overlap(self, project_id: int, annotators: int, share: int = 100) -> None:
        """Each task is served until `annotators` people annotated it (for `share` % of tasks): Label Studio's
        `maximum_annotations` / `overlap_cohort_percentage`, accepted by the project API in Community."""
        self.update_project(project_id, maximum_annotations=annotators, overlap_cohort_percentage=share)

    def overlap(self, project_id: int) -> tuple[int, int]:
        """(maximum_annotations, overlap_cohort_percentage) of a project."""
        with translate_errors(self.url):
            p = self._sdk.projects.get(id=project_id)
        return int(p.maximum_annotations or 1), int(p.overlap_cohort_percentage if p.overlap_cohort_percentage is not None else 100)
