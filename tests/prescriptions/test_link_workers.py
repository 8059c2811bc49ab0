import html
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import roles
from prescriptions import selectors, services
from prescriptions.models import (
    Activity,
    CheckIn,
    LinkWorkerAccess,
    LinkWorkerConsent,
    Prescription,
    Status,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTE = "my-secret-note-about-the-kitchen-7431"
SETTINGS_URL = "/link-workers/"
CASELOAD_URL = "/link-workers/members/"
MAYA_URL = "/link-workers/members/maya/"


@pytest.fixture
def checked_in(consented):
    services.record_check_in(member=consented, mood=3, energy=2, note=NOTE)
    return consented


@pytest.fixture
def invited(checked_in, link_worker):
    services.invite_link_worker(member=checked_in, handle="jordan")
    return checked_in


@pytest.fixture
def lw_client(client, link_worker):
    client.force_login(link_worker)
    return client


def text(response) -> str:
    """The page as a reader sees it (entities such as &#x27; turned back into characters)."""
    return html.unescape(response.content.decode())


def a_step() -> Activity:
    return Activity.objects.filter(is_active=True, action="none").order_by("id").first()


def test_the_urls_are_the_ones_prescriptions_will_wire():
    assert reverse("prescriptions:link-workers") == SETTINGS_URL
    assert reverse("prescriptions:caseload") == CASELOAD_URL
    assert reverse("prescriptions:link-worker-member", args=["maya"]) == MAYA_URL


# --- The member: invite and revoke ---------------------------------------------------------


def test_the_member_page_says_what_a_link_worker_will_and_wont_see(member_client):
    page = text(member_client.get(SETTINGS_URL))

    assert "They'll see your steps and your mood over time." in page
    assert "They never see your private notes." in page
    assert "Nobody at the moment." in page


def test_inviting_by_handle_gives_access_and_inviting_again_changes_nothing(
    member_client, member, link_worker
):
    response = member_client.post(SETTINGS_URL, {"action": "invite", "handle": "@Jordan"})

    assert response.status_code == 302
    consent = LinkWorkerConsent.objects.get()
    assert (consent.member, consent.link_worker, consent.revoked_at) == (
        member,
        link_worker,
        None,
    )
    page = text(member_client.get(SETTINGS_URL))
    assert "Jordan can now see your steps and your mood over time." in page
    assert "Stop Jordan seeing my steps" in page

    again = member_client.post(SETTINGS_URL, {"action": "invite", "handle": "jordan"}, follow=True)
    assert again.status_code == 200
    assert "Jordan already has access. Nothing has changed." in text(again)
    assert LinkWorkerConsent.objects.count() == 1


def test_revoking_stops_access_at_once_and_a_new_invite_starts_afresh(
    member_client, member, link_worker
):
    member_client.post(SETTINGS_URL, {"action": "invite", "handle": "jordan"})

    response = member_client.post(SETTINGS_URL, {"action": "revoke", "link_worker": "jordan"})

    assert response.status_code == 302
    assert LinkWorkerConsent.objects.get().revoked_at is not None
    page = text(member_client.get(SETTINGS_URL))
    assert "Jordan can't see your steps or your mood any more." in page
    assert "Nobody at the moment." in page
    assert not selectors.active_link_worker_consents(
        link_worker=link_worker, member=member
    ).exists()

    member_client.post(SETTINGS_URL, {"action": "invite", "handle": "jordan"})
    assert LinkWorkerConsent.objects.count() == 2
    has_access = selectors.active_link_worker_consents(link_worker=link_worker, member=member)
    assert has_access.exists()


def test_only_one_active_consent_per_member_and_link_worker(member, link_worker):
    LinkWorkerConsent.objects.create(member=member, link_worker=link_worker)

    with pytest.raises(IntegrityError), transaction.atomic():
        LinkWorkerConsent.objects.create(member=member, link_worker=link_worker)


def test_someone_who_isnt_a_link_worker_cant_be_invited(member_client, other_member, moderator):
    for handle in ("sam", "rosa"):
        response = member_client.post(SETTINGS_URL, {"action": "invite", "handle": handle})

        assert response.status_code == 400
        assert f"@{handle} isn't a link worker on 4C" in text(response)
    assert not LinkWorkerConsent.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"action": "invite", "handle": "nobody_here"}, "We couldn't find anyone with the handle"),
        ({"action": "invite", "handle": ""}, "Type your link worker's handle"),
        ({"action": "invite"}, "Type your link worker's handle"),
        ({"action": "invite", "handle": "no spaces!"}, "A handle has 3 to 30 letters"),
        ({"action": "invite", "handle": "j" * 200}, "longer than any handle"),
        ({"action": "invite", "handle": "jor\x00dan"}, ""),
        ({"action": "revoke", "link_worker": "jordan"}, "doesn't have access now"),
        ({"action": "revoke"}, "Choose which link worker to stop."),
        ({"action": "fly"}, "Something went missing from that form."),
        ({}, "Something went missing from that form."),
    ],
)
def test_bad_input_on_the_member_page_is_a_clear_400_and_changes_nothing(
    member_client, link_worker, data, error
):
    response = member_client.post(SETTINGS_URL, data)

    assert response.status_code == 400
    assert error in text(response)
    assert not LinkWorkerConsent.objects.exists()


def test_a_link_worker_cant_invite_themselves(client, link_worker):
    client.force_login(link_worker)

    response = client.post(SETTINGS_URL, {"action": "invite", "handle": "jordan"})

    assert response.status_code == 400
    assert "That's your own handle." in text(response)
    with pytest.raises(services.LinkWorkerError):
        services.invite_link_worker(member=link_worker, handle="jordan")
    assert not LinkWorkerConsent.objects.exists()


def test_an_invitation_refused_meanwhile_is_a_409_that_keeps_the_handle(
    member_client, link_worker, monkeypatch
):
    def role_changed_a_moment_ago(**kwargs):
        raise services.LinkWorkerError("Jordan isn't a link worker any more.")

    monkeypatch.setattr(services, "invite_link_worker", role_changed_a_moment_ago)

    response = member_client.post(SETTINGS_URL, {"action": "invite", "handle": "@jordan"})

    assert response.status_code == 409
    assert "Jordan isn't a link worker any more." in text(response)
    assert 'name="handle" value="@jordan"' in text(response)
    assert not LinkWorkerConsent.objects.exists()


def test_a_form_with_no_action_is_a_400_that_says_so(member_client):
    response = member_client.post(SETTINGS_URL, {"handle": "jordan"})

    assert response.status_code == 400
    assert "Something went missing from that form." in text(response)


def test_a_deactivated_link_worker_cant_be_invited(member, link_worker):
    link_worker.is_active = False
    link_worker.save()

    with pytest.raises(services.LinkWorkerError, match="couldn't find anyone"):
        services.invite_link_worker(member=member, handle="jordan")


def test_the_pages_need_a_login(client):
    for url in (SETTINGS_URL, CASELOAD_URL, MAYA_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


# --- Without consent: nothing --------------------------------------------------------------


def test_a_link_worker_without_consent_gets_a_404_and_nothing_of_the_check_ins(
    lw_client, checked_in, link_worker
):
    assert lw_client.get(MAYA_URL).status_code == 404
    assert lw_client.post(MAYA_URL, {"activity": a_step().pk}).status_code == 404
    assert lw_client.get("/link-workers/members/nobody_here/").status_code == 404
    assert lw_client.get("/link-workers/members/NOT A HANDLE/").status_code == 404
    for url in (CASELOAD_URL, SETTINGS_URL, "/prescriptions/", "/", "/members/maya/"):
        content = text(lw_client.get(url))
        assert NOTE not in content, url
        assert "See Maya's steps" not in content, url
    assert not Prescription.objects.filter(member=checked_in, prescriber=link_worker).exists()
    assert not LinkWorkerAccess.objects.exists()
    with pytest.raises(services.NoConsent):
        services.prescribe_as_link_worker(
            link_worker=link_worker, member=checked_in, activity=a_step()
        )


def test_consent_to_one_link_worker_gives_another_nothing(client, invited):
    other_worker = UserFactory(display_name="Alex", handle="alex")
    other_worker.groups.add(Group.objects.get(name=roles.LINK_WORKERS))
    client.force_login(other_worker)

    assert client.get(MAYA_URL).status_code == 404
    assert "Maya" not in text(client.get(CASELOAD_URL))


def test_the_caseload_is_for_link_workers_only(client, member, other_member, moderator):
    for viewer in (member, other_member, moderator):
        client.force_login(viewer)
        assert client.get(CASELOAD_URL).status_code == 403


def test_only_link_workers_ever_see_a_member_even_with_a_stale_consent(
    client, invited, link_worker, other_member
):
    client.force_login(other_member)
    assert client.get(MAYA_URL).status_code == 404

    link_worker.groups.clear()  # no longer a link worker: the consent gives nothing
    client.force_login(link_worker)
    assert client.get(MAYA_URL).status_code == 404
    assert client.get(CASELOAD_URL).status_code == 403
    with pytest.raises(services.NoConsent):
        services.prescribe_as_link_worker(
            link_worker=link_worker, member=invited, activity=a_step()
        )


# --- With consent: steps and moods, never notes -----------------------------------------------


def test_with_consent_the_link_worker_sees_steps_and_moods_but_never_the_note(lw_client, invited):
    CheckIn.objects.create(member=invited, mood=7, energy=4, urge="avoid", note=NOTE + " two")
    suggested = list(Prescription.objects.filter(member=invited).select_related("activity"))

    caseload = text(lw_client.get(CASELOAD_URL))
    assert "See Maya's steps and mood" in caseload
    response = lw_client.get(MAYA_URL)

    assert response.status_code == 200
    page = text(response)
    assert all(p.activity.title in page for p in suggested)
    assert "Mood over time" in page
    assert "5.0" in page  # the day's average of the moods 3 and 7
    assert "3 to 7" in page
    assert NOTE not in page
    assert "Europe/London" in page


def test_prescribing_shows_on_the_members_feed_with_the_link_workers_words(
    lw_client, client, invited, link_worker
):
    step = a_step()

    response = lw_client.post(
        MAYA_URL, {"activity": step.pk, "message": "Only if it feels OK, Maya. Small is enough."}
    )

    assert response.status_code == 302
    assert response.url == MAYA_URL
    p = Prescription.objects.get(member=invited, prescriber=link_worker)
    assert (p.activity, p.status) == (step, Status.SUGGESTED)
    page = text(lw_client.get(MAYA_URL))
    assert "Sent. Maya will find" in page
    client.force_login(invited)
    feed = text(client.get("/prescriptions/"))
    assert "From Jordan, your link worker: “Only if it feels OK, Maya. Small is enough.”" in feed
    assert step.title in feed


def test_the_link_worker_sees_completion(lw_client, invited, link_worker):
    p = services.prescribe_as_link_worker(
        link_worker=link_worker, member=invited, activity=a_step(), message="Try this"
    )
    services.complete_prescription(prescription=p, mood_after=6)

    page = text(lw_client.get(MAYA_URL))

    assert "Done" in page
    assert "– → 6" in page
    assert "From Jordan: “Try this”" in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"activity": ""},
        {"activity": "999999"},
        {"activity": "not-a-number"},
        {"activity": "99999999999999999999999"},
        {"activity": "1", "message": "x" * 501},
        {"activity": "1", "message": "hidden\x00character"},
    ],
)
def test_bad_prescriptions_are_a_clear_400_and_change_nothing(lw_client, invited, data):
    if data.get("activity") == "1":
        data = {**data, "activity": a_step().pk}
    before = Prescription.objects.count()

    response = lw_client.post(MAYA_URL, data)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors
    assert Prescription.objects.count() == before
    assert NOTE not in text(response)


def test_a_retired_activity_cant_be_prescribed(lw_client, invited, link_worker):
    retired = a_step()
    retired.is_active = False
    retired.save()

    response = lw_client.post(MAYA_URL, {"activity": retired.pk})

    assert response.status_code == 400
    assert "Choose one of the steps in the list." in text(response)
    with pytest.raises(services.LinkWorkerError, match="retired"):
        services.prescribe_as_link_worker(
            link_worker=link_worker, member=invited, activity=retired
        )
    assert not Prescription.objects.filter(prescriber=link_worker).exists()


def test_a_message_of_exactly_500_characters_is_fine(lw_client, invited, link_worker):
    response = lw_client.post(MAYA_URL, {"activity": a_step().pk, "message": "x" * 500})

    assert response.status_code == 302
    assert len(Prescription.objects.get(prescriber=link_worker).personal_message) == 500
    with pytest.raises(services.LinkWorkerError, match="keep it to 500"):
        services.prescribe_as_link_worker(
            link_worker=link_worker, member=invited, activity=a_step(), message="x" * 501
        )


# --- The access log ---------------------------------------------------------------------------


def test_every_access_is_logged_and_the_member_sees_it_in_their_time_zone(
    lw_client, client, invited, link_worker
):
    invited.time_zone = "Asia/Kolkata"
    invited.save(update_fields=["time_zone"])
    step = a_step()

    lw_client.get(MAYA_URL)
    lw_client.post(MAYA_URL, {"activity": step.pk, "message": "Hello"})
    lw_client.post(MAYA_URL, {"activity": "999999"})  # shows the page again: a look

    log = list(LinkWorkerAccess.objects.order_by("id").values_list("what", flat=True))
    assert log == [selectors.VIEWED, f"suggested “{step.title}”", selectors.VIEWED]
    assert all(a.link_worker == link_worker for a in LinkWorkerAccess.objects.all())
    LinkWorkerAccess.objects.filter(what=selectors.VIEWED).update(
        at=datetime(2030, 1, 2, 13, 0, tzinfo=UTC)
    )

    client.force_login(invited)
    page = text(client.get(SETTINGS_URL))
    assert "Wed 2 Jan 2030, 18:30" in page
    assert "Asia/Kolkata time" in page
    assert "Looked at your steps and your mood over time" in page
    assert f"Suggested “{step.title}”" in page
    assert NOTE not in page


def test_the_caseload_itself_is_not_an_access(lw_client, invited):
    lw_client.get(CASELOAD_URL)

    assert not LinkWorkerAccess.objects.exists()


def test_the_access_log_is_the_members_own(client, invited, other_member, link_worker):
    lw_client = client
    lw_client.force_login(link_worker)
    lw_client.get(MAYA_URL)

    client.force_login(other_member)
    page = text(client.get(SETTINGS_URL))
    assert "No link worker has looked at your steps." in page
    assert selectors.access_log(other_member) == []


# --- After revoking: gone at once -----------------------------------------------------------


def test_after_revoking_the_link_worker_loses_access_immediately(client, invited, link_worker):
    client.force_login(link_worker)
    assert client.get(MAYA_URL).status_code == 200

    assert services.revoke_link_worker(member=invited, link_worker=link_worker)

    assert client.get(MAYA_URL).status_code == 404
    assert client.post(MAYA_URL, {"activity": a_step().pk}).status_code == 404
    assert "Maya" not in text(client.get(CASELOAD_URL))
    assert not Prescription.objects.filter(prescriber=link_worker).exists()
    with pytest.raises(services.NoConsent):
        services.prescribe_as_link_worker(
            link_worker=link_worker, member=invited, activity=a_step()
        )
    assert not services.revoke_link_worker(member=invited, link_worker=link_worker)
    # The member still sees what happened while access was given.
    assert [a.what for a in selectors.access_log(invited)] == [selectors.VIEWED]


def test_a_deactivated_member_is_out_of_the_caseload(lw_client, invited):
    invited.is_active = False
    invited.save(update_fields=["is_active"])

    assert lw_client.get(MAYA_URL).status_code == 404
    assert "Maya" not in text(lw_client.get(CASELOAD_URL))


# --- Query counts ---------------------------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_caseload_costs_the_same_with_1_or_50_members(lw_client, link_worker):
    members = [UserFactory() for _ in range(50)]
    LinkWorkerConsent.objects.create(member=members[0], link_worker=link_worker)
    one = _count(lw_client, CASELOAD_URL)

    LinkWorkerConsent.objects.bulk_create(
        LinkWorkerConsent(member=m, link_worker=link_worker) for m in members[1:]
    )
    assert text(lw_client.get(CASELOAD_URL)).count("See Member") == 50
    assert _count(lw_client, CASELOAD_URL) == one


def test_the_member_view_costs_the_same_with_1_or_50_steps_and_check_ins(
    lw_client, consented, link_worker
):
    services.invite_link_worker(member=consented, handle="jordan")
    activities = list(Activity.objects.order_by("id")[:50])
    now = timezone.now()

    def add(n):
        for i, activity in enumerate(activities[:n]):
            CheckIn.objects.create(
                member=consented, mood=i % 11, energy=3, note=NOTE, created_at=now - timedelta(i)
            )
            Prescription.objects.create(
                member=consented, activity=activity, reason="r", prescriber=link_worker,
                personal_message="m", status=Status.DONE, mood_before=3, mood_after=5,
                completed_at=now,
            )  # fmt: skip

    add(1)
    one = _count(lw_client, MAYA_URL)
    CheckIn.objects.all().delete()
    Prescription.objects.all().delete()
    add(50)
    page = text(lw_client.get(MAYA_URL))
    assert NOTE not in page
    assert _count(lw_client, MAYA_URL) == one


def test_the_member_page_costs_the_same_with_1_or_50_accesses(member_client, member, link_worker):
    services.invite_link_worker(member=member, handle="jordan")
    services.log_access(link_worker=link_worker, member=member, what=selectors.VIEWED)
    one = _count(member_client, SETTINGS_URL)

    LinkWorkerAccess.objects.bulk_create(
        LinkWorkerAccess(link_worker=link_worker, member=member, what=selectors.VIEWED)
        for _ in range(49)
    )
    assert _count(member_client, SETTINGS_URL) == one


def test_the_accessor_only_reads_and_404s_without_consent(invited, link_worker, other_member):
    assert selectors.get_member_for_link_worker(link_worker, "@Maya") == invited
    assert not LinkWorkerAccess.objects.exists()

    for who, handle in [(link_worker, "sam"), (other_member, "maya"), (link_worker, "no such!")]:
        with pytest.raises(Http404):
            selectors.get_member_for_link_worker(who, handle)
    services.revoke_link_worker(member=invited, link_worker=link_worker)
    with pytest.raises(Http404):
        selectors.get_member_for_link_worker(link_worker, "maya")
    assert not LinkWorkerAccess.objects.exists()


def test_each_look_is_logged_once_by_the_page(lw_client, invited):
    lw_client.get(MAYA_URL)
    lw_client.get(MAYA_URL)

    assert list(LinkWorkerAccess.objects.values_list("what", flat=True)) == [selectors.VIEWED] * 2


def test_a_refused_suggestion_shows_the_page_again_and_logs_that_look(lw_client, invited):
    retired = Activity.objects.filter(is_active=True, action="none").order_by("id").last()
    lw_client.get(MAYA_URL)  # the page is open with this step in the list
    Activity.objects.filter(pk=retired.pk).update(is_active=False)

    response = lw_client.post(MAYA_URL, {"activity": retired.pk})

    assert response.status_code == 400
    assert list(LinkWorkerAccess.objects.values_list("what", flat=True)) == [selectors.VIEWED] * 2
