"""Train/dev/test assignment: near-duplicates together, nothing ever moves.

The rule, in order:

1. A document that is in the parent version keeps its split, always.
2. Near-duplicate texts (the same story from several outlets) form a group:
   MinHash (datasketch, 128 permutations, CRC-32 base hash) over lower-cased
   word 3-shingles. Documents are taken in id order; each joins the most
   similar group leader (LSH candidates, then estimated Jaccard >= 0.5 on the
   full signature; ties: the smaller leader id) or else leads a new group.
   Groups are stars around a leader, not connected components: a chain of
   pairwise-similar texts cannot merge half the corpus into one group.
   A group's key is its leader's input_hash, so it depends on texts only.
3. A new document in a group that already has a split (from rule 1) joins that
   split: the split of the member with the smallest id.
4. Otherwise the split comes from sha256(group key) read as a number in [0, 1)
   and cut at the cumulative ratios (train, dev, test; default 0.8, 0.1, 0.1).
5. Frozen test (every version after the first, unless --unfreeze-test):
   - no new document enters test: rule 4 then cuts the same number at the
     train and dev ratios renormalised to sum to one;
   - a new document whose group is already in test is held out of every split
     (listed in the manifest) rather than leak its twin into train;
   - no document leaves test: a test document missing from the export is
     carried over from the parent unchanged (listed in the manifest).
     Corrected annotations of test documents do flow in; membership is frozen.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field

import numpy as np

SPLITS = ("train", "dev", "test")
NUM_PERM = 128
SCHEME = "affine32"  # datasketch's hashing scheme, pinned so signatures stay comparable
THRESHOLD = 0.5
SHINGLE = 3
BANDS, ROWS = 25, 5  # MinHashLSH(threshold=0.5, num_perm=128)'s optimal banding in datasketch
_WORD = re.compile(r"\w+")


def shingles(text: str) -> list[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return [" ".join(words).encode("utf-8")]
    return [s.encode("utf-8") for s in {f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:])}]


def signatures(texts: list[str]) -> list[np.ndarray]:
    """MinHash signatures. Deterministic: fixed seed, and CRC-32 as the base hash
    (a C builtin: several times faster than datasketch's default SHA-1, and as
    good for shingle sets)."""
    from datasketch import MinHash  # imported when needed: the package takes ~0.6 s to import (scipy)

    return [m.hashvalues for m in MinHash.bulk([shingles(t) for t in texts], num_perm=NUM_PERM, scheme=SCHEME, hashfunc=zlib.crc32)]


@dataclass
class Doc:
    id: str
    input_hash: str
    signature: np.ndarray


@dataclass
class Assignment:
    splits: dict[str, str]  # doc id -> split
    held_out: list[str] = field(default_factory=list)  # new docs whose group is in frozen test
    groups: dict[str, str] = field(default_factory=dict)  # doc id -> group key


def groups(docs: list[Doc]) -> dict[str, str]:
    """doc id -> group key: the input_hash of the group's leader (see the module docstring)."""
    docs = sorted(docs, key=lambda d: d.id)
    if not docs:
        return {}
    sigs = np.stack([d.signature for d in docs])
    keys, shared = _band_keys(sigs)
    index: dict[int, list[int]] = {}  # band key shared by 2+ documents -> the leaders holding it
    leader_of: list[int] = []
    for row in range(len(docs)):
        mine = keys[row][shared[row]].tolist()
        best: tuple[float, int] | None = None
        for cand in sorted({c for k in mine for c in index.get(k, ())}):  # LSH candidates, checked on the full signature
            j = np.count_nonzero(sigs[cand] == sigs[row]) / NUM_PERM
            if j >= THRESHOLD and (best is None or j > best[0]):
                best = (j, cand)
        if best is None:
            leader_of.append(row)
            for k in mine:
                index.setdefault(k, []).append(row)
        else:
            leader_of.append(best[1])
    return {d.id: docs[leader].input_hash for d, leader in zip(docs, leader_of)}


def _band_keys(sigs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each document's band keys (an int per band naming its exact values) and which of them another document shares.

    The banding of datasketch's MinHashLSH(threshold=0.5, num_perm=128), which this module used
    before: the same candidates, so the same groups, without its per-band dicts of sets (about
    8 KB a document; a band value that no other document holds can never make a candidate).
    """
    n = len(sigs)
    keys = np.empty((n, BANDS), dtype=np.int64)
    shared = np.empty((n, BANDS), dtype=bool)
    for b in range(BANDS):
        _, inverse, counts = np.unique(sigs[:, b * ROWS : (b + 1) * ROWS], axis=0, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
        keys[:, b] = b * n + inverse
        shared[:, b] = counts[inverse] > 1
    return keys, shared


def bucket(group_key: str, ratios: tuple[float, float, float], *, frozen_test: bool) -> str:
    x = int(hashlib.sha256(group_key.encode()).hexdigest()[:15], 16) / 16**15
    weights = list(ratios)
    if frozen_test:
        total = weights[0] + weights[1]
        weights = [weights[0] / total, weights[1] / total, 0.0]
    edge = 0.0
    for name, w in zip(SPLITS, weights):
        edge += w
        if x < edge and w > 0:
            return name
    return "train" if frozen_test else SPLITS[max(range(3), key=lambda i: weights[i])]


def assign(docs: list[Doc], previous: dict[str, str], ratios: tuple[float, float, float], *, frozen_test: bool) -> Assignment:
    """Split every doc of `docs` (see the module docstring); `previous` is the parent's id -> split."""
    key = groups(docs)
    members: dict[str, list[str]] = {}
    for doc_id in sorted(key):
        members.setdefault(key[doc_id], []).append(doc_id)
    out = Assignment({}, [], key)
    for doc_id in sorted(key):
        if doc_id in previous:
            out.splits[doc_id] = previous[doc_id]
            continue
        known = [previous[m] for m in members[key[doc_id]] if m in previous]
        if known:
            if known[0] == "test" and frozen_test:
                out.held_out.append(doc_id)
            else:
                out.splits[doc_id] = known[0]
            continue
        out.splits[doc_id] = bucket(key[doc_id], ratios, frozen_test=frozen_test)
    return out
