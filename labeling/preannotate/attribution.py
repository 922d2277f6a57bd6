"""CLAIM and SOURCE regions joined by `attributed_to`, from the cues in configs/cues.toml.

Forms recognised (decisions where the scheme leaves room are marked *):
1. A cue verb with a subject; the subject's noun phrase is the SOURCE
   (pronouns included, leading article dropped, appositives and relative
   clauses left out). Its CLAIM is, in this order:
   - quotations adjacent to the cue: '"Q," X said', 'X said: "Q"'. A split quote
     '"Q1," X said, "Q2"' gives *two CLAIMs*, both attributed to X. A trailing
     comma inside the marks is left out*.
   - the verb's clausal complement, without "that": 'X said (that) C', 'C, X said';
     also 'X said in a statement that C' when the parser hangs C on "statement".
   - for a parenthetical cue ('C, the command said,') the clause before it.
2. "according to X", "citing X", "as quoted by X" / "as reported by X": X is a
   SOURCE ("a statement from X" -> X). If the phrase hangs off a clause that
   is already attributed, X is *a further SOURCE of the same CLAIMs* (a relayed
   claim has two). Otherwise the clause it modifies is the CLAIM.
3. Issue #24's forms: a cue with two subjects ("X and Y said": both SOURCEs);
   "denied reports that C"; "described X as "Q"", "calling it "Q""; "the
   statement continued / detailed / went on"; "C, the news site X reported"
   (however the parser hangs it); "Confirmation that C was given by X";
   "C1 but that C2" (two CLAIMs); quotes over several paragraphs and a cue-less
   quote right after a cue's sentence (quotes.py). "no group has claimed it" has
   no SOURCE. "X reported, citing Y, that C" (C hangs off "citing"); "A urged
   ..., and Y of Z said C" (Y, parsed as an object, is the speaker); a cue
   with a clause of its own does not take the quote before it.
SOURCE extents and relay objects are in sources.py.
A cue with no recognisable content yields nothing: a SOURCE only exists with a CLAIM.
"""

from __future__ import annotations

import re

from spacy.strings import hash_string  # type: ignore[attr-defined]  # a Cython function spaCy ships no stub for
from spacy.tokens import Doc, Token

from .cues import Cues
from .quotes import Attribution, attach_following_quotes, attach_run_on_quotes, find_quotes, quote_follows
from .regions import PRONOUN_TAGS, doc_text, region, text_region
from .sources import np_range, relay_source, source_region

_GAP_BEFORE = re.compile(r"[\s,;:—–-]*(?:(?:So|Thus)\s+)?")
_CONFIRMATION = hash_string("confirmation")
# "denied reports that C": the clause hangs off the noun.
_REPORT_NOUNS = frozenset({"reports", "report", "claims", "allegations", "accusations", "suggestions", "rumours", "rumors"})


def attributions(doc: Doc, cues: Cues) -> list[Attribution]:
    text = doc_text(doc)
    quotes = find_quotes(text)
    found: list[Attribution] = []
    by_token: dict[int, Attribution] = {}  # cue verbs and claim heads -> their attribution
    relays = []
    cue_ids, relay_ids = cues.verb_ids, cues.relay_ids
    for tok in doc:  # compare hashes: building token.lower_ strings for every token is the slow part
        lower = tok.lower
        if lower in cue_ids and tok.tag_.startswith("VB"):
            att = _verb_attribution(tok, cues, quotes, text, by_token)
            if att:
                found.append(att)
        if lower in relay_ids:
            relays.append(tok)
        elif lower == _CONFIRMATION:
            att = _confirmation(tok, cues)
            if att:
                found.append(att)
    attach_following_quotes(text, quotes, found)
    attach_run_on_quotes(text, found)
    for tok in relays:
        relay = relay_source(tok, cues)
        if relay is None:
            continue
        src = source_region(relay, cues, "source-relay")
        if src is None:
            continue
        host = tok.head
        att = _attached(host, by_token)
        if att is None:
            att = _relayed_clause(tok, host)
            if att is None:
                continue
            found.append(att)
        att.sources.append((src, relay.i))
    return found


def _verb_attribution(v: Token, cues: Cues, quotes, text: str, by_token: dict[int, Attribution]) -> Attribution | None:
    if v.lower_ == "went" and not any(c.dep_ == "prt" and c.lower_ == "on" for c in v.children):
        return None  # "went on" is a cue, "went to" is not
    subj = _subject(v, cues)
    if subj is None or subj.lower_ in ("nobody", "none") or any(c.dep_ == "det" and c.lower_ == "no" for c in subj.children):
        return None  # "no group has claimed it": nobody is a SOURCE
    src = source_region(subj, cues, "source-pronoun" if subj.tag_ in PRONOUN_TAGS else "source-cue")
    if src is None:
        return None
    doc = v.doc
    si, sj = np_range(subj, cues)
    cue_start = doc[min(v.i, si)].idx
    cue_end = max(v.idx + len(v.text), doc[sj - 1].idx + len(doc[sj - 1].text))
    att = Attribution(sources=[(src, subj.i)])
    for other in subj.conjuncts:  # "the army and the police said": both are SOURCEs
        more = source_region(other, cues, "source-cue")
        if more is not None and other.i > subj.i:
            att.sources.append((more, other.i))
            sj = max(sj, np_range(other, cues)[1])
            cue_end = max(cue_end, doc[sj - 1].idx + len(doc[sj - 1].text))
    # A cue with a reported clause of its own after it ("She said the first ... would arrive")
    # does not take the quote that closed the paragraph before it.
    own_clause = any(c.dep_ == "ccomp" and c.i > v.i for c in v.children)
    for q_open, q_close in quotes:
        if q_close < cue_start and not own_clause and _GAP_BEFORE.fullmatch(text, q_close + 1, cue_start):
            att.claims = [r for r in [text_region(text, q_open + 1, q_close, "CLAIM", "claim-quote")] if r]
        elif q_open >= cue_end and quote_follows(v, text, cue_end, q_open):
            r = text_region(text, q_open + 1, q_close, "CLAIM", "claim-quote")
            att.claims += [r] if r else []
            break
        elif q_open >= cue_end:
            break
    heads = [v.i]
    if not att.claims:
        comp = next((c for c in v.children if c.dep_ == "ccomp"), None) or _statement_clause(v, cues) or _reported_clause(v) or _relay_clause(v, cues)
        if comp is not None:
            keep = "first" if comp.i > v.i else "last"
            for i, j in _clauses(comp, cues):
                r = region(doc, i, j, "CLAIM", "claim-clause", articles=False, marks=True, keep=keep)
                att.claims += [r] if r else []
            heads.append(comp.i)
        elif v.dep_ == "parataxis" and v.head.i < v.i:
            r = region(doc, v.head.left_edge.i, min(v.i, si), "CLAIM", "claim-before-cue", articles=False)
            att.claims += [r] if r else []
            heads.append(v.head.i)
        else:
            before = _clause_before(v, si)
            if before is not None:
                r = region(doc, before[0], before[1], "CLAIM", "claim-before-cue", articles=False)
                att.claims += [r] if r else []
                heads.append(doc[before[0]].sent.root.i)
    # A claim that swallowed its own source is a parse error, not an attribution.
    att.claims = [c for c in att.claims if not (c.start < src.end and src.start < c.end)]
    if not att.claims:
        return None
    for h in heads:
        by_token.setdefault(h, att)
    att.sentence_end = v.sent.end_char
    return att


def _clause_before(v: Token, si: int) -> tuple[int, int] | None:
    """'C, the news site X reported[, ...].' parsed as anything: the clause from the sentence start to the comma."""
    doc = v.doc
    sent = v.sent
    k = si - 1
    while k > sent.start and not doc[k].is_punct and doc[k].pos_ in ("DET", "NOUN", "PROPN", "ADJ", "NUM"):
        k -= 1  # "the news site" before the name
    if k <= sent.start or doc[k].text != "," or v.i + 1 >= len(doc):
        return None
    after = doc[v.right_edge.i + 1] if v.right_edge.i + 1 < len(doc) else None
    ends_line = after is not None and after.is_sent_start and doc[after.i - 1].is_space  # a headline: "..., army says"
    if any(c.dep_ in ("ccomp", "dobj", "xcomp") for c in v.children) or (after is not None and not after.is_punct and not ends_line):
        return None
    if sum(not doc[m].is_punct for m in range(sent.start, k)) < 4:
        return None
    return sent.start, k


def _clauses(comp: Token, cues: Cues) -> list[tuple[int, int]]:
    """Token ranges of a reported clause: 'X said C1 and that C2' gives two; 'and denied ...' is not reported."""
    lo, hi = comp.left_edge.i, comp.right_edge.i + 1
    extra = []
    for c in comp.rights:
        if c.dep_ == "advcl" and c.lower_ in cues.verbs:
            hi = min(hi, c.left_edge.i)  # "C, calling it ...": the speaker's own words follow
            break
        if c.dep_ != "conj" or c.pos_ not in ("VERB", "AUX"):
            continue
        doc = comp.doc
        first = c.left_edge.i
        # "but that morale was high" parsed with "that" as the determiner of "morale"
        that = any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children) or (doc[first].lower_ == "that" and doc[first - 1].dep_ == "cc")
        # 'C1 and that C2', 'C1 but that C2': two claims ('C1 and C2' stays one);
        # 'C and denied ...' (a cue or stance verb): the speaker's own act.
        if that or c.lower_ in cues.verbs or c.lower_ in cues.stance_verbs:
            hi = min(hi, next((t.i for t in comp.rights if t.dep_ == "cc" and t.i < c.i), c.left_edge.i))
            if that:
                start = c.left_edge.i
                while start < c.i and (comp.doc[start].dep_ in ("cc", "mark") or comp.doc[start].lower_ == "that" or comp.doc[start].is_punct):
                    start += 1
                extra.append((start, c.right_edge.i + 1))
            break
    return [_cut_relays(comp.doc, lo, hi, cues), *extra]


def _cut_relays(doc: Doc, lo: int, hi: int, cues: Cues) -> tuple[int, int]:
    """A claim without a leading or trailing 'citing X' / 'according to X' phrase (a SOURCE, not content)."""
    for t in doc[lo:hi]:
        if t.lower in cues.relay_ids and t.lower_ not in cues.relay_participles:
            left, right = t.left_edge.i, t.right_edge.i + 1
            if all(doc[k].is_punct for k in range(lo, left)):
                lo = right
            elif all(doc[k].is_punct for k in range(right, hi)) or left > lo:
                return lo, left
    return lo, hi


def _subject(v: Token, cues: Cues) -> Token | None:
    subjects = [c for c in v.children if c.dep_ == "nsubj"]
    if subjects:  # an emoji the parser made a second subject ("... 🇹🇷" Minister X wrote) is not the speaker
        words = [c for c in subjects if c.is_alpha] or subjects
        # "Two soldiers killed in ..., army says": the subject next to the cue speaks.
        return words[-1] if len(words) > 1 and words[-1].i < v.i else words[0]
    if v.dep_ == "conj" and (own := _conjoined_subject(v)) is not None:
        return own
    if v.tag_ == "VBG":  # "X denied C, calling it "Q"": the speaker of the nearest cue above
        for up in v.ancestors:
            if up.lower_ in cues.verbs and up.i < v.i:
                subj = next((c for c in up.children if c.dep_ == "nsubj"), None)
                if subj is not None:
                    return subj
    # "..., saying C" and "X smiled and said C" share the subject of the verb they hang off.
    if v.dep_ in ("conj", "advcl", "xcomp") and v.head.i != v.i:
        return next((c for c in v.head.children if c.dep_ == "nsubj"), None)
    return None


def _conjoined_subject(v: Token) -> Token | None:
    """ "X urged ..., and Secretary-General Y of Z said C": the parser makes Y an object of "urged"; Y speaks."""
    doc = v.doc
    k = v.i - 1
    while k > 0 and doc[k].dep_ in ("pobj", "prep") and doc[k].head.i < k:
        k = doc[k].head.i  # "Keita of IGAD" -> Keita
    head = doc[k]
    if k == v.i - 1 and head.dep_ == "pobj":
        return None
    if head.pos_ not in ("PROPN", "NOUN") or head.dep_ not in ("dobj", "conj", "pobj") or head.i <= v.head.i:
        return None
    edge = head.left_edge.i
    return head if edge > 0 and doc[edge - 1].lower_ in ("and", "but") else None


def _relay_clause(v: Token, cues: Cues) -> Token | None:
    """'X reported, citing Y, that C': the parser hangs C off "citing"."""
    for c in v.children:
        if c.dep_ == "advcl" and c.lower_ in cues.citing:
            for g in c.children:
                if g.dep_ == "ccomp" and g.i > c.i:
                    return g
    return None


def _statement_clause(v: Token, cues: Cues) -> Token | None:
    """'X said in a statement that C', parsed with C hanging off "statement"."""
    for prep in v.children:
        if prep.dep_ != "prep":
            continue
        for noun in prep.children:
            if noun.dep_ == "pobj" and noun.lower_ in cues.statement_nouns:
                for c in noun.children:
                    if c.dep_ in ("acl", "relcl", "ccomp") and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children):
                        return c
    return None


def _confirmation(tok: Token, cues: Cues) -> Attribution | None:
    """'Confirmation that C was given by X': CLAIM C, SOURCE X."""
    clause = next((c for c in tok.children if c.dep_ in ("acl", "ccomp", "relcl") and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)), None)
    agent = next((c for c in tok.head.children if c.dep_ == "agent"), None) if tok.dep_ == "nsubjpass" else None
    who = next((g for g in agent.children if g.dep_ == "pobj"), None) if agent is not None else None
    if clause is None or who is None:
        return None
    src = source_region(who, cues, "source-cue")
    claim = region(tok.doc, clause.left_edge.i, clause.right_edge.i + 1, "CLAIM", "claim-clause", articles=False, marks=True)
    return Attribution(claims=[claim], sources=[(src, who.i)]) if src and claim else None


def _reported_clause(v: Token) -> Token | None:
    """'X denied reports that C': C hangs off the object noun."""
    for obj in v.children:
        if obj.dep_ == "dobj" and obj.lower_ in _REPORT_NOUNS:
            for c in obj.children:
                if c.dep_ in ("acl", "relcl", "ccomp") and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children):
                    return c
    return None


def _attached(host: Token, by_token: dict[int, Attribution]) -> Attribution | None:
    """The attribution a relay phrase extends: its host clause or an ancestor is a cue or a claim."""
    tok = host
    while True:
        if tok.i in by_token:
            return by_token[tok.i]
        if tok.head.i == tok.i:
            return None
        tok = tok.head


def _relayed_clause(relay: Token, host: Token) -> Attribution | None:
    """'C, according to X' / 'According to X, C': the clause minus the relay phrase."""
    if not host.tag_.startswith("VB"):
        host = host.sent.root
    doc = relay.doc
    lo, hi = relay.left_edge.i, relay.right_edge.i + 1
    left = (host.left_edge.i, lo)
    right = (hi, host.right_edge.i + 1)

    def words(r):
        return sum(not doc[k].is_punct for k in range(*r)) if r[0] < r[1] else 0

    i, j = left if words(left) >= words(right) else right
    if words((i, j)) < 3:
        return None
    r = region(doc, i, j, "CLAIM", "claim-relayed", articles=False)
    return Attribution(claims=[r]) if r else None
