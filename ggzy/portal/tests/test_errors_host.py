"""A request with a host name the site does not serve gets a 400 page, not a 500."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_disallowed_host_is_a_400_page() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
