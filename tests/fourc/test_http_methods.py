"""HTTP hygiene: every view answers only the methods it means (README, "Views"); HEAD
/healthz is a GET without a body; an expected 403 is one line in the log."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import include, path

from community.models import Space
from prescriptions.models import NudgeKind
from prescriptions.nudges import services as nudges
from tests import urlwalk
from tests.factories import (
    CalendarTokenFactory,
    GatheringFactory,
    NotificationFactory,
    PrescriptionFactory,
    ReplyFactory,
)


@pytest.fixture
def our_urls(member, other_member, space, make_post):
    """Every URL of 4C's own views, by name, built with real objects."""
    post = make_post(member, title="My words")
    reply = ReplyFactory(post=post, author=member)
    by_prefix = {
        "community:post-": {"pk": post.pk},
        "community:reply-": {"pk": reply.pk},
        "community:gathering-": {"pk": GatheringFactory(space=space).pk},
        "community:notification-": {"pk": NotificationFactory(recipient=member, post=post).pk},
        "prescriptions:": {"pk": PrescriptionFactory(member=member).pk},
    }
    tokens = {
        "community:calendar-feed": CalendarTokenFactory(member=member).token,
        "prescriptions:nudge-stop": nudges.stop_token(member=member, kind=NudgeKind.values[0]),
    }
    urls = {}
    for pattern in urlwalk.our_patterns():
        common = {
            "slug": space.slug,
            "handle": other_member.handle,
            "token": tokens.get(pattern.name),
        }
        urls[pattern.name] = pattern.url(urlwalk.values_for(pattern.name, common, by_prefix))
    return urls


@pytest.mark.django_db
def test_the_walk_reaches_every_app(our_urls):
    assert {"home", "healthz", "community:post-edit", "prescriptions:nudge-stop"} <= set(our_urls)
    assert len(our_urls) > 60


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "delete", "trace"])
def test_no_view_answers_put_delete_or_trace(client, member, our_urls, method):
    client.force_login(member)
    answers = {name: getattr(client, method)(url).status_code for name, url in our_urls.items()}

    assert answers == dict.fromkeys(our_urls, 405)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "delete", "trace"])
def test_a_visitor_gets_the_same_405(client, our_urls, method):
    answers = {name: getattr(client, method)(url).status_code for name, url in our_urls.items()}

    assert answers == dict.fromkeys(our_urls, 405)


@pytest.mark.django_db
def test_a_405_says_which_methods_a_page_takes(client, our_urls):
    assert client.put(our_urls["community:space-list"])["Allow"] == "GET, HEAD"
    assert client.put(our_urls["community:post-create"])["Allow"] == "GET, HEAD, POST"
    assert client.put(our_urls["community:post-react"])["Allow"] == "POST"


@pytest.mark.django_db
def test_pages_answer_head_and_actions_refuse_get(member_client, our_urls):
    assert member_client.head(our_urls["community:space-list"]).status_code == 200
    assert member_client.head(our_urls["community:post-create"]).status_code == 200
    assert member_client.get(our_urls["community:post-react"]).status_code == 405
    assert member_client.get(our_urls["prescriptions:done"]).status_code == 405


@pytest.mark.django_db
def test_the_stop_link_still_takes_a_one_click_post_without_csrf(member, our_urls):
    strict = Client(enforce_csrf_checks=True)
    url = our_urls["prescriptions:nudge-stop"]

    assert strict.get(url).status_code == 200
    assert strict.post(url).status_code == 200
    assert strict.put(url).status_code == 405


# --- /healthz ------------------------------------------------------------------------


@pytest.mark.django_db
def test_head_healthz_answers_like_get_without_a_body(client):
    response = client.head("/healthz")

    assert response.status_code == 200
    assert response.content == b""
    assert client.get("/healthz").json()["status"] == "ok"


@pytest.mark.django_db
def test_head_healthz_with_celery_asks_the_worker_too(client, monkeypatch):
    from fourc import views

    asked = []
    monkeypatch.setattr(views, "_celery_answers", lambda: asked.append(1) or False)

    response = client.head("/healthz?celery=1")

    assert response.status_code == 503
    assert response.content == b""
    assert asked == [1]


# --- An expected 403 is one line -------------------------------------------------------


def _refused(request):
    raise PermissionDenied("Only the author can change this.")


urlpatterns = [path("refused/", _refused), path("", include("fourc.urls"))]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_403_logs_one_line_without_a_traceback(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/refused/")

    assert response.status_code == 403
    records = [record for record in caplog.records if record.name.startswith("django")]
    assert [(r.name, r.levelname, r.getMessage()) for r in records] == [
        ("django.request", "WARNING", "Forbidden (Permission denied): /refused/")
    ]
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_a_refused_write_logs_one_line(member_client, member, space, make_post, caplog):
    mine = make_post(member)
    Space.objects.filter(pk=space.pk).update(is_archived=True)

    with caplog.at_level(logging.INFO):
        response = member_client.post(f"/posts/{mine.pk}/delete/")

    assert response.status_code == 403
    records = [record for record in caplog.records if record.name.startswith("django")]
    assert [(r.name, r.levelname) for r in records] == [("django.request", "WARNING")]
    assert records[0].exc_info is None


def test_the_django_logger_hands_its_records_to_the_root_once():
    django_logger = logging.getLogger("django")

    assert django_logger.handlers == []
    assert django_logger.propagate
