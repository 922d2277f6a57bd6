"""The word lists of configs/cues.toml, as sets the rules can test quickly."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from spacy.strings import hash_string  # type: ignore[attr-defined]  # a Cython function spaCy ships no stub for

from ..errors import ConfigError


@dataclass(frozen=True)
class Cues:
    verbs: frozenset[str]
    stance_verbs: frozenset[str]
    according: frozenset[str]
    citing: frozenset[str]
    relay_participles: frozenset[str]
    statement_nouns: frozenset[str]
    titles: frozenset[str]
    group_nouns: frozenset[str]
    org_nouns: frozenset[str]  # "the coalition", "the regime": one specific organisation
    bare_org_nouns: frozenset[str]  # "coalition forces", "coalition aircraft": specific without "the"
    place_nouns: frozenset[str]  # "Syria's north": the possessive is a place
    partner_preps: frozenset[str]  # "talks with Iran": the object takes part
    civilian_roles: frozenset[str]  # "Name, a teacher": a witness, not an ACTOR
    actor_always: frozenset[str]
    actor_when_agent: frozenset[str]
    actor_nationality: frozenset[str]
    media: frozenset[str]  # outlet names, lower-cased, without a leading "the"
    media_suffixes: frozenset[str]
    media_descriptors: frozenset[str]  # "the daily X", "the broadcaster X": X is an outlet

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cues:
        def words(section: str, key: str, lower: bool = True) -> frozenset[str]:
            try:
                values = data[section][key]
            except KeyError:
                raise ConfigError(f"cues.toml: missing [{section}] {key}", "Compare with configs/cues.toml in the repository.") from None
            return frozenset(v.lower() if lower else v for v in values)

        media = frozenset(_strip_the(m.lower()) for m in words("media", "outlets"))
        return cls(
            verbs=words("attribution", "verbs"),
            stance_verbs=words("attribution", "stance_verbs"),
            according=words("attribution", "according"),
            citing=words("attribution", "citing"),
            relay_participles=words("attribution", "relay_participles"),
            statement_nouns=words("attribution", "statement_nouns"),
            titles=words("actors", "titles"),
            group_nouns=words("actors", "group_nouns"),
            org_nouns=words("actors", "org_nouns"),
            bare_org_nouns=words("actors", "bare_org_nouns"),
            place_nouns=words("actors", "place_nouns"),
            partner_preps=words("actors", "partner_preps"),
            civilian_roles=words("actors", "civilian_roles"),
            actor_always=words("actors", "always", lower=False),
            actor_when_agent=words("actors", "when_agent", lower=False),
            actor_nationality=words("actors", "nationality", lower=False),
            media=media,
            media_suffixes=words("media", "suffixes", lower=False),
            media_descriptors=words("media", "descriptors"),
        )

    @property
    def verb_ids(self) -> frozenset[int]:
        """Hashes of the cue verbs, to test `token.lower` without making strings."""
        return self._ids("verbs")

    @property
    def org_ids(self) -> frozenset[int]:
        return self._ids("org_nouns")

    @property
    def group_ids(self) -> frozenset[int]:
        return self._ids("group_nouns")

    @property
    def title_ids(self) -> frozenset[int]:
        """Hashes of the titles, also without their full stop ("Sgt" for "sgt.")."""
        cached = self.__dict__.get("_title_ids")
        if cached is None:
            cached = frozenset(hash_string(w) for t in self.titles for w in (t, t.rstrip(".")))
            object.__setattr__(self, "_title_ids", cached)
        return cached

    @property
    def relay_ids(self) -> frozenset[int]:
        return self._ids("according", "citing", "relay_participles")

    def _ids(self, *names: str) -> frozenset[int]:
        key = "_ids_" + "_".join(names)
        cached = self.__dict__.get(key)
        if cached is None:
            cached = frozenset(hash_string(w) for n in names for w in getattr(self, n))
            object.__setattr__(self, key, cached)
        return cached

    def is_media(self, text: str, words: list[str]) -> bool:
        """An outlet that only reports: a listed name, or a name with a media word in it."""
        return _strip_the(text.lower()) in self.media or any(w in self.media_suffixes for w in words)


def _strip_the(name: str) -> str:
    return name[4:] if name.startswith("the ") else name


def parse_cues(raw: bytes, where: str = "cues.toml") -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}", "Fix the syntax error in the cue file.") from None
