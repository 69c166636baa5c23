"""System administrators maintain columns and review chains in admin; releases stay read-only there."""

import pytest
from django.test import Client

from ggzy.accounts.services import user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(center) -> Client:  # type: ignore[no-untyped-def]
    admin = user_create(
        actor=None, username="root", password="x" * 12, organisation=center, is_superuser=True
    )
    client = Client()
    client.force_login(admin)
    return client


def test_admin_pages_render(admin_client: Client) -> None:
    from ggzy.publishing.models import ReviewChain

    chain = ReviewChain.objects.get(content_type="article")
    for path in [
        "/admin/publishing/category/",
        f"/admin/publishing/reviewchain/{chain.pk}/change/",
        "/admin/publishing/article/",
        "/admin/accounts/organisation/",
        "/admin/accounts/user/",
        "/admin/audit/event/",
        "/admin/workcalendar/dayoverride/",
    ]:
        assert admin_client.get(path).status_code == 200, path


def test_releases_cannot_be_added_in_admin(admin_client: Client) -> None:
    assert admin_client.get("/admin/publishing/article/add/").status_code == 403
    assert admin_client.get("/admin/accounts/organisation/add/").status_code == 403
