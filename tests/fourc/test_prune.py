"""The daily prune keeps the fastest-growing tables small, and deletes nothing still in use:
unread notifications, live sessions, nudges still being sent, anything recent."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from community import services
from community.models import MemberSession, Notification
from community.sessions import SessionStore
from fourc.lib.prune import delete_in_batches
from prescriptions import tasks
from prescriptions.models import NudgeKind, NudgeLog, NudgeStatus
from prescriptions.nudges import delivery


def _notification(member, *, age_days, read_days_ago=None):
    now = timezone.now()
    return Notification.objects.create(
        recipient=member,
        kind="test_kind",
        created_at=now - timedelta(days=age_days),
        read_at=None if read_days_ago is None else now - timedelta(days=read_days_ago),
    )


def test_read_notifications_go_after_six_months_unread_ones_stay(member):
    old_read = _notification(member, age_days=400, read_days_ago=200)
    old_unread = _notification(member, age_days=400)
    recently_read = _notification(member, age_days=400, read_days_ago=30)
    new = _notification(member, age_days=1, read_days_ago=0)

    done = services.prune()

    assert done["notifications"] == 1
    left = set(Notification.objects.values_list("pk", flat=True))
    assert left == {old_unread.pk, recently_read.pk, new.pk}
    assert old_read.pk not in left


def test_expired_sessions_go_live_ones_stay(member):
    live = SessionStore()
    live["x"] = 1
    live.create()
    expired = SessionStore()
    expired["x"] = 2
    expired.create()
    MemberSession.objects.filter(pk=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert services.prune()["sessions"] == 1
    assert list(MemberSession.objects.values_list("pk", flat=True)) == [live.session_key]


def _log(member, *, period, status, age_days):
    return NudgeLog.objects.create(
        member=member,
        kind=NudgeKind.DIGEST,
        period=period,
        status=status,
        claimed_at=timezone.now() - timedelta(days=age_days),
    )


def test_finished_nudge_logs_go_after_ninety_days(member):
    sent = _log(member, period="a", status=NudgeStatus.SENT, age_days=91)
    failed = _log(member, period="b", status=NudgeStatus.FAILED, age_days=120)
    skipped = _log(member, period="c", status=NudgeStatus.SKIPPED, age_days=365)
    still_claimed = _log(member, period="d", status=NudgeStatus.CLAIMED, age_days=120)
    recent = _log(member, period="e", status=NudgeStatus.SENT, age_days=89)

    assert tasks.prune_nudge_logs() == 3

    left = set(NudgeLog.objects.values_list("pk", flat=True))
    assert left == {still_claimed.pk, recent.pk}
    assert not left & {sent.pk, failed.pk, skipped.pk}
    assert delivery.prune_logs() == 0  # a second run finds nothing


def test_a_run_stops_after_its_batches_and_the_next_takes_the_rest(member):
    for n in range(5):
        _notification(member, age_days=400, read_days_ago=300 + n)
    old = Notification.objects.filter(read_at__isnull=False)

    assert delete_in_batches(old, batch=2, batches=2) == 4
    assert Notification.objects.count() == 1
    assert delete_in_batches(old, batch=2, batches=2) == 1
    assert delete_in_batches(old, batch=2, batches=2) == 0


def test_beat_runs_both_prunes_every_hour():
    entries = settings.CELERY_BEAT_SCHEDULE.values()
    schedule = {entry["task"]: entry["schedule"] for entry in entries}
    assert schedule["community.prune"] == timedelta(hours=1)
    assert schedule["prescriptions.prune_nudge_logs"] == timedelta(hours=1)
