"""``GET /`` is a small Chinese page pointing each kind of visitor to their
door, not Django's 404 listing every URL pattern."""

from django.test import Client


def test_the_landing_page_points_to_each_door(db):
    page = Client().get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "市健康医疗信息共享平台" in html
    for href in ('href="/me/"', 'href="/api/docs/"', 'href="/admin/"'):
        assert href in html
    assert "urlpatterns" not in html.lower()


def test_an_api_only_node_does_not_point_to_the_back_office(db, settings):
    settings.ADMIN_ENABLED = False
    assert 'href="/admin/"' not in Client().get("/").content.decode()


def test_an_unknown_path_is_the_hubs_own_404(db):
    answer = Client().get("/no-such-page")
    assert answer.status_code == 404 and answer.json()["errorCode"] == "NOT_FOUND"
