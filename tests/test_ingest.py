"""Ingestion: formats, ids, metadata, bad input (raise or skip), duplicates, long documents."""

from __future__ import annotations

import json

import pytest

from labeling.errors import InputError
from labeling.ingest import Summary, read_documents


def read(paths, **kw):
    summary = Summary()
    docs = list(read_documents([str(p) for p in paths], summary=summary, **kw))
    return docs, summary


def test_txt_file_and_directory_recursive_sorted(tmp_path):
    (tmp_path / "b.txt").write_text("Second article.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("First article.\r\nLine two.\r", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("Nested article.", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("ignored", encoding="utf-8")
    docs, summary = read([tmp_path])
    assert [d.id for d in docs] == ["a", "b", "sub/c"]
    assert docs[0].text == "First article.\nLine two.\n"  # CRLF and CR normalised, nothing else
    assert summary.read == 3 and summary.documents == 3
    single, _ = read([tmp_path / "b.txt"])
    assert single[0].id == "b" and single[0].origin.endswith("b.txt")


def test_jsonl_fields_meta_and_default_id(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text(
        json.dumps({"id": "x1", "text": "Russia launched drones.", "source": "wire", "lang": "en"})
        + "\n\n"
        + json.dumps({"body": "No id here.", "url": "http://e.x"})
        + "\n",
        encoding="utf-8",
    )
    docs, summary = read([path], skip_invalid=True)
    assert [d.id for d in docs] == ["x1"] and docs[0].meta == {"source": "wire", "lang": "en"}
    assert summary.skipped == [(f"{path}:3", "missing text field 'text'")]
    # second record has no "text": with a configured field name it reads "body"
    docs, _ = read([path], text_field="body", skip_invalid=True)
    assert [d.id for d in docs] == ["news-3"]
    assert docs[0].meta == {"url": "http://e.x"}


def test_csv_columns(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text('doc,content,outlet\nd1,"Text one, with comma.",AP\n,"Multi\nline text",AFP\n', encoding="utf-8")
    docs, _ = read([path], text_field="content", id_field="doc")
    assert [(d.id, d.text, d.meta) for d in docs] == [
        ("d1", "Text one, with comma.", {"outlet": "AP"}),
        ("rows-3", "Multi\nline text", {"outlet": "AFP"}),
    ]


def test_duplicates_kept_once_and_counted(tmp_path):
    (tmp_path / "a.txt").write_text("Same text.\r\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Same text.\n", encoding="utf-8")
    docs, summary = read([tmp_path])
    assert [d.id for d in docs] == ["a"] and summary.duplicates == 1


BAD = {
    "invalid_utf8": ("bad.jsonl", b'{"text": "ok"}\n{"text": "caf\xe9"}\n', "bad.jsonl:2", "invalid UTF-8 at byte offset 28"),
    "binary": ("blob.txt", b"\x00\x01\x02binary", "blob.txt", "binary file"),
    "malformed_json": ("m.jsonl", b'{"text": "ok"}\n{"text": \n', "m.jsonl:2", "malformed JSON"),
    "missing_text": ("n.jsonl", b'{"id": "a", "title": "no text"}\n', "n.jsonl:1", "missing text field 'text'"),
    "non_string_text": ("s.jsonl", b'{"text": 42}\n', "s.jsonl:1", "is int, not a string"),
    "empty_text": ("e.jsonl", b'{"text": "   \\n "}\n', "e.jsonl:1", "empty text"),
    "unknown_type": ("doc.pdf", b"%PDF-1.4", "doc.pdf", "unknown file type '.pdf'"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_input_raises_with_location(tmp_path, kind):
    name, content, location, reason = BAD[kind]
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError) as err:
        read([tmp_path / name])
    assert err.value.location == str(tmp_path / location)
    assert reason in err.value.reason


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_input_skipped_and_listed(tmp_path, kind):
    name, content, location, reason = BAD[kind]
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("A good article.", encoding="utf-8")
    docs, summary = read([tmp_path / name, tmp_path / "good.txt"], skip_invalid=True)
    assert "good" in [d.id for d in docs]
    assert len(summary.skipped) == 1
    assert summary.skipped[0][0] == str(tmp_path / location) and reason in summary.skipped[0][1]


def test_long_document_error_and_split(tmp_path):
    paras = ["Para one is here.", "Para two is a bit longer than one.", "Three.\nWith a second line that is long."]
    text = "\n\n".join(paras)
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="over the limit of 40") as err:
        read([tmp_path / "long.txt"], max_chars=40)
    assert "--split-long" in err.value.hint
    parts, summary = read([tmp_path / "long.txt"], max_chars=40, split_long=True)
    assert summary.split == 1 and len(parts) >= 3
    for k, part in enumerate(parts, 1):
        assert part.id == f"long#p{k}" and len(part.text) <= 40
        assert part.meta["parent_id"] == "long" and part.meta["part"] == k
        off = part.meta["part_offset"]
        assert text[off : off + len(part.text)] == part.text
        assert part.text == part.text.strip()
    assert parts[0].text == "Para one is here."


def test_generator_is_lazy(tmp_path):
    (tmp_path / "a.txt").write_text("Fine.", encoding="utf-8")
    (tmp_path / "z.pdf").write_bytes(b"x")
    stream = read_documents([tmp_path])
    assert next(stream).id == "a"  # the bad file later on has not been read yet
    with pytest.raises(InputError):
        next(stream)


def test_input_without_documents_is_an_error_and_writes_nothing(tmp_path):
    from .conftest import run_cli

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no documents found"):
        read([empty])
    out = tmp_path / "tasks.jsonl"
    r = run_cli(["preannotate", str(empty), "-o", str(out)])
    assert r.returncode == 1 and "no documents found" in r.stderr and str(empty) in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [empty]  # no temporary file left either
