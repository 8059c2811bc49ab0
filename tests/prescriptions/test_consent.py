"""Consent to keeping check-ins: versioned (a change of wording asks again), and taken
back on the health-data page, which erases the member's health data and no one else's."""

import pytest

from community import services as community
from community.models import SpaceRead
from prescriptions import selectors, services
from prescriptions.models import (
    CONSENT_VERSION,
    CheckIn,
    Consent,
    Prescription,
    Status,
    WellbeingSurvey,
)

pytestmark = pytest.mark.django_db

ASKS_FOR_CONSENT = b"Agree and check in"
CHECK_IN_FORM = b'<button type="submit">Check in</button>'


@pytest.fixture
def other_consented(other_member):
    services.give_consent(member=other_member)
    return other_member


def health_data_of(member):
    """Everything 4C keeps about how the member is, with their steps' moods and statuses."""
    return {
        "check_ins": list(CheckIn.objects.filter(member=member).values("mood", "note")),
        "wellbeing": list(
            WellbeingSurvey.objects.filter(member=member).values("happy", "anxious")
        ),
        "steps": list(
            Prescription.objects.filter(member=member)
            .order_by("pk")
            .values("pk", "status", "mood_before", "mood_after")
        ),
        "spaces_read": SpaceRead.objects.filter(member=member).count(),
        "has_consent": selectors.has_consent(member),
    }


def give_a_history(member, space):
    """A check-in with its suggestions, one done with moods, wellbeing answers, a space read."""
    services.record_check_in(member=member, mood=3, energy=2, note="private words")
    done = Prescription.objects.filter(member=member).order_by("pk").first()
    services.complete_prescription(prescription=done, mood_after=6)
    services.record_wellbeing(member=member, life_satisfaction=6, worthwhile=7, happy=5, anxious=4)
    community.note_space_read(member=member, space_id=space.pk)


# --- Versions --------------------------------------------------------------------------


def test_consent_to_an_older_wording_asks_again_and_keeps_nothing_until_agreed(
    member_client, member
):
    # Old data: consent given to the earlier wording, before CONSENT_VERSION was bumped.
    # give_consent only ever writes the current version, so the row is written directly.
    Consent.objects.create(member=member, version=CONSENT_VERSION - 1)
    assert not selectors.has_consent(member)

    page = member_client.get("/check-in/")
    assert ASKS_FOR_CONSENT in page.content
    assert CHECK_IN_FORM not in page.content

    refused = member_client.post("/check-in/", {"mood": 5, "energy": 3})
    assert refused.status_code == 403
    assert ASKS_FOR_CONSENT in refused.content
    assert not CheckIn.objects.exists()
    assert not Prescription.objects.exists()

    member_client.post("/check-in/consent/", {"agree": "on"})
    assert Consent.objects.filter(member=member, version=CONSENT_VERSION).count() == 1
    assert CHECK_IN_FORM in member_client.get("/check-in/").content
    response = member_client.post("/check-in/", {"mood": 5, "energy": 3})
    assert response.status_code == 302
    assert response.url == "/prescriptions/"
    assert CheckIn.objects.get(member=member).mood == 5


def test_consent_to_an_older_wording_keeps_no_wellbeing_answers(member):
    # Old data, as above: consent given to the earlier wording.
    Consent.objects.create(member=member, version=CONSENT_VERSION - 1)

    with pytest.raises(services.NeedsConsent):
        services.record_wellbeing(
            member=member, life_satisfaction=6, worthwhile=7, happy=5, anxious=4
        )

    assert not WellbeingSurvey.objects.exists()


def test_agreeing_twice_keeps_one_current_consent(member_client, member):
    member_client.post("/check-in/consent/", {"agree": "on"})
    member_client.post("/check-in/consent/", {"agree": "on"})

    assert list(Consent.objects.filter(member=member).values_list("version", flat=True)) == [
        CONSENT_VERSION
    ]


# --- Withdrawing ---------------------------------------------------------------------------


def test_withdrawing_consent_erases_the_members_health_data_and_expires_open_steps(
    member_client, consented, other_consented, space
):
    give_a_history(consented, space)
    give_a_history(other_consented, space)
    mine = health_data_of(consented)
    assert mine["check_ins"]
    assert mine["wellbeing"]
    assert mine["spaces_read"]
    assert {s["status"] for s in mine["steps"]} == {Status.DONE, Status.SUGGESTED}
    assert any(s["mood_after"] == 6 for s in mine["steps"])
    theirs = health_data_of(other_consented)

    response = member_client.post("/settings/health-data/")

    assert response.status_code == 302
    assert response.url == "/settings/health-data/"
    after = health_data_of(consented)
    assert after["check_ins"] == []
    assert after["wellbeing"] == []
    assert after["spaces_read"] == 0
    assert after["has_consent"] is False
    assert [s["pk"] for s in after["steps"]] == [s["pk"] for s in mine["steps"]]  # steps stay
    assert {(s["mood_before"], s["mood_after"]) for s in after["steps"]} == {(None, None)}
    assert {s["status"] for s in after["steps"]} == {Status.DONE, Status.EXPIRED}
    assert not Consent.objects.filter(member=consented, withdrawn_at__isnull=True).exists()
    # Another member's data is untouched.
    assert health_data_of(other_consented) == theirs


def test_the_health_data_page_says_nothing_is_kept_after_withdrawing(member_client, consented):
    assert b"Withdraw consent and erase my check-ins" in (
        member_client.get("/settings/health-data/").content
    )

    member_client.post("/settings/health-data/")

    page = member_client.get("/settings/health-data/").content
    assert b"Withdraw consent and erase my check-ins" not in page
    assert b"You haven't agreed to 4C keeping check-ins" in page


def test_after_withdrawing_a_check_in_asks_for_consent_again(member_client, consented):
    services.record_check_in(member=consented, mood=4, energy=2)
    assert CHECK_IN_FORM in member_client.get("/check-in/").content

    member_client.post("/settings/health-data/")

    page = member_client.get("/check-in/")
    assert ASKS_FOR_CONSENT in page.content
    assert CHECK_IN_FORM not in page.content
    member_client.post("/check-in/", {"mood": 5, "energy": 3})
    assert not CheckIn.objects.exists()

    member_client.post("/check-in/consent/", {"agree": "on"})
    member_client.post("/check-in/", {"mood": 5, "energy": 3})
    assert CheckIn.objects.get(member=consented).mood == 5
