import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from community import roles
from community import services as community_services
from community.models import Space
from prescriptions import selectors, services
from prescriptions.models import CheckIn, Prescription, Status
from tests.factories import UserFactory


def check_in(member, **fields):
    fields.setdefault("mood", 4)
    fields.setdefault("energy", 2)
    return services.record_check_in(member=member, **fields)


# --- Consent and check-ins ------------------------------------------------------------


@pytest.mark.django_db
def test_the_first_check_in_asks_for_consent_and_stores_nothing_before(member_client, member):
    page = member_client.get("/check-in/")
    assert b"Agree and check in" in page.content

    refused = member_client.post("/check-in/", {"mood": 5, "energy": 3})
    assert refused.status_code == 403
    assert not CheckIn.objects.exists()

    member_client.post("/check-in/consent/", {"agree": "on"})
    response = member_client.post("/check-in/", {"mood": 5, "energy": 3})
    assert response.status_code == 302
    assert response.url == "/prescriptions/"
    assert CheckIn.objects.get().mood == 5


@pytest.mark.django_db
def test_consent_needs_the_box_ticked(member_client):
    response = member_client.post("/check-in/consent/", {})

    assert response.status_code == 400
    assert b"Tick the box" in response.content


@pytest.mark.django_db
def test_a_check_in_before_agreeing_is_kept_and_agreeing_checks_in_with_it(member_client):
    refused = member_client.post("/check-in/", {"mood": 6, "energy": 2, "note": "tea & toast"})

    page = html.unescape(refused.content.decode())
    assert refused.status_code == 403
    assert "Please agree to keeping your check-ins first." in page
    assert '<input type="hidden" name="mood" value="6"' in page
    assert '<input type="hidden" name="note" value="tea & toast"' in page
    assert not CheckIn.objects.exists()

    unticked = member_client.post("/check-in/consent/", {"mood": 6, "energy": 2})
    assert unticked.status_code == 400
    assert '<input type="hidden" name="mood" value="6"' in unticked.content.decode()

    agreed = member_client.post(
        "/check-in/consent/", {"agree": "on", "mood": 6, "energy": 2, "note": "tea & toast"}
    )
    assert agreed.status_code == 302
    assert agreed.url == "/prescriptions/"
    assert CheckIn.objects.values_list("mood", "energy", "note").get() == (6, 2, "tea & toast")


@pytest.mark.django_db
def test_a_check_in_brings_three_explained_suggestions(member_client, consented):
    member_client.post("/check-in/", {"mood": 3, "energy": 1, "urge": "keep_to_myself"})

    suggestions = list(Prescription.objects.filter(member=consented).order_by("id"))
    assert len(suggestions) == 3
    assert all(p.activity.energy <= 1 for p in suggestions)
    assert suggestions[0].reason.startswith("You said you feel like keeping to yourself today.")
    assert all(p.mood_before == 3 for p in suggestions)
    feed = member_client.get("/prescriptions/").content.decode()
    assert suggestions[0].activity.title in feed
    assert "You said you feel like keeping to yourself today." in feed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"mood": 11, "energy": 3}, "mood"),
        ({"mood": -1, "energy": 3}, "mood"),
        ({"mood": "happy", "energy": 3}, "mood"),
        ({"mood": 5, "energy": 0}, "energy"),
        ({"mood": 5, "energy": 6}, "energy"),
        ({"energy": 3}, "mood"),
        ({"mood": 5}, "energy"),
        ({"mood": 5, "energy": 3, "urge": "fly_away"}, "urge"),
        ({"mood": 5, "energy": 3, "note": "nul\x00here"}, "note"),
        ({"mood": 5, "energy": 3, "note": "x" * 1001}, "note"),
    ],
)
def test_bad_check_ins_get_a_clear_error_and_change_nothing(member_client, consented, data, field):
    response = member_client.post("/check-in/", data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not CheckIn.objects.exists()
    assert not Prescription.objects.exists()


@pytest.mark.django_db
def test_several_check_ins_a_day_are_fine_and_old_suggestions_expire(consented):
    check_in(consented)
    first = set(Prescription.objects.values_list("pk", flat=True))
    check_in(consented, energy=4)

    assert CheckIn.objects.count() == 2
    assert set(Prescription.objects.filter(pk__in=first).values_list("status", flat=True)) == {
        Status.EXPIRED
    }
    assert Prescription.objects.filter(status=Status.SUGGESTED).count() == 3


@pytest.mark.django_db
def test_withdrawing_consent_erases_the_check_in_history(member_client, consented):
    check_in(consented, note="private words")

    response = member_client.post("/settings/health-data/")

    assert response.status_code == 302
    assert not CheckIn.objects.exists()
    assert not Prescription.objects.filter(mood_before__isnull=False).exists()
    assert not selectors.has_consent(consented)


# --- Doing, skipping, completing ---------------------------------------------------------


@pytest.mark.django_db
def test_ill_do_it_then_done_with_mood_after(member_client, consented):
    check_in(consented)
    p = (
        Prescription.objects.filter(activity__action="none").first()
        or Prescription.objects.first()
    )

    member_client.post(f"/prescriptions/{p.pk}/plan/")
    p.refresh_from_db()
    assert p.status == Status.PLANNED
    member_client.post(f"/prescriptions/{p.pk}/done/", {"mood_after": 7})
    p.refresh_from_db()
    assert (p.status, p.mood_before, p.mood_after, p.lift) == (Status.DONE, 4, 7, 3)


@pytest.mark.django_db
def test_planning_for_a_time_keeps_it_in_the_members_zone(member_client, consented):
    community_services.update_profile(member=consented, time_zone="Asia/Kolkata")
    check_in(consented)
    p = Prescription.objects.first()

    day = (timezone.now() + timedelta(days=10)).astimezone(ZoneInfo("Asia/Kolkata")).date()
    at = f"{day.isoformat()}T18:30"
    member_client.post(f"/prescriptions/{p.pk}/plan/", {"when": "choose", "at": at})

    p.refresh_from_db()
    assert p.planned_for == datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)
    shown = f"{day:%A} {day.day} {day:%B}, 18:30 (Asia/Kolkata time)"
    assert shown in member_client.get("/prescriptions/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("when", "says"),
    [
        ("9999-12-31T23:59", "Choose a time within the next two years."),
        ("2001-01-01T10:00", "That time has already passed."),
        ("soon", "Enter a date and time"),
        ("", "Choose a day and a time."),
    ],
)
def test_a_plan_far_away_or_in_the_past_is_refused_kindly_and_keeps_the_time(
    member_client, consented, when, says
):
    check_in(consented)
    p = Prescription.objects.first()

    response = member_client.post(f"/prescriptions/{p.pk}/plan/", {"when": "choose", "at": when})

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert says in page
    # What they typed is still there, in the time box they opened.
    assert re.search(r'<details class="plan-later" open>', page)
    assert re.search(r'<details class="plan-later__choose" open>', page)
    if when:
        assert f'name="at" required value="{when}"' in page
    p.refresh_from_db()
    assert p.status == Status.SUGGESTED


@pytest.mark.django_db
def test_skipping_not_for_me_teaches_the_engine(member_client, consented):
    check_in(consented)
    p = Prescription.objects.first()

    member_client.post(f"/prescriptions/{p.pk}/skip/", {"reason": "not_for_me"})

    p.refresh_from_db()
    assert (p.status, p.skip_reason) == (Status.SKIPPED, "not_for_me")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "then", "data"),
    [
        ("skip", "feel", {"mood_after": 5}),
        ("skip", "done", {"mood_after": 5}),
        ("done", "skip", {"reason": "not_now"}),
    ],
)
def test_finishing_twice_or_a_mood_after_on_a_skipped_one_changes_nothing(
    member_client, consented, first, then, data
):
    check_in(consented)
    p = Prescription.objects.first()
    member_client.post(
        f"/prescriptions/{p.pk}/{first}/",
        {"mood_after": 6} if first == "done" else {"reason": "not_now"},
    )
    before = Prescription.objects.values().get(pk=p.pk)

    response = member_client.post(f"/prescriptions/{p.pk}/{then}/", data)

    assert response.status_code == 409
    assert REFUSALS[(first, then)] in html.unescape(response.content.decode())
    assert Prescription.objects.values().get(pk=p.pk) == before


REFUSALS = {
    ("skip", "feel"): "You can say how you feel once it's done.",
    ("skip", "done"): "This one was skipped or has expired, so there's nothing to finish.",
    ("done", "skip"): "This one is already finished.",
}


@pytest.mark.django_db
def test_with_htmx_a_refusal_is_the_card_saying_why_with_a_4xx(member_client, consented):
    check_in(consented)
    p = Prescription.objects.first()
    member_client.post(f"/prescriptions/{p.pk}/skip/", {"reason": "not_now"})

    response = member_client.post(
        f"/prescriptions/{p.pk}/done/", {"mood_after": 5}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert page.lstrip().startswith(f'<li class="card prescription" id="prescription-{p.pk}"')
    assert "nothing to finish" in page
    assert "<html" not in page


@pytest.mark.django_db
def test_with_htmx_done_swaps_the_card_in_place(member_client, consented):
    check_in(consented)
    p = Prescription.objects.first()

    response = member_client.post(
        f"/prescriptions/{p.pk}/done/", {"mood_after": 7}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="prescription-{p.pk}"' in page
    assert "You did it. That counts." in page
    assert "<html" not in page
    p.refresh_from_db()
    assert (p.status, p.mood_after) == (Status.DONE, 7)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [{"mood_after": 11}, {"mood_after": -1}, {}, {"mood_after": "lots"}]
)
def test_a_bad_mood_after_is_a_400_that_says_why_and_changes_nothing(
    member_client, consented, data
):
    check_in(consented)
    p = Prescription.objects.first()
    before = Prescription.objects.values().get(pk=p.pk)

    response = member_client.post(f"/prescriptions/{p.pk}/done/", data)

    assert response.status_code == 400
    assert "Choose a number from 0 to 10" in html.unescape(response.content.decode())
    assert Prescription.objects.values().get(pk=p.pk) == before


def step_from_a_link_worker(member, link_worker, action="none"):
    """A step with no check-in behind it, so its mood before is unknown."""
    from prescriptions.models import Activity

    return services.prescribe_by_hand(
        member=member, activity=Activity.objects.filter(action=action).first(),
        prescriber=link_worker,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_refused_done_keeps_the_moods_chosen(member_client, consented, link_worker):
    p = step_from_a_link_worker(consented, link_worker)

    response = member_client.post(
        f"/prescriptions/{p.pk}/done/", {"mood_after": 12, "mood_before": 3}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert '<details class="done" open>' in page
    assert re.search(r'name="mood_before" value="3"[^>]*checked', page)
    p.refresh_from_db()
    assert (p.status, p.mood_before, p.mood_after) == (Status.SUGGESTED, None, None)


@pytest.mark.django_db
def test_with_htmx_a_bad_done_is_the_card_with_a_400_the_moods_kept_and_announced(
    member_client, consented, link_worker
):
    p = step_from_a_link_worker(consented, link_worker)

    response = member_client.post(
        f"/prescriptions/{p.pk}/done/",
        {"mood_after": 6, "mood_before": "lots"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert '<details class="done" open>' in page
    assert re.search(r'name="mood_after" value="6"[^>]*checked', page)
    assert re.search(r'<div id="live-status"[^>]*hx-swap-oob="true">Choose', page)


@pytest.mark.django_db
def test_a_refused_how_do_you_feel_now_keeps_the_moods_chosen(
    member_client, consented, link_worker, other_member, make_post
):
    p = step_from_a_link_worker(consented, link_worker, action="reply")
    community_services.post_reply(author=consented, post=make_post(other_member), body="Hi.")
    p.refresh_from_db()
    assert p.completed_automatically
    assert "And before you did it?" in member_client.get("/prescriptions/").content.decode()

    response = member_client.post(
        f"/prescriptions/{p.pk}/feel/", {"mood_after": 11, "mood_before": 3}
    )

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "You did it. How do you feel now?" in page
    assert "Choose a number from 0 to 10" in page
    assert re.search(r'name="mood_before" value="3"[^>]*checked', page)
    p.refresh_from_db()
    assert (p.mood_before, p.mood_after) == (None, None)


@pytest.mark.django_db
def test_a_time_the_clocks_skip_gets_a_plain_answer(member_client, consented):
    check_in(consented)
    p = Prescription.objects.first()

    # In London the clocks go from 01:00 to 02:00 on 28 March 2027.
    with time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=UTC)):
        response = member_client.post(
            f"/prescriptions/{p.pk}/plan/", {"when": "choose", "at": "2027-03-28T01:30"}
        )

    assert response.status_code == 400
    assert "The clocks change around then" in html.unescape(response.content.decode())
    p.refresh_from_db()
    assert p.status == Status.SUGGESTED


@pytest.mark.django_db
def test_done_asks_the_mood_before_when_it_is_unknown_and_keeps_it(
    member_client, consented, link_worker
):
    from prescriptions.models import Activity

    p = services.prescribe_by_hand(
        member=consented, activity=Activity.objects.filter(action="none").first(),
        prescriber=link_worker,
    )  # fmt: skip
    assert "And before? (optional)" in member_client.get("/prescriptions/").content.decode()

    member_client.post(f"/prescriptions/{p.pk}/done/", {"mood_after": 6, "mood_before": 3})

    p.refresh_from_db()
    assert (p.status, p.mood_before, p.mood_after) == (Status.DONE, 3, 6)


@pytest.mark.django_db
def test_another_members_prescription_is_a_404(client, consented, other_member):
    check_in(consented)
    p = Prescription.objects.first()
    client.force_login(other_member)

    actions = [
        ("plan", {}), ("done", {"mood_after": 5}), ("skip", {"reason": "not_now"}),
        ("feel", {"mood_after": 5}),
    ]  # fmt: skip
    for action, data in actions:
        assert client.post(f"/prescriptions/{p.pk}/{action}/", data).status_code == 404
    assert client.post("/prescriptions/999999/done/", {"mood_after": 5}).status_code == 404
    p.refresh_from_db()
    assert p.status == Status.SUGGESTED


# --- Automatic completion ----------------------------------------------------------------


@pytest.mark.django_db
def test_replying_to_the_target_completes_the_prescription_and_asks_how_you_feel(
    member_client, consented, other_member, make_post
):
    waiting = make_post(other_member, title="Anyone else awake?")
    check_in(consented, energy=2, urge="avoid")
    p = Prescription.objects.filter(post=waiting).first()
    assert p is not None, list(Prescription.objects.values("activity__action", "post"))

    member_client.post(waiting.get_absolute_url(), {"body": "I'm here too. You're not alone."})

    p.refresh_from_db()
    assert (p.status, p.completed_automatically, p.mood_after) == (Status.DONE, True, None)
    page = member_client.get("/").content.decode()
    assert "You did it. How do you feel now?" in page
    member_client.post(f"/prescriptions/{p.pk}/feel/", {"mood_after": 6})
    p.refresh_from_db()
    assert p.mood_after == 6
    assert "You did it. How do you feel now?" not in member_client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_done_it_on_a_card_left_open_keeps_the_mood_of_a_step_done_by_itself(
    member_client, consented, other_member, make_post, htmx
):
    waiting = make_post(other_member, title="Anyone else awake?")
    check_in(consented, energy=2, urge="avoid")
    p = Prescription.objects.filter(post=waiting).first()
    member_client.post(waiting.get_absolute_url(), {"body": "I'm here too."})  # done by itself
    headers = {"HX-Request": "true"} if htmx else {}

    response = member_client.post(
        f"/prescriptions/{p.pk}/done/", {"mood_after": 7}, headers=headers, follow=not htmx
    )

    p.refresh_from_db()
    assert (p.status, p.completed_automatically, p.mood_after) == (Status.DONE, True, 7)
    assert response.status_code == 200
    assert "It helps 4C learn what lifts you." in html.unescape(response.content.decode())
    again = member_client.post(f"/prescriptions/{p.pk}/done/", {"mood_after": 2}, follow=True)
    assert "You've already done this one." in html.unescape(again.content.decode())
    p.refresh_from_db()
    assert p.mood_after == 7


@pytest.mark.django_db
def test_reacting_completes_a_react_step(consented, other_member, make_post):
    from prescriptions.models import Activity

    post = make_post(other_member)
    p = Prescription.objects.create(
        member=consented, activity=Activity.objects.filter(action="react").first(), reason="r"
    )

    community_services.set_reaction(member=consented, kind="hear", on=True, post=post)

    p.refresh_from_db()
    assert p.status == Status.DONE


@pytest.mark.django_db
def test_an_offline_step_is_never_completed_by_community_actions(
    consented, other_member, make_post
):
    from prescriptions.models import Activity

    post = make_post(other_member)
    p = Prescription.objects.create(
        member=consented, activity=Activity.objects.filter(action="none").first(), reason="r"
    )

    community_services.post_reply(author=consented, post=post, body="Hello")
    community_services.set_reaction(member=consented, kind="hear", on=True, post=post)

    p.refresh_from_db()
    assert p.status == Status.SUGGESTED


# --- Safety ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_crisis_language_in_a_note_brings_the_help_page_and_one_step_to_a_person(
    member_client, consented
):
    member_client.post("/check-in/", {"mood": 1, "energy": 2, "note": "I want to die"})

    [p] = Prescription.objects.filter(member=consented)
    assert p.activity.slug == "reach-out-to-someone-now"
    feed = member_client.get("/prescriptions/").content.decode()
    assert "See who to contact now" in feed
    assert "Small is enough" not in feed


@pytest.mark.django_db
def test_crisis_language_in_the_latest_reply_counts_too_until_a_calmer_one(
    consented, other_member, make_post
):
    post = make_post(other_member)
    community_services.post_reply(author=consented, post=post, body="I want to die.")

    assert check_in(consented, energy=4)[1].in_crisis

    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        community_services.post_reply(author=consented, post=post, body="A bit calmer now.")
        assert not check_in(consented, energy=4)[1].in_crisis


@pytest.mark.django_db
def test_crisis_language_in_the_latest_post_counts_too(consented, make_post):
    make_post(consented, body="Some days I don't want to be here anymore.")

    _, plan = check_in(consented, energy=4)

    assert plan.in_crisis


# --- Privacy ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_ins_are_invisible_to_other_members_moderators_and_unconsented_link_workers(
    client, consented, other_member, moderator, link_worker
):
    from tests.fourc.test_admin_and_roles import enrol_totp

    check_in(consented, note="my private note words")
    enrol_totp(moderator)
    for viewer in (other_member, moderator, link_worker):
        client.force_login(viewer)
        for url in ["/prescriptions/", "/check-in/", "/", "/members/maya/", "/admin/"]:
            response = client.get(url)
            assert b"my private note words" not in response.content, (viewer, url)
        # Their own insights know nothing of hers.
        insights = html.unescape(client.get("/insights/").content.decode())
        assert "A few more check-ins and this page will start to show" in insights, viewer
    client.force_login(link_worker)
    assert client.get("/link-workers/members/maya/").status_code == 404
    client.force_login(moderator)
    assert client.get("/admin/prescriptions/checkin/").status_code == 404
    assert client.get("/admin/prescriptions/prescription/").status_code == 404
    assert client.get("/admin/prescriptions/wellbeingsurvey/").status_code == 404
    assert Group.objects.get(name=roles.MODERATORS)


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_feed_and_check_in_pages_cost_the_same_with_1_or_50_prescriptions(
    member_client, consented, link_worker, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from prescriptions.models import Activity

    activities = list(Activity.objects.all()[:50])

    space = Space.objects.create(slug="calm", name="Calm", description="Calm.")
    host = UserFactory()
    community_services.assign_role(member=host, role=roles.HOSTS)
    gathering = community_services.create_gathering(
        host=host, space=space, title="Tea", description="Tea.", duration_minutes=60,
        starts_at=timezone.now() + timedelta(days=2), format="online",
        join_url="https://meet.example.org/tea",
    )  # fmt: skip

    def add(n):
        # Every kind of step: plain, pointing at a post or a gathering, from a link
        # worker with a message, done by hand or noticed by 4C; and n check-ins.
        for i, activity in enumerate(activities[:n]):
            ci = check_in(consented, mood=i % 11, energy=1 + i % 5)[0]
            post = community_services.create_post(
                author=UserFactory(), space=space, title=f"Waiting {i}", body="Hi.",
                intent="support",
            )  # fmt: skip
            Prescription.objects.all().filter(check_in=ci).delete()  # counted below instead
            for fields in (
                {"check_in": ci, "post": post},
                {"gathering": gathering, "status": Status.PLANNED},
                {"prescriber": link_worker, "personal_message": "You've got this."},
                {"status": Status.DONE, "mood_before": 3, "mood_after": 5, "post": post},
                {"status": Status.DONE, "completed_automatically": True, "post": post},
            ):
                Prescription.objects.create(
                    member=consented, activity=activity, reason="r", **fields
                )

    check_in(consented)
    Prescription.objects.all().delete()
    CheckIn.objects.all().delete()
    add(1)
    counts = {}
    for url in ["/prescriptions/", "/check-in/", "/"]:
        member_client.get(url)
        with CaptureQueriesContext(connection) as q:
            member_client.get(url)
        counts[url] = len(q)
    Prescription.objects.all().delete()
    CheckIn.objects.all().delete()
    add(50)
    for url, expected in counts.items():
        with django_assert_num_queries(expected):
            member_client.get(url)
    assert CheckIn.objects.count() == 50
    assert Prescription.objects.filter(member=consented).count() == 250


@pytest.mark.django_db
def test_the_feed_offers_the_wellbeing_check_when_it_is_due(member_client, consented):

    check_in(consented)
    assert "A short wellbeing check" in member_client.get("/prescriptions/").content.decode()

    services.record_wellbeing(
        member=consented, life_satisfaction=6, worthwhile=7, happy=5, anxious=4
    )

    assert "A short wellbeing check" not in member_client.get("/prescriptions/").content.decode()


# --- Found in review ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_crisis_check_in_shows_the_lines_even_if_the_crisis_step_is_missing(
    member_client, consented
):
    from prescriptions.models import Activity

    Activity.objects.filter(slug="reach-out-to-someone-now").update(is_active=False)
    check_in(consented, note="I want to die")

    feed = member_client.get("/prescriptions/").content.decode()

    assert "See who to contact now" in feed
    assert "Samaritans" in feed
    assert "Small is enough" not in feed


@pytest.mark.django_db
def test_in_a_crisis_nothing_cheerful_shows(member_client, consented, other_member, make_post):
    from prescriptions.models import Activity

    planned = Prescription.objects.create(
        member=consented, activity=Activity.objects.get(slug="ten-minute-walk"),
        reason="r", status=Status.PLANNED,
    )  # fmt: skip
    check_in(consented, note="I can't go on")

    feed = member_client.get("/prescriptions/").content.decode()

    assert planned.activity.title not in feed
    assert "Reach out to a person now" in feed


@pytest.mark.django_db
def test_after_a_crisis_check_in_no_page_asks_how_the_done_step_felt(
    member_client, consented, other_member, make_post
):
    waiting = make_post(other_member, title="Anyone else awake?")
    check_in(consented, energy=2, urge="avoid")
    member_client.post(waiting.get_absolute_url(), {"body": "I'm here too."})
    assert "You did it. How do you feel now?" in member_client.get("/").content.decode()

    check_in(consented, note="I want to die")

    for url in ("/", "/insights/", "/spaces/", waiting.get_absolute_url(), "/prescriptions/"):
        assert "You did it. How do you feel now?" not in member_client.get(url).content.decode()
    check_in(consented, mood=5, energy=3)  # a calmer check-in later
    assert "You did it. How do you feel now?" in member_client.get("/").content.decode()


@pytest.mark.django_db
def test_a_reply_in_crisis_words_brings_help_and_no_cheerful_prompt(
    member_client, consented, other_member, make_post
):
    waiting = make_post(other_member, title="Anyone else awake?")
    check_in(consented, energy=2, urge="avoid")

    response = member_client.post(
        waiting.get_absolute_url(),
        {"body": "Same. I want to die tonight.", "post_anyway": "1"},
        follow=True,
    )

    page = html.unescape(response.content.decode())
    assert "If you're thinking about ending your life" in page
    assert "You did it. How do you feel now?" not in page
    assert Prescription.objects.filter(post=waiting, status=Status.DONE).exists()


@pytest.mark.django_db
def test_an_old_post_does_not_keep_a_member_in_crisis(consented, make_post):
    import time_machine

    with time_machine.travel(timezone.now() - timedelta(days=200)):
        make_post(consented, body="Last year I was suicidal. Today I'm OK.")

    _, plan = check_in(consented, mood=8, energy=4)

    assert not plan.in_crisis


@pytest.mark.django_db
def test_withdrawing_consent_asks_nothing_more_and_keeps_no_moods(
    member_client, consented, other_member, make_post
):
    post = make_post(other_member, title="Waiting")
    check_in(consented, energy=2, urge="avoid")
    member_client.post(post.get_absolute_url(), {"body": "Here with you."})
    done = Prescription.objects.filter(status=Status.DONE).first()
    assert done is not None

    member_client.post("/settings/health-data/")
    page = member_client.get("/").content.decode()
    member_client.post(f"/prescriptions/{done.pk}/feel/", {"mood_after": 7})

    assert "You did it. How do you feel now?" not in page
    assert not Prescription.objects.filter(mood_after__isnull=False).exists()
    assert not Prescription.objects.filter(reason__contains="keeping to yourself").exists()
    assert not Prescription.objects.exclude(status__in=[Status.DONE, Status.EXPIRED]).exists()


@pytest.mark.django_db
def test_many_low_days_in_a_row_still_bring_a_connecting_opposite_step_first(consented):
    for _ in range(10):
        _, plan = check_in(consented, energy=1, urge="keep_to_myself")

        assert plan.suggestions
        assert "keep_to_myself" in plan.suggestions[0].activity.opposite_of
        assert any(s.activity.way in ("connect", "give") for s in plan.suggestions)


@pytest.mark.django_db
def test_replying_to_the_target_completes_the_step_even_if_someone_answered_first(
    member_client, consented, other_member, make_post
):
    post = make_post(other_member, title="Anyone?")
    check_in(consented, energy=2, urge="avoid")
    step = Prescription.objects.filter(post=post).first()
    assert step is not None
    community_services.post_reply(author=UserFactory(), post=post, body="First!")

    member_client.post(post.get_absolute_url(), {"body": "Me as well, here for you."})

    step.refresh_from_db()
    assert step.status == Status.DONE


@pytest.mark.django_db
def test_a_step_without_a_check_in_asks_for_the_mood_before_too(
    member_client, consented, link_worker, other_member, make_post
):
    from prescriptions.models import Activity

    post = make_post(other_member)
    step = services.prescribe_by_hand(
        member=consented, activity=Activity.objects.filter(action="react").first(),
        prescriber=link_worker, message="Have a look at this one",
    )  # fmt: skip
    community_services.set_reaction(member=consented, kind="hear", on=True, post=post)

    page = member_client.get("/").content.decode()
    member_client.post(f"/prescriptions/{step.pk}/feel/", {"mood_after": 6, "mood_before": 4})

    assert "And before you did it?" in page
    step.refresh_from_db()
    assert (step.mood_before, step.mood_after, step.lift) == (4, 6, 2)
