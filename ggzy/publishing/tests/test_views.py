"""The staff back office through HTTP: drafting, the review chain, actions, refusals."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse

from ggzy.accounts import services as account_services
from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.core.codes import make_credit_code
from ggzy.publishing import services
from ggzy.publishing.choices import NoticeKind, ReleaseStatus, TradeDomain
from ggzy.publishing.models import Article, Attachment, Category, Notice, ReviewRecord

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
PASSWORD = "correct-horse-battery"
_codes = itertools.count(1)


def _org(name: str, kind: str = OrganisationKind.CENTER) -> Organisation:
    return account_services.organisation_create(
        actor=None, kind=kind, name=name, credit_code=make_credit_code(f"12640400{next(_codes):09d}")
    )


def _user(username: str, org: Organisation | None, *roles: str) -> User:
    return account_services.user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        organisation=org,
        display_name=username,
        roles=list(roles),
    )


@pytest.fixture
def center() -> Organisation:
    return _org("示范市公共资源交易中心")


@pytest.fixture
def staff(center: Organisation) -> dict[str, User]:
    return {
        "editor": _user("editor", center, Role.EDITOR),
        "first": _user("first", center, Role.FIRST_REVIEWER),
        "reviewer": _user("reviewer", center, Role.REVIEWER),
        "second": _user("second", center, Role.SECOND_REVIEWER),
        "signer": _user("signer", center, Role.SIGNER),
    }


@pytest.fixture
def news() -> Category:
    return Category.objects.get(code="news")


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _item_url(item: Article | Notice, action: str = "") -> str:
    ctype = "article" if isinstance(item, Article) else "notice"
    name = f"publishing:item_{action}" if action else "publishing:item"
    return reverse(name, args=[ctype, item.pk])


def _draft_article(
    editor: User, category: Category, title: str = "关于开展2021年政府信息公开工作的通知"
) -> Article:
    return services.article_create(actor=editor, category=category, title=title, body_html="<p>正文</p>")


def _submitted(editor: User, category: Category) -> Article:
    article = _draft_article(editor, category)
    return services.release_submit(actor=editor, item=article)


def _published(staff: dict[str, User], category: Category) -> Article:
    article = _submitted(staff["editor"], category)
    for who in ("first", "reviewer", "second", "signer"):
        article = services.release_approve(actor=staff[who], item=article)
    assert article.status == ReleaseStatus.PUBLISHED
    return article


def _text(response: HttpResponseBase) -> str:
    return response.content.decode()


def _has_label(html: str, field_id: str, text: str) -> bool:
    """A <label for=…> with exactly this text (what Playwright's get_by_label finds)."""
    return re.search(rf'<label for="{field_id}"[^>]*>{re.escape(text)}</label>', html) is not None


# --- access -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get(reverse("publishing:workbench"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=/manage/" in response["Location"]


def test_user_without_organisation_is_refused() -> None:
    response = _as(_user("citizen", None)).get(reverse("publishing:workbench"))
    assert response.status_code == 403
    assert "所属机构" in _text(response)


def test_workbench_has_back_office_nav(staff: dict[str, User]) -> None:
    response = _as(staff["editor"]).get(reverse("publishing:workbench"))
    assert response.status_code == 200
    html = _text(response)
    for label in ("工作台", "起草政务信息", "起草交易公告", "待我审核", "我的稿件", "退出"):
        assert label in html
    assert f'action="{reverse("accounts:logout")}"' in html
    assert 'style="' not in html
    assert "<script" not in html


def test_non_editor_cannot_open_the_draft_form(staff: dict[str, User]) -> None:
    response = _as(staff["first"]).get(reverse("publishing:article_create"))
    assert response.status_code == 403


# --- the whole flow -----------------------------------------------------------------------------


def test_article_from_draft_to_published_through_four_reviewers(
    staff: dict[str, User], news: Category
) -> None:
    # Given an editor on the draft form
    editor = _as(staff["editor"])
    form = editor.get(reverse("publishing:article_create"))
    assert form.status_code == 200
    assert _has_label(_text(form), "id_title", "标题")
    assert _has_label(_text(form), "id_attachments", "附件")
    assert 'name="attachments" multiple' in _text(form)

    # When the editor saves a draft with a PDF attachment and a script in the body
    response = editor.post(
        reverse("publishing:article_create"),
        {
            "category": news.pk,
            "title": "示范市公共资源交易中心2021年工作要点",
            "summary": "工作要点",
            "source": "综合办公室",
            "doc_number": "示交易〔2021〕1号",
            "body_html": (
                '<p>正文<script>alert("x")</script><a href="javascript:alert(1)" onclick="x()">链接</a></p>'
            ),
            "publish_at": "",
            "attachments": [SimpleUploadedFile("工作要点.pdf", PDF, content_type="application/pdf")],
        },
    )

    # Then the draft exists, cleaned, with its attachment, and the author lands on its page
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _item_url(article)
    assert article.status == ReleaseStatus.DRAFT
    assert "<script" not in article.body_html
    assert "onclick" not in article.body_html
    assert "javascript:" not in article.body_html
    assert article.doc_number == "示交易〔2021〕1号"
    attachment = Attachment.objects.get(article=article)
    assert attachment.name == "工作要点.pdf"
    assert attachment.file.size == len(PDF)
    page = editor.get(_item_url(article))
    assert "提交审核" in _text(page)
    assert attachment.file.sha256 in _text(page)
    download = editor.get(reverse("publishing:attachment", args=["article", article.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF

    # When the author submits
    response = editor.post(_item_url(article, "submit"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == ReleaseStatus.IN_REVIEW

    # Then each reviewer in turn finds it in the queue and approves it
    for who, step_name in (("first", "初审"), ("reviewer", "审核"), ("second", "复审"), ("signer", "签发")):
        client = _as(staff[who])
        bench = _text(client.get(reverse("publishing:workbench")))
        assert article.title in bench
        assert step_name in bench
        page = _text(client.get(_item_url(article)))
        assert 'id="btn-approve"' in page
        assert ">通过<" in page
        assert ">退回<" in page
        response = client.post(_item_url(article, "approve"), {"approve-text": f"{step_name}同意"})
        assert response.status_code == 302, _text(response)

    # And it is published, with the chain shown as done and a link to the public page
    article.refresh_from_db()
    assert article.status == ReleaseStatus.PUBLISHED
    assert article.published_at is not None
    approvals = ReviewRecord.objects.filter(object_id=article.pk, decision="approve")
    assert [r.actor.username for r in approvals] == ["first", "reviewer", "second", "signer"]
    page = _text(editor.get(_item_url(article)))
    assert page.count('data-state="done"') == 4
    assert "签发同意" in page
    assert f'href="{article.get_absolute_url()}"' in page


def test_return_with_comment_is_shown_to_the_author(staff: dict[str, User], news: Category) -> None:
    article = _submitted(staff["editor"], news)

    response = _as(staff["first"]).post(_item_url(article, "return"), {"return-text": "请补充文号和来源"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == ReleaseStatus.RETURNED
    editor = _as(staff["editor"])
    bench = _text(editor.get(reverse("publishing:workbench")))
    assert "已退回" in bench
    assert "请补充文号和来源" in bench
    page = _text(editor.get(_item_url(article)))
    assert 'data-state="returned"' in page
    assert "请补充文号和来源" in page
    assert "提交审核" in page


def test_missing_return_comment_is_refused(staff: dict[str, User], news: Category) -> None:
    article = _submitted(staff["editor"], news)

    response = _as(staff["first"]).post(_item_url(article, "return"), {"return-text": "  "})

    assert response.status_code == 400
    assert "退回时必须填写退回意见" in _text(response)
    article.refresh_from_db()
    assert article.status == ReleaseStatus.IN_REVIEW
    assert not ReviewRecord.objects.filter(decision="return").exists()


@pytest.mark.parametrize("who", ["reviewer", "signer", "editor"])
def test_wrong_role_gets_403_and_nothing_changes(staff: dict[str, User], news: Category, who: str) -> None:
    article = _submitted(staff["editor"], news)
    client = _as(staff[who])

    page = _text(client.get(_item_url(article)))
    response = client.post(_item_url(article, "approve"), {"approve-text": "同意"})

    assert 'id="btn-approve"' not in page
    assert response.status_code == 403
    assert "审核" in _text(response)
    article.refresh_from_db()
    assert article.status == ReleaseStatus.IN_REVIEW
    assert article.review_position == 1
    assert not ReviewRecord.objects.filter(decision="approve").exists()


def test_one_person_cannot_sign_two_steps(
    center: Organisation, staff: dict[str, User], news: Category
) -> None:
    both = _user("both", center, Role.FIRST_REVIEWER, Role.REVIEWER)
    article = _submitted(staff["editor"], news)
    client = _as(both)
    assert client.post(_item_url(article, "approve")).status_code == 302

    assert 'id="btn-approve"' not in _text(client.get(_item_url(article)))
    response = client.post(_item_url(article, "approve"))

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.review_position == 2


def test_submitting_a_published_item_is_a_conflict(staff: dict[str, User], news: Category) -> None:
    article = _published(staff, news)

    response = _as(staff["editor"]).post(_item_url(article, "submit"))

    assert response.status_code == 409
    assert "已发布" in _text(response)


def test_editing_a_published_item_is_a_conflict(staff: dict[str, User], news: Category) -> None:
    article = _published(staff, news)

    response = _as(staff["editor"]).get(reverse("publishing:article_edit", args=[article.pk]))

    assert response.status_code == 409


# --- bad input ----------------------------------------------------------------------------------


def test_exe_renamed_pdf_is_refused_and_nothing_is_written(staff: dict[str, User], news: Category) -> None:
    response = _as(staff["editor"]).post(
        reverse("publishing:article_create"),
        {
            "category": news.pk,
            "title": "带附件的通知",
            "body_html": "<p>正文</p>",
            "attachments": [SimpleUploadedFile("招标文件.pdf", EXE, content_type="application/pdf")],
        },
    )

    assert response.status_code == 400
    html = _text(response)
    assert "内容与扩展名 .pdf 不符" in html
    assert "内容与类型不符" in html  # next to the attachments field
    assert 'value="带附件的通知"' in html  # what was typed is kept
    assert not Article.objects.exists()
    assert not Attachment.objects.exists()


def test_article_without_title_or_category_shows_field_errors(staff: dict[str, User]) -> None:
    response = _as(staff["editor"]).post(reverse("publishing:article_create"), {"title": "", "category": ""})

    assert response.status_code == 400
    html = _text(response)
    assert "请填写标题" in html
    assert "请选择有效的栏目" in html
    assert not Article.objects.exists()


def test_scheduled_time_is_read_as_beijing_time(staff: dict[str, User], news: Category) -> None:
    response = _as(staff["editor"]).post(
        reverse("publishing:article_create"),
        {"category": news.pk, "title": "定时发布", "body_html": "", "publish_at": "2031-07-01T09:30"},
    )

    assert response.status_code == 302
    assert Article.objects.get().publish_at == dt.datetime(2031, 7, 1, 1, 30, tzinfo=dt.UTC)


def test_editing_a_returned_article_saves_and_keeps_the_form_values(
    staff: dict[str, User], news: Category
) -> None:
    article = _submitted(staff["editor"], news)
    services.release_return(actor=staff["first"], item=article, comment="标题不规范")
    editor = _as(staff["editor"])
    url = reverse("publishing:article_edit", args=[article.pk])

    form = _text(editor.get(url))
    response = editor.post(url, {"category": news.pk, "title": "规范后的标题", "body_html": "<p>新正文</p>"})

    assert f'value="{article.title}"' in form
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "规范后的标题"
    assert article.status == ReleaseStatus.RETURNED


# --- notices ------------------------------------------------------------------------------------


def _notice_data(**overrides: str) -> dict[str, str]:
    data = {
        "kind": NoticeKind.TENDER,
        "domain": TradeDomain.CONSTRUCTION,
        "title": "示范市第一中学教学楼建设项目招标公告",
        "project_code": "E6404000001",
        "project_name": "示范市第一中学教学楼建设项目",
        "section_code": "E6404000001001",
        "section_name": "施工",
        "tenderer_name": "示范市第一中学",
        "agency_name": "示范招标代理有限公司",
        "budget": "12,345,678.90",
        "price_cap": "12000000",
        "bid_deadline": "2031-07-01T09:30",
        "opening_at": "2031-07-01T09:30",
        "body_html": "<p>招标公告正文</p>",
    }
    data.update(overrides)
    return data


def test_notice_draft_is_saved_with_money_and_beijing_times(staff: dict[str, User]) -> None:
    editor = _as(staff["editor"])
    form = _text(editor.get(reverse("publishing:notice_create")))
    assert _has_label(form, "id_bid_deadline", "投标截止时间")
    assert 'type="datetime-local"' in form

    response = editor.post(
        reverse("publishing:notice_create"),
        {**_notice_data(), "attachments": [SimpleUploadedFile("招标文件.pdf", PDF)]},
    )

    assert response.status_code == 302, _text(response)
    notice = Notice.objects.get()
    assert notice.budget == Decimal("12345678.90")
    assert notice.price_cap == Decimal("12000000")
    assert notice.bid_deadline == dt.datetime(2031, 7, 1, 1, 30, tzinfo=dt.UTC)
    assert notice.attachments.count() == 1
    page = _text(editor.get(_item_url(notice)))
    assert "2031-07-01 09:30" in page
    assert "12345678.90 元" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"budget": "十万元"}, "budget", "金额应为不小于0的数字"),
        ({"price_cap": "-1"}, "price_cap", "金额应为不小于0的数字"),
        ({"award_amount": "1.234"}, "award_amount", "金额应为不小于0的数字"),
        ({"bid_deadline": "2031-13-45T99:00"}, "bid_deadline", "请输入正确的日期时间"),
        ({"bid_deadline": ""}, "bid_deadline", "招标公告必须填写投标截止时间"),
        ({"opening_at": "2031-07-01T09:00"}, "opening_at", "开标时间不能早于投标截止时间"),
        (
            {"kind": "candidate", "publicity_start": "2031-07-05"},
            "publicity_end",
            "中标候选人公示必须填写公示起止日期",
        ),
        ({"kind": "change"}, "changes", "变更公告必须指明所变更的原公告"),
        ({"changes": "999999"}, "changes", "编号为 999999 的公告不存在或尚未发布"),
    ],
)
def test_bad_notice_input_gets_400_with_field_errors(
    staff: dict[str, User], overrides: dict[str, str], field: str, message: str
) -> None:
    response = _as(staff["editor"]).post(reverse("publishing:notice_create"), _notice_data(**overrides))

    assert response.status_code == 400
    html = _text(response)
    assert message in html
    assert f'id="id_{field}_error"' in html  # the message sits next to its field
    assert not Notice.objects.exists()


def test_change_notice_points_at_a_published_notice(staff: dict[str, User]) -> None:
    tender = services.notice_create(
        actor=staff["editor"],
        title="原招标公告",
        kind=NoticeKind.TENDER,
        domain=TradeDomain.PROCUREMENT,
        bid_deadline=dt.datetime(2031, 7, 1, 1, 30, tzinfo=dt.UTC),
    )
    editor = _as(staff["editor"])
    data = _notice_data(kind=NoticeKind.CHANGE, title="变更公告", changes=str(tender.pk))

    refused = editor.post(reverse("publishing:notice_create"), data)  # the original is only a draft
    services.release_submit(actor=staff["editor"], item=tender)
    for who in ("first", "reviewer", "second", "signer"):
        tender = services.release_approve(actor=staff[who], item=tender)
    form = _text(editor.get(reverse("publishing:notice_create")))
    accepted = editor.post(reverse("publishing:notice_create"), data)

    assert refused.status_code == 400
    assert f'<option value="{tender.pk}"' in form  # offered in the picker
    assert accepted.status_code == 302
    assert Notice.objects.get(title="变更公告").changes == tender


# --- visibility ---------------------------------------------------------------------------------


def test_other_organisations_do_not_see_drafts(staff: dict[str, User], news: Category) -> None:
    article = _draft_article(staff["editor"], news)
    other_center = _org("另一交易中心")
    outsider = _user("outsider", other_center, Role.EDITOR)
    agency = _user("agent", _org("示范招标代理有限公司", OrganisationKind.AGENCY), Role.AGENCY_PUBLISHER)

    for user in (outsider, agency):
        client = _as(user)
        assert client.get(_item_url(article)).status_code == 404
        assert client.get(reverse("publishing:article_edit", args=[article.pk])).status_code == 404
        assert client.post(_item_url(article, "submit")).status_code == 404
    article.refresh_from_db()
    assert article.status == ReleaseStatus.DRAFT


def test_a_reviewer_of_another_organisation_sees_items_in_their_queue(
    staff: dict[str, User], news: Category
) -> None:
    article = _draft_article(staff["editor"], news)
    remote = _user("remote", _org("分中心"), Role.FIRST_REVIEWER)
    client = _as(remote)

    before = client.get(_item_url(article)).status_code
    services.release_submit(actor=staff["editor"], item=article)
    during = client.get(_item_url(article))
    approved = client.post(_item_url(article, "approve"))
    after = client.get(_item_url(article)).status_code  # they reviewed it, they may still look

    assert before == 404
    assert during.status_code == 200
    assert 'id="btn-approve"' in _text(during)
    assert approved.status_code == 302
    assert after == 200


def test_unknown_content_type_is_404(staff: dict[str, User]) -> None:
    assert _as(staff["editor"]).get("/manage/report/1/").status_code == 404


# --- after publication --------------------------------------------------------------------------


def test_signer_withdraws_with_a_public_reason(staff: dict[str, User], news: Category) -> None:
    article = _published(staff, news)
    signer = _as(staff["signer"])
    assert 'id="btn-withdraw"' in _text(signer.get(_item_url(article)))

    empty = signer.post(_item_url(article, "withdraw"), {"withdraw-text": ""})
    done = signer.post(_item_url(article, "withdraw"), {"withdraw-text": "信息有误，重新发布"})

    assert empty.status_code == 400
    assert "撤回必须说明原因" in _text(empty)
    assert done.status_code == 302
    article.refresh_from_db()
    assert article.status == ReleaseStatus.WITHDRAWN
    assert article.withdrawal_reason == "信息有误，重新发布"


def test_editor_cannot_withdraw(staff: dict[str, User], news: Category) -> None:
    article = _published(staff, news)

    response = _as(staff["editor"]).post(_item_url(article, "withdraw"), {"withdraw-text": "不想要了"})

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == ReleaseStatus.PUBLISHED


def test_correction_creates_a_new_version_and_opens_it_for_editing(
    staff: dict[str, User], news: Category
) -> None:
    article = _published(staff, news)
    editor = _as(staff["editor"])

    empty = editor.post(_item_url(article, "correct"), {"correct-text": ""})
    response = editor.post(_item_url(article, "correct"), {"correct-text": "更正发布日期"})

    assert empty.status_code == 400
    assert "请填写更正说明" in _text(empty)
    new = Article.objects.get(previous=article)
    assert new.version == 2
    assert new.status == ReleaseStatus.DRAFT
    assert response.status_code == 302
    assert response["Location"] == reverse("publishing:article_edit", args=[new.pk])
    assert "更正发布日期" in _text(editor.get(response["Location"]))
    again = editor.post(_item_url(article, "correct"), {"correct-text": "再次更正"})
    assert again.status_code == 409


def test_discard_and_attachment_remove_buttons(client, staff) -> None:  # type: ignore[no-untyped-def]
    import io

    from ggzy.publishing import services as svc
    from ggzy.publishing.models import Article, Attachment, Category

    article = svc.article_create(
        actor=staff["editor"],
        category=Category.objects.get(code="news"),
        title="待删除的草稿",
        uploads=[("a.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))],
    )
    attachment = Attachment.objects.get(article=article)
    client.force_login(staff["editor"])
    page = client.get(f"/manage/article/{article.pk}/").content.decode()
    assert "删除草稿" in page and f"btn-remove-attachment-{attachment.pk}" in page
    response = client.post(f"/manage/article/{article.pk}/attachments/{attachment.pk}/remove/")
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    client.force_login(staff["signer"])
    assert client.post(f"/manage/article/{article.pk}/discard/").status_code in (403, 404)
    client.force_login(staff["editor"])
    assert client.post(f"/manage/article/{article.pk}/discard/")["Location"] == "/manage/"
    assert not Article.objects.filter(pk=article.pk).exists()


def test_nav_shows_only_what_the_role_can_use(client, make_user, make_org) -> None:  # type: ignore[no-untyped-def]
    bidder = make_user("bidder", org=make_org("bidder"))
    client.force_login(bidder)
    page = client.get("/manage/").content.decode()
    assert "nav-article-new" not in page and "nav-queue" not in page
    assert "没有信息发布或审核职责" in page
    editor = make_user("editor")
    client.force_login(editor)
    page = client.get("/manage/").content.decode()
    assert "nav-article-new" in page and "没有信息发布或审核职责" not in page
