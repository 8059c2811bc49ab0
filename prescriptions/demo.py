"""Demo health data for one demo member (Maya), so insights show something real.

Weeks of check-ins and prescriptions, done and skipped, with moods before and
after, and Jordan as her link worker. Idempotent: skipped when Maya already has
check-ins.
"""

import random
from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from community.models import User
from prescriptions import services
from prescriptions.models import Activity, CheckIn, Prescription, SkipReason, Status
from prescriptions.nudges import services as nudges

DEMO_HANDLE = "maya"
LINK_WORKER_HANDLE = "jordan"
DAYS = 35


@transaction.atomic
def seed_health_data() -> dict[str, int | bool]:
    """Gives Maya her weeks of health data, once; returns what she has now (counted in
    the database, so a second run reports the same) and whether it was new."""
    member = User.objects.filter(handle=DEMO_HANDLE).first()
    if member is None:
        return {"check_ins": 0, "prescriptions": 0, "new": False}
    new = not CheckIn.objects.filter(member=member).exists()
    if new:
        _seed_weeks(member)
    return {
        "check_ins": CheckIn.objects.filter(member=member).count(),
        "prescriptions": Prescription.objects.filter(member=member).count(),
        "new": new,
    }


def _seed_weeks(member: User) -> None:
    services.give_consent(member=member)
    rng = random.Random(4)  # noqa: S311 - demo data, not secrets
    activities = list(
        Activity.objects.filter(is_active=True).exclude(slug="reach-out-to-someone-now")
    )
    lifts = {"connect": 2, "give": 2, "be_active": 1, "take_notice": 1, "keep_learning": 0}
    now = timezone.now()
    check_ins, prescriptions = [], []
    for day in range(DAYS, 0, -1):
        if rng.random() < 0.25:  # some days there's no check-in, and that's fine
            continue
        at = now - timedelta(days=day, hours=rng.randint(0, 8))
        energy = rng.randint(1, 4)
        mood = max(0, min(10, 3 + (DAYS - day) // 8 + rng.randint(-1, 2)))
        check_in = CheckIn(
            member=member, mood=mood, energy=energy, urge=rng.choice(["", "keep_to_myself",
            "stay_in_bed", "ruminate"]), created_at=at,
        )  # fmt: skip
        check_ins.append(check_in)
        for activity in rng.sample([a for a in activities if a.energy <= energy], 2):
            roll = rng.random()
            status = (
                Status.DONE if roll < 0.6 else Status.SKIPPED if roll < 0.8 else Status.EXPIRED
            )
            after = None
            if status == Status.DONE:
                after = max(0, min(10, mood + lifts[activity.way] + rng.randint(-1, 1)))
            prescriptions.append(
                Prescription(
                    member=member,
                    activity=activity,
                    reason="A small step for today.",
                    check_in=check_in,
                    status=status,
                    skip_reason=SkipReason.NOT_NOW if status == Status.SKIPPED else "",
                    mood_before=mood,
                    mood_after=after,
                    created_at=at,
                    completed_at=at + timedelta(hours=2) if status == Status.DONE else None,
                )
            )
    CheckIn.objects.bulk_create(check_ins)
    Prescription.objects.bulk_create(prescriptions)
    _invite_link_worker(member, activities)


def _invite_link_worker(member, activities) -> None:
    """Maya has invited Jordan, her link worker, who suggested one step: so the link
    worker's pages show something too."""
    link_worker = User.objects.filter(handle=LINK_WORKER_HANDLE).first()
    if link_worker is None:
        return
    services.invite_link_worker(member=member, handle=link_worker.handle)
    services.prescribe_as_link_worker(
        link_worker=link_worker,
        member=member,
        activity=next(a for a in activities if a.is_connection and a.energy <= 2),
        message="You mentioned the morning walks help. Maybe one this week, with a friend?",
    )


def seed_nudges(*, now=None) -> str:
    """Maya asked for a daily step, due a minute from now in her time, with no quiet
    hours: so `make run` shows a nudge printed in the terminal soon after it starts.
    Once a day, as for everyone: a second run on the same day sends nothing new.
    Returns when it is due, in her time."""
    member = User.objects.filter(handle=DEMO_HANDLE).first()
    if member is None:
        return ""
    now = now or timezone.now()
    at = (now + timedelta(minutes=1)).astimezone(member.tzinfo)
    prefs = nudges.update_preferences(
        member=member,
        daily_step=True,
        daily_at=at.time().replace(second=0, microsecond=0),
        quiet_from=time(0),
        quiet_until=time(0),  # the same: no quiet hours
        now=now,
    )
    return f"{prefs.daily_due_at.astimezone(member.tzinfo):%H:%M} ({member.time_zone})"
