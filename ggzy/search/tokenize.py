"""Chinese-aware tokenizer shared by indexing and querying. PURE: no Django.

Text is segmented with jieba's *search mode* (via ``rjieba``, a Rust port that yields the same
tokens about 15× faster) using a trading-center user dictionary (``data/userdict.txt``). Search mode
emits every word plus the 2- and 3-character dictionary words inside it, so a document containing
工程监理 is indexed under 工程, 监理 and 工程监理, and a 2-character query like 监理 finds it.

Both sides of the index go through :func:`tokens`, so the index backends never segment Chinese
themselves: they only see space-separated tokens made of letters and digits, which SQLite FTS5's
``unicode61`` and PostgreSQL's ``simple`` configuration split on spaces and nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import rjieba

USERDICT_PATH = Path(__file__).resolve().parent / "data" / "userdict.txt"

# Longer "words" are pasted blobs (base64, hashes, URLs without separators): nobody types them into
# a search box, and PostgreSQL refuses lexemes over 2 KB, so they are dropped rather than indexed.
MAX_TOKEN_CHARS = 64
# A query is cut to this many characters and tokens. Every token is one more AND term the engine
# must intersect, so an unbounded query would be a cheap way to make the server work hard.
MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 32

# Letters and digits only (``\w`` minus the underscore). Punctuation, spaces and symbols never
# become tokens; "GY2021-001" becomes "gy2021" and "001", which the query side splits the same way.
_WORD_RE = re.compile(r"[^\W_]+")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Text extracted from PDFs and hard-wrapped notices breaks lines in the middle of words
# ("国\n务院"). White space between two Chinese characters carries no meaning, so it is removed
# before segmentation; between latin words it is kept.
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
# Lone surrogates cannot be encoded as UTF-8 (the segmenter refuses them) yet arrive easily, e.g.
# as "\udf9e" escapes in JSON sent to the API. They are never part of a word.
_SURROGATES_RE = re.compile("[\ud800-\udfff]")


def _load_userdict(jieba: rjieba.Jieba, path: Path) -> None:
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        # freq=None lets jieba pick the smallest frequency that keeps the word whole.
        jieba.add_word(parts[0], freq, tag)


@cache
def _segmenter() -> rjieba.Jieba:
    # A private instance rather than rjieba's module-level default: the user dictionary must not
    # leak into (or be changed by) other code in the process that uses rjieba.
    jieba = rjieba.Jieba()
    _load_userdict(jieba, USERDICT_PATH)
    return jieba


def normalize(text: str) -> str:
    """NFKC (full-width ＧＹ２０２１ and ，become GY2021 and ,), lower case, Chinese line breaks removed."""
    text = unicodedata.normalize("NFKC", _SURROGATES_RE.sub(" ", text)).lower()
    return _CJK_GAP_RE.sub("", text)


def _pieces(word: str) -> list[str]:
    return [p for p in _WORD_RE.findall(word) if len(p) <= MAX_TOKEN_CHARS]


def tokens(text: str) -> list[str]:
    """Index tokens of ``text`` in order, duplicates kept (term frequency matters for ranking).

    HMM is switched off on purpose: jieba's HMM guesses words that are not in the dictionary
    (e.g. 把政, 购法 in the 2021 report) and guesses differently depending on the surrounding text, so
    a query and a document containing the same characters could be segmented apart and never meet.
    Without HMM an unknown run falls back to single characters, which always match.

    One addition to plain search mode: the characters of a long word that none of its emitted parts
    cover are emitted as single characters too (依申请公开 gives 申请, 公开 and also 依). A query is
    reduced to its finest parts (see :func:`query_tokens`), so 依申请 asks for 依 and 申请, and the
    document must carry 依 for the two to meet.
    """
    if not text:
        return []
    return _tokens_of(normalize(text))


def title_and_body_tokens(title: str, body: str) -> tuple[list[str], list[str]]:
    """``tokens(title)`` and ``tokens(title + "\n" + body)``, exactly, segmenting the title once.

    The segmenter never joins characters across a line break, so when the break between title and
    body survives normalisation (it does unless both sides are Chinese characters, whose gap
    :func:`normalize` removes) the combined tokens are the title's followed by the body's.
    Otherwise the combined text is segmented whole, as :func:`tokens` would.
    """
    title_norm = normalize(title) if title else ""
    title_tokens = _tokens_of(title_norm) if title_norm else []
    combined = normalize(title + "\n" + body)
    head = title_norm + "\n"
    if combined.startswith(head):
        return title_tokens, title_tokens + _tokens_of(combined[len(head) :])
    return title_tokens, _tokens_of(combined)


def _tokens_of(norm: str) -> list[str]:
    """:func:`tokens` of text already normalised."""
    if not norm:
        return []
    spans = _segmenter().tokenize(norm, "search", False)
    out: list[str] = []
    append, extend = out.append, out.extend
    for i, (word, start, end) in enumerate(spans):
        if end - start > 2:
            # Search mode emits a word's parts immediately before the word, all starting inside it.
            covered: set[int] = set()
            j = i - 1
            while j >= 0 and spans[j][1] >= start:
                if spans[j][2] <= end:
                    covered.update(range(spans[j][1], spans[j][2]))
                j -= 1
            if covered and len(covered) < end - start:
                for k in range(start, end):
                    if k not in covered and norm[k].isalnum():
                        append(norm[k])
        # Most words are letters and digits only, and then their own single piece: ``str.isalnum``
        # is exactly ``[^\W_]`` character by character, so this equals _pieces(word).
        if word.isalnum():
            if len(word) <= MAX_TOKEN_CHARS:
                append(word)
        else:
            extend(_pieces(word))
    return out


def query_tokens(q: str) -> list[str]:
    """The tokens every hit must contain (AND), without duplicates, at most ``MAX_QUERY_TOKENS``.

    The query is segmented in search mode too, and then reduced to its finest cover: a word whose
    characters are all covered by smaller words also emitted is dropped. Search mode only emits the
    2- and 3-character parts of a long word, so a query 公共资源 (公共 + 资源 + 公共资源) must not
    require the token 公共资源: a document segmented as 公共资源交易中心 carries 公共 and 资源 but not
    公共资源. Requiring the parts instead loses nothing: whenever a document has the long word it has
    its parts too. Words with no covering parts (2-character words, unknown runs) are kept whole.
    """
    if not q:
        return []
    text = normalize(q[:MAX_QUERY_CHARS])
    spans: list[tuple[str, int, int]] = []
    for word, start, _end in _segmenter().tokenize(text, "search", False):
        # Split on punctuation keeping offsets so the coverage test below stays exact.
        for m in _WORD_RE.finditer(word):
            if len(m.group()) <= MAX_TOKEN_CHARS:
                spans.append((m.group(), start + m.start(), start + m.end()))
    kept: list[str] = []
    for word, start, end in spans:
        inner = [(s, e) for w, s, e in spans if start <= s and e <= end and (e - s) < (end - start)]
        if not _covers(inner, start, end):
            kept.append(word)
    return list(dict.fromkeys(kept))[:MAX_QUERY_TOKENS]


def _covers(intervals: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when the union of ``intervals`` covers ``[start, end)`` without a gap."""
    reach = start
    for s, e in sorted(intervals):
        if s > reach:
            return False
        reach = max(reach, e)
        if reach >= end:
            return True
    return reach >= end


def joined(text: str) -> str:
    """Space-joined :func:`tokens`, the form stored in the database and fed to FTS5/tsvector."""
    return " ".join(tokens(text))


def joined_title_and_body(title: str, body: str) -> tuple[str, str]:
    """``joined(title)`` and ``joined(title + "\n" + body)`` (see :func:`title_and_body_tokens`)."""
    title_tokens, all_tokens = title_and_body_tokens(title, body)
    return " ".join(title_tokens), " ".join(all_tokens)
