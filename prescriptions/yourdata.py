"""The prescriptions' areas of a member's copy of their data (community/yourdata.py has
the registry and the community's areas). Imported by PrescriptionsConfig.ready().

Health data (check-ins, moods, notes, wellbeing answers) is the member's own: it is in
their copy, and only there: never in the email that says the copy is ready.
"""

from django.db.models import Count, Max

from community.models import User
from community.yourdata import area, rows_of, set_aside
from prescriptions.models import (
    CheckIn,
    Consent,
    LinkWorkerAccess,
    LinkWorkerConsent,
    NudgeLog,
    NudgePreferences,
    Prescription,
    SkipReason,
    Status,
    WellbeingSurvey,
)


@area(
    "health_data_consent",
    about="Each time you agreed to 4C keeping your check-ins, and any time you took it back.",
    covers=["prescriptions.Consent.member"],
)
def _consents(member: User):
    return rows_of(
        Consent.objects.filter(member=member)
        .order_by("given_at", "id")
        .values("version", "given_at", "withdrawn_at")
    )


@area(
    "check_ins",
    about="Your check-ins: mood, energy, what you felt like doing, and your private notes.",
    covers=["prescriptions.CheckIn.member"],
)
def _check_ins(member: User):
    return rows_of(
        CheckIn.objects.filter(member=member)
        .order_by("created_at", "id")
        .values("id", "created_at", "mood", "energy", "urge", "note", "in_crisis"),
        lambda row: {**row, "urge": row["urge"] or None},
    )


@area(
    "steps",
    about="Your steps: what was suggested and why, by 4C or your link worker, what you "
    "did, set aside or planned, and your mood before and after.",
    covers=["prescriptions.Prescription.member"],
)
def _steps(member: User):
    rows = (
        Prescription.objects.filter(member=member)
        .order_by("created_at", "id")
        .values(
            "id", "activity__title", "activity__way", "reason", "prescriber__display_name",
            "personal_message", "check_in_id", "post_id", "gathering_id", "status",
            "skip_reason", "planned_for", "mood_before", "mood_after",
            "completed_automatically", "created_at", "completed_at", "score_parts",
        )
    )  # fmt: skip

    def shape(row):
        return {
            "id": row["id"],
            "activity": row["activity__title"],
            "way": row["activity__way"],
            "reason": row["reason"],
            # Null: 4C suggested it; otherwise the link worker you invited.
            "suggested_by": row["prescriber__display_name"],
            "personal_message": row["personal_message"],
            "after_check_in": row["check_in_id"],
            "post": row["post_id"],
            "gathering": row["gathering_id"],
            "status": row["status"],
            "skip_reason": row["skip_reason"] or None,
            "planned_for": row["planned_for"],
            "mood_before": row["mood_before"],
            "mood_after": row["mood_after"],
            "done_automatically": row["completed_automatically"],
            "created_at": row["created_at"],
            "completed_at": row["completed_at"],
            "how_4c_chose_it": row["score_parts"],
        }

    return rows_of(rows, shape)


@area(
    "not_for_me",
    about="The steps you said “not for me” to, how often and when last.",
)
def _not_for_me(member: User):
    return rows_of(
        Prescription.objects.filter(
            member=member, status=Status.SKIPPED, skip_reason=SkipReason.NOT_FOR_ME
        )
        .values("activity__title")
        .annotate(times=Count("id"), last=Max("created_at"))
        .order_by("activity__title"),
        lambda row: {"activity": row["activity__title"], "times": row["times"],
                     "last": row["last"]},
    )  # fmt: skip


@area(
    "wellbeing",
    about="Your answers to the wellbeing check (the four questions, 0 to 10).",
    covers=["prescriptions.WellbeingSurvey.member"],
)
def _wellbeing(member: User):
    return rows_of(
        WellbeingSurvey.objects.filter(member=member)
        .order_by("created_at", "id")
        .values("created_at", "life_satisfaction", "worthwhile", "happy", "anxious")
    )


@area(
    "link_workers",
    about="The link workers you invited, when, and when you took it back.",
    covers=["prescriptions.LinkWorkerConsent.member"],
)
def _link_workers(member: User):
    return rows_of(
        LinkWorkerConsent.objects.filter(member=member)
        .order_by("granted_at", "id")
        .values(
            "link_worker__handle", "link_worker__display_name", "granted_at", "revoked_at"
        ),
        lambda row: {"handle": row["link_worker__handle"],
                     "display_name": row["link_worker__display_name"],
                     "granted_at": row["granted_at"], "revoked_at": row["revoked_at"]},
    )  # fmt: skip


@area(
    "link_worker_access_log",
    about="Each time a link worker looked at your steps or suggested one.",
    covers=["prescriptions.LinkWorkerAccess.member"],
)
def _access_log(member: User):
    return rows_of(
        LinkWorkerAccess.objects.filter(member=member)
        .order_by("at", "id")
        .values("link_worker__display_name", "what", "at"),
        lambda row: {"link_worker": row["link_worker__display_name"] or "A former link worker",
                     "what": row["what"], "at": row["at"]},
    )  # fmt: skip


PREFERENCE_FIELDS = (
    "daily_step", "daily_at", "weekly", "gatherings", "digest", "welcome_back", "link_worker",
    "include_mood", "quiet_from", "quiet_until", "daily_cap", "paused_until", "last_visit_at",
    "daily_due_at", "weekly_due_at", "digest_due_at", "welcome_back_due_at", "updated_at",
)  # fmt: skip


@area(
    "email_preferences",
    about="What you asked 4C to email you, when, your quiet hours and breaks.",
    covers=["prescriptions.NudgePreferences.member"],
)
def _email_preferences(member: User) -> dict:
    return NudgePreferences.objects.filter(member=member).values(*PREFERENCE_FIELDS).first() or {}


@area(
    "emails_sent",
    about="The reminder emails 4C sent you, or held back, and why.",
    covers=["prescriptions.NudgeLog.member"],
)
def _emails_sent(member: User):
    return rows_of(
        NudgeLog.objects.filter(member=member)
        .order_by("claimed_at", "id")
        .values("kind", "period", "status", "reason", "due_at", "finished_at")
    )


for _field, _why in {
    "prescriptions.Prescription.prescriber": (
        "Steps a link worker suggested belong to the members they suggested them to."
    ),
    "prescriptions.LinkWorkerConsent.link_worker": (
        "A link worker's caseload: each member's consent is that member's data."
    ),
    "prescriptions.LinkWorkerAccess.link_worker": (
        "What a link worker looked at is in the access log of the member they looked at."
    ),
}.items():
    set_aside(_field, _why)
