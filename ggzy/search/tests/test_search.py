"""Services and selectors on the real database (SQLite in memory, or PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection, transaction

from ggzy.core.clock import SHANGHAI
from ggzy.search.bench import bench_search, bench_tokenize
from ggzy.search.highlight import highlight, match_pattern
from ggzy.search.models import BODY_MAX_CHARS, SearchDocument
from ggzy.search.selectors import search_document_count, search_query
from ggzy.search.services import (
    search_index_bulk,
    search_index_document,
    search_rebuild_index,
    search_reindex_all,
    search_remove_document,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2021, 6, 1, 2, 0, tzinfo=dt.UTC)


def _index(object_id: int, title: str, body: str = "", **kw: object) -> SearchDocument:
    fields: dict = {
        "kind": "notice",
        "url": f"/jyxx/{object_id}/",
        "published_at": T0,
        **kw,
    }
    return search_index_document(object_id=object_id, title=title, body_html_or_text=body, **fields)


def _ids(q: str, **kw: object) -> list[int]:
    return [h.object_id for h in search_query(q=q, **kw).hits]


def test_fulltext_objects_exist() -> None:
    """Migration 0002's objects; a later migration that remakes the table must recreate them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type IN ('table', 'trigger') AND name LIKE 'search_fts%'"
            )
            names = {r[0] for r in cursor.fetchall()}
            assert {"search_fts", "search_fts_ai", "search_fts_ad", "search_fts_au"} <= names
        else:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'search_searchdocument' AND column_name = 'search_vector'"
            )
            assert cursor.fetchone() is not None
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'search_document_vector_gin'")
            assert cursor.fetchone() is not None


def test_two_character_queries_find_longer_words() -> None:
    _index(1, "某某路工程监理服务招标公告", "<p>本项目为工程监理。</p>")
    _index(2, "某某学校政府采购项目中标结果公告", "<p>采购人：某某学校</p>")
    assert _ids("监理") == [1]
    assert _ids("采购") == [2]
    assert _ids("公告") == [1, 2] or set(_ids("公告")) == {1, 2}
    assert _ids("监理 采购") == []  # every word must match


def test_project_code_is_findable() -> None:
    _index(1, "某某道路施工招标公告", "项目编号：GY2021-001，标段一")
    _index(2, "另一个施工招标公告", "项目编号：GY2021-002")
    assert _ids("GY2021-001") == [1]
    assert _ids("gy2021-001") == [1]
    assert set(_ids("GY2021")) == {1, 2}


def test_update_replaces_content_and_keeps_one_row() -> None:
    doc = _index(7, "监理招标公告", "旧正文：绿化")
    again = _index(7, "施工招标公告", "新正文：道路")
    assert again.pk == doc.pk
    assert SearchDocument.objects.count() == 1
    assert _ids("监理") == []
    assert _ids("绿化") == []
    assert _ids("施工") == [7]
    assert _ids("道路") == [7]


def test_remove() -> None:
    _index(1, "监理招标公告")
    _index(2, "监理变更公告")
    search_remove_document(kind="notice", object_id=1)
    search_remove_document(kind="notice", object_id=999)  # missing: no error
    assert _ids("监理") == [2]


def test_index_write_rolls_back_with_the_callers_transaction() -> None:
    class Boom(Exception):
        pass

    def publish_then_fail() -> None:
        with transaction.atomic():
            _index(1, "监理招标公告")
            raise Boom

    with pytest.raises(Boom):
        publish_then_fail()
    assert _ids("监理") == []
    assert search_document_count() == 0


def test_same_object_id_in_two_kinds_are_two_documents() -> None:
    _index(1, "监理招标公告", kind="notice")
    _index(1, "监理工作动态", kind="article", category="xwdt")
    assert search_query(q="监理").total == 2
    assert [h.kind for h in search_query(q="监理", kind="article").hits] == ["article"]


def test_filters_by_kind_domain_category() -> None:
    _index(1, "监理招标公告", domain="gcjs", category="tender")
    _index(2, "监理服务采购公告", domain="zfcg", category="tender")
    _index(3, "监理中标结果公告", domain="gcjs", category="award")
    _index(4, "监理工作动态", kind="article", category="xwdt")
    assert set(_ids("监理", domain="gcjs")) == {1, 3}
    assert _ids("监理", domain="gcjs", category="award") == [3]
    assert _ids("监理", kind="article") == [4]
    # Empty strings (straight from GET parameters) mean "any".
    assert search_query(q="监理", kind="", domain="", category="").total == 4


def test_date_filters_are_inclusive_shanghai_days() -> None:
    # 2021-06-01 23:30 in Shanghai is still 15:30 UTC on 06-01; 00:30 on 06-02 is 16:30 UTC 06-01.
    late = dt.datetime(2021, 6, 1, 23, 30, tzinfo=SHANGHAI)
    early_next = dt.datetime(2021, 6, 2, 0, 30, tzinfo=SHANGHAI)
    _index(1, "监理公告甲", published_at=late)
    _index(2, "监理公告乙", published_at=early_next)
    day1, day2 = dt.date(2021, 6, 1), dt.date(2021, 6, 2)
    assert _ids("监理", date_from=day1, date_to=day1) == [1]
    assert _ids("监理", date_from=day2, date_to=day2) == [2]
    assert _ids("监理", date_from=day2) == [2]
    assert _ids("监理", date_to=day1) == [1]
    assert _ids("监理", date_from=day2, date_to=day1) == []


def test_title_match_ranks_above_body_match() -> None:
    # The body-only document is newer, so only ranking can put the title match first.
    _index(1, "某某道路养护项目公告", "本项目包含监理服务。", published_at=T0 + dt.timedelta(days=3))
    _index(2, "某某道路监理服务公告", "本项目包含养护。", published_at=T0)
    hits = search_query(q="监理").hits
    assert [h.object_id for h in hits] == [2, 1]
    assert hits[0].score > hits[1].score


def test_equal_rank_is_newest_first_and_pages_are_stable() -> None:
    for i in range(25):
        _index(i, "监理招标公告", "同样的正文", published_at=T0 + dt.timedelta(hours=i))
    first = search_query(q="监理", limit=10)
    second = search_query(q="监理", offset=10, limit=10)
    third = search_query(q="监理", offset=20, limit=10)
    assert first.total == second.total == 25
    ids = [h.object_id for h in first.hits + second.hits + third.hits]
    assert ids == list(range(24, -1, -1))
    assert search_query(q="监理", offset=100).hits == []
    assert search_query(q="监理", offset=-5, limit=0).total == 25  # clamped, no error


def test_html_is_reduced_to_text_and_scripts_are_not_indexed() -> None:
    html = '<div><p>第一段&amp;说明</p><script>var secret="绿化";</script><p>第二段</p></div>'
    doc = _index(1, "监理公告", html)
    assert doc.body_text == "第一段&说明\n第二段"
    assert _ids("绿化") == []
    assert _ids("说明") == [1]


def test_long_bodies_are_truncated() -> None:
    doc = _index(1, "监理公告", "<p>" + "道路" * BODY_MAX_CHARS + "</p>")
    assert len(doc.body_text) == BODY_MAX_CHARS


def test_highlighting_escapes_content_before_marking() -> None:
    _index(
        1,
        '<b>监理</b>招标 "公告" & more',
        "<p>&lt;script&gt;alert('监理')&lt;/script&gt; 本工程监理服务</p>",
    )
    hit = search_query(q="监理").hits[0]
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;alert(&#x27;<mark>监理</mark>&#x27;)&lt;/script&gt;" in hit.snippet_html
    assert hit.title == '监理招标 "公告" & more'
    assert hit.title_html == "<mark>监理</mark>招标 &quot;公告&quot; &amp; more"


def test_highlight_does_not_break_entities_and_merges_neighbours() -> None:
    assert highlight("a<b & lt", match_pattern(["lt"])) == "a&lt;b &amp; <mark>lt</mark>"
    assert highlight("工程监理", match_pattern(["工程", "监理"])) == "<mark>工程监理</mark>"
    assert highlight("<i>", None) == "&lt;i&gt;"


def test_snippet_is_a_window_around_the_first_match() -> None:
    body = "前言" * 200 + "这里提到监理单位" + "后记" * 200
    _index(1, "某某公告", body)
    snippet = search_query(q="监理").hits[0].snippet_html
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<mark>监理</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 122


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "，。！？",
        '"',
        '"监理',
        "监理\"' OR 1=1 --",
        "AND OR NOT",
        "* ( ) ^ : + -",
        'title_tokens:监理 NEAR("监理" "公告", 2)',
        "监理*",
        "x" * 500,
        "监理" * 250,
        "\x00\ufffd\u200b",
        "<script>alert(1)</script>",
        "%s %(x)s {} \\",
    ],
)
def test_garbage_queries_never_raise(garbage: str) -> None:
    _index(1, "监理招标公告", "and or not near 公告")
    result = search_query(q=garbage)
    assert result.total >= 0


def test_operators_are_literal_words() -> None:
    _index(1, "监理招标公告", "and or not near")
    _index(2, "监理招标公告", "其他")
    assert _ids("NOT") == [1]
    assert _ids("监理 OR 施工") == []  # OR is just a word nobody wrote next to 施工
    assert _ids("监理*") == [2, 1] or set(_ids("监理*")) == {1, 2}


def test_random_unicode_queries_never_raise() -> None:
    _index(1, "监理招标公告", "正文")
    rng = random.Random(20211231)
    for _ in range(150):
        ranges = [(0x20, 0x7E), (0x80, 0x2FFF), (0x3000, 0xFFFD)]
        q = "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(1, 40)))
        search_query(q=q)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        _index(1, "监理公告", published_at=dt.datetime(2021, 6, 1, 10, 0))  # noqa: DTZ001


def test_bulk_index_upserts_and_is_findable() -> None:
    docs = [
        {
            "kind": "notice",
            "object_id": i,
            "title": f"第{i}号{'监理' if i % 3 == 0 else '施工'}招标公告",
            "body_html_or_text": f"<p>项目编号：GY2021-{i:03d}</p>",
            "url": f"/jyxx/{i}/",
            "domain": "gcjs" if i % 2 else "zfcg",
            "published_at": T0 + dt.timedelta(minutes=i),
        }
        for i in range(1, 1201)
    ]
    assert search_index_bulk(docs, batch_size=250) == 1200
    assert search_document_count() == 1200
    assert search_query(q="监理").total == 400
    assert _ids("GY2021-007") == [7]
    # Re-running is an upsert, and later content wins.
    docs[6] = {**docs[6], "title": "第7号绿化招标公告"}
    assert search_index_bulk([docs[6], docs[6]]) == 1
    assert search_document_count() == 1200
    assert _ids("绿化") == [7]
    assert search_query(q="施工").total == 799


def test_rebuild_and_reindex_keep_results() -> None:
    _index(1, "监理招标公告", "正文")
    _index(2, "施工招标公告", "正文")
    search_rebuild_index()
    assert _ids("监理") == [1]
    # Simulate tokens written by an older tokenizer: re-indexing recomputes them.
    SearchDocument.objects.filter(object_id=2).update(title_tokens="", tokens="")
    assert _ids("施工") == []
    assert search_reindex_all() == 2
    assert _ids("施工") == [2]


def test_bench_search_reports_timings() -> None:
    _index(1, "监理招标公告", "正文")
    result = bench_search(["监理", "采购"], repeat=3)
    assert result["runs"] == 6
    assert result["hits"] == {"监理": 1, "采购": 0}
    assert result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    assert bench_tokenize("固原市公共资源交易中心" * 10, repeat=2)["chars"] == 220


def test_unstorable_characters_in_content_are_dropped() -> None:
    doc = _index(1, "监理\x00公告\udc9a", "正文\x00含有\ud800控制字符\x0b监理")
    assert "\x00" not in doc.body_text + doc.title
    assert _ids("监理") == [1]
