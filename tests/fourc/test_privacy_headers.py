"""What search engines and browsers may keep (fourc.middleware.PrivacyHeadersMiddleware):
only the landing, help and guidelines pages may be indexed, and nothing a signed-in
member is shown is stored in a browser's cache."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/help/", "/guidelines/"])
def test_the_landing_help_and_guidelines_pages_may_be_indexed(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert "X-Robots-Tag" not in response.headers


def test_members_words_are_never_indexed(client, member, make_post, space):
    post = make_post(member)

    for url in ["/spaces/", f"/spaces/{space.slug}/", post.get_absolute_url(),
                f"/members/{member.handle}/", "/accounts/login/"]:  # fmt: skip
        response = client.get(url)
        assert response.headers.get("X-Robots-Tag") == "noindex", url


@pytest.mark.parametrize(
    "url", ["/", "/check-in/", "/prescriptions/", "/insights/", "/settings/health-data/",
            "/notifications/", "/settings/notifications/", "/settings/profile/",
            "/settings/data/"],
)  # fmt: skip
def test_nothing_a_signed_in_member_sees_is_stored_by_the_browser(member_client, url):
    response = member_client.get(url)

    assert response.status_code == 200, url
    cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


def test_a_visitor_page_may_be_cached(client):
    assert "no-store" not in client.get("/help/").headers.get("Cache-Control", "")
