"""A memory as configuration a team can review and promote: the actor gazetteer and weapon patterns.

`gazetteer_toml` writes configs/actors.toml's format (one entry per learned ACTOR
text, its evidence in a comment), so labeling.preannotate.gazetteer loads it;
`weapon_patterns` writes configs/weapons.jsonl lines (a learned WEAPON text as a
MODEL phrase: a weapon on its own). Forgotten texts are listed as comments only:
a gazetteer has no way to say "never".
"""

from __future__ import annotations

import json

from .memory import Evidence, Memory


def _evidence(e: Evidence) -> str:
    return f"labelled {e.labelled}, seen {e.seen}, rejected {e.rejected}, share {e.share:.2f}"


def gazetteer_toml(memory: Memory, *, source: str) -> str:
    lines = [
        f"# Learned from the annotations of {source} ({memory.annotations} submitted annotations).",
        "# Review before promoting entries into configs/actors.toml; evidence per entry in its comment.",
        "",
        "[learned]",
    ]
    for (text, label), e in sorted(memory.learned().items()):
        if label == "ACTOR":
            lines.append(f"{json.dumps(text, ensure_ascii=False)} = []  # {_evidence(e)}")
    forgotten = [(t, e) for (t, label), e in sorted(memory.forgotten().items()) if label == "ACTOR"]
    if forgotten:
        lines += ["", "# Annotators removed these when suggested (not loadable as a gazetteer):"]
        lines += [f"#   {json.dumps(t, ensure_ascii=False)}  ({_evidence(e)})" for t, e in forgotten]
    return "\n".join(lines) + "\n"


def weapon_patterns(memory: Memory) -> str:
    return "".join(
        json.dumps({"label": "MODEL", "pattern": text}, ensure_ascii=False) + "\n" for (text, label) in sorted(memory.learned()) if label == "WEAPON"
    )
