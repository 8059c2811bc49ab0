"""The demo (`seed_demo`): Maya's weeks of health data make insights real, and Jordan,
her link worker, has something to see."""

import io

import pytest
from django.core.management import call_command

from community.models import User
from prescriptions.models import CheckIn, LinkWorkerConsent, Prescription, Status


@pytest.fixture
def seeded(db):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return User.objects.get(handle="maya")


@pytest.mark.django_db
def test_maya_has_weeks_of_check_ins_and_steps_done_with_moods(seeded):
    check_ins = CheckIn.objects.filter(member=seeded)
    done = Prescription.objects.filter(member=seeded, status=Status.DONE)

    assert check_ins.count() >= 20
    assert (max(c.created_at for c in check_ins) - min(c.created_at for c in check_ins)).days >= 21
    assert done.filter(mood_before__isnull=False, mood_after__isnull=False).count() >= 15


@pytest.mark.django_db
def test_mayas_insights_show_what_lifts_her(client, seeded):
    client.force_login(seeded)

    page = client.get("/insights/").content.decode()

    assert "lifted your mood by" in page
    assert "<svg" in page


@pytest.mark.django_db
def test_jordan_sees_maya_and_her_step_from_him_and_a_second_run_adds_nothing(client, seeded):
    jordan = User.objects.get(handle="jordan")
    client.force_login(jordan)

    assert "Maya" in client.get("/link-workers/members/").content.decode()
    page = client.get("/link-workers/members/maya/").content.decode()
    assert "morning walks help" in page

    before = (CheckIn.objects.count(), Prescription.objects.count())
    call_command("seed_demo", force=True, stdout=io.StringIO())
    assert (CheckIn.objects.count(), Prescription.objects.count()) == before
    assert LinkWorkerConsent.objects.filter(member=seeded, revoked_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_maya_is_pointed_at_someone_waiting_in_a_space_she_knows(seeded):
    from prescriptions import selectors
    from prescriptions.models import CheckIn

    check_in = CheckIn(member=seeded, mood=3, energy=1, urge="keep_to_myself", note="")
    _, _, targets = selectors.engine_inputs(seeded, check_in=check_in)

    assert targets.waiting_posts
    # She follows three spaces and has read two more; Making things is neither.
    assert "Making things" not in {t.space for t in targets.waiting_posts}


@pytest.mark.django_db
def test_a_second_run_reports_the_health_data_maya_still_has(seeded):
    again = io.StringIO()
    call_command("seed_demo", force=True, stdout=again)

    check_ins = CheckIn.objects.filter(member=seeded).count()
    steps = Prescription.objects.filter(member=seeded).count()
    assert check_ins >= 20
    assert f"Health data for Maya: {check_ins} check-ins, {steps} steps (none new" in (
        again.getvalue()
    )
