"""The tokenizer alone: no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggzy.search import tokenize
from ggzy.search.tokenize import query_tokens, tokens


def _userdict_words() -> list[str]:
    lines = tokenize.USERDICT_PATH.read_text(encoding="utf-8").splitlines()
    return [ln.split()[0] for ln in lines if ln.strip() and not ln.startswith("#")]


@pytest.mark.parametrize(
    ("query", "document"),
    [
        ("监理", "某某路工程监理服务招标公告"),
        ("采购", "某某学校2021年政府采购项目中标结果公告"),
        ("施工", "某某小区改造施工总承包中标候选人公示"),
        ("公示", "中标候选人公示"),
        ("公共资源", "固原市公共资源交易中心"),
        ("依申请", "本年没有依申请公开办理事项"),
        ("竞争性磋商", "关于某某设备采购项目竞争性磋商公告"),
    ],
)
def test_every_query_token_is_among_the_document_tokens(query: str, document: str) -> None:
    assert query_tokens(query)
    assert set(query_tokens(query)) <= set(tokens(document))


def test_search_mode_keeps_two_character_parts_and_the_whole_word() -> None:
    got = tokens("工程监理")
    assert {"工程", "监理", "工程监理"} <= set(got)


def test_userdict_terms_stay_whole() -> None:
    words = _userdict_words()
    assert len(words) >= 60
    for word in words:
        assert word in tokens(word), word
    assert "中标候选人公示" in tokens("关于某某学校政府采购项目中标候选人公示")
    assert "经评审的最低投标价法" in tokens("评标办法：经评审的最低投标价法")


def test_query_is_reduced_to_its_finest_parts() -> None:
    # A document segmented 公共资源交易中心 carries 公共 and 资源 but not 公共资源.
    assert query_tokens("公共资源") == ["公共", "资源"]
    # A word without covering parts stays whole.
    assert query_tokens("监理") == ["监理"]
    assert "依申请公开" in query_tokens("依申请公开")


@pytest.mark.parametrize("code", ["GY2021-001", "gy2021-001", "ＧＹ２０２１－００１", "GY2021 001"])
def test_project_codes_match_in_any_width_or_case(code: str) -> None:
    document = "项目编号：GY2021-001，标段一"
    assert set(query_tokens(code)) == {"gy2021", "001"}
    assert set(query_tokens(code)) <= set(tokens(document))


def test_latin_is_lowercased_and_punctuation_dropped() -> None:
    assert tokens("LED电子大屏，Hello-World！") == ["led", "电子", "大屏", "hello", "world"]
    assert tokens("，。！？…——「」") == []
    assert tokens("") == []
    assert query_tokens("   ") == []


def test_line_breaks_inside_chinese_words_are_ignored() -> None:
    assert "国务院" in tokens("国\n务院办公厅")
    assert tokens("hello\nworld") == ["hello", "world"]


@pytest.mark.parametrize(
    "garbage",
    [
        "AND OR NOT",
        '"',
        '""""',
        "*",
        "( ) ^ : -",
        'title:监理 NEAR("a" "b", 2)',
        "x" * 500,
        "监" * 500,
        "\x00\ufffd\udc9a",
    ],
)
def test_garbage_queries_yield_only_plain_word_tokens(garbage: str) -> None:
    got = query_tokens(garbage)
    assert len(got) <= tokenize.MAX_QUERY_TOKENS
    for token in got:
        assert token.isalnum()
        assert len(token) <= tokenize.MAX_TOKEN_CHARS


def test_every_word_of_a_real_report_finds_the_report() -> None:
    """Property over the 2021 disclosure report: a query made of any word jieba cut from the text
    must find the text. Guards the finest-cover reduction against the tokenizer's corner cases."""
    report = Path(__file__).resolve().parents[4] / "shared" / "reference" / "000_148f8ad251fe432e.txt"
    text = report.read_text(encoding="utf-8") if report.exists() else _SAMPLE
    indexed = set(tokens(text))
    words = {w for w in tokenize._segmenter().cut(tokenize.normalize(text), False) if len(w.strip()) > 1}
    missing = sorted(w for w in words if not set(query_tokens(w)) <= indexed)
    assert missing == []


_SAMPLE = """固原市公共资源交易中心2021年政府信息公开工作年度报告。
全年通过固原市公共资源交易网站共发布各类信息4367条，其中招标公告2505条(含变更公告1263条)，中标公示1687条，依申请公开办理事项0件，
利用LED电子大屏、不见面开标系统开展远程开标，评标专家抽取实行自助抽取。"""


_SAMPLE_CHARS = list("公共资源交易中心工程监理招标公告依申请公开国务院")
_SAMPLE_CHARS += list("ＧＹ２０２１-_ abcXYZ\n\t　，。（）豈①½Ⅻ٣\u0301")


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("某某路工程监理服务招标公告", "一、项目概况：工程监理"),  # Chinese on both sides: segmented whole
        ("某某路工程监理服务招标公告", "GY2021-001 工程监理"),
        ("GY2021-001", "工程监理"),
        ("依申请公开 ＧＹ２０２１", "国\n务院 公共资源交易中心"),
        ("招标公告 ", " 工程"),
        ("", "工程监理"),
        ("招标", ""),
        ("", ""),
        ("\udf9e招标", "_公告"),
    ],
)
def test_title_and_body_tokens_equal_two_separate_calls(title: str, body: str) -> None:
    assert tokenize.title_and_body_tokens(title, body) == (tokens(title), tokens(title + "\n" + body))


def test_title_and_body_tokens_equal_two_separate_calls_on_random_text() -> None:
    import random

    rng = random.Random(2021)
    for _ in range(3000):
        title = "".join(rng.choice(_SAMPLE_CHARS) for _ in range(rng.randint(0, 12)))
        body = "".join(rng.choice(_SAMPLE_CHARS) for _ in range(rng.randint(0, 30)))
        expected = (tokens(title), tokens(title + "\n" + body))
        assert tokenize.title_and_body_tokens(title, body) == expected, (title, body)
        assert tokenize.joined_title_and_body(title, body) == tuple(" ".join(t) for t in expected)
