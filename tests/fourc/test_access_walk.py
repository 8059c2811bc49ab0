"""Nobody reads or changes what is someone else's: every URL, every kind of outsider.

Every URL pattern of 4C, walked from the resolver (a new view is walked without
touching this file, and fails until `EXPECTED` says what each outsider gets), is
requested with GET and with POST, its keywords filled with Maya's things: her steps,
her notification, her own post that a moderator hid, her gatherings, the space that
holds her draft, her handle, and tokens like hers (the real ones are her word, and
only she holds them). The outsiders are Sam, another member; a visitor; Rosa, a
moderator with two-factor; and Jordan, a link worker whose access Maya took back.

For each request:
- the answer is the one `EXPECTED` names for that URL, object and outsider: a 404 or
  403, a 405 for the wrong method, a 400 for a forged token, the way to log in for a
  visitor, or a page that is theirs to see (a post in a space for members, their own
  settings);
- no answer carries one of Maya's private markers (her steps and check-in note, her
  drafts, her hidden words, her muted words and whom she blocked, her place kept off
  a list, her email address, her tokens), and a visitor's carries nothing members
  wrote either;
- afterwards, every row of Maya's is as it was (each request runs in a savepoint that
  is rolled back, so one outsider's POST never changes what the next request sees).

Maya's own walk shows the markers are there to be found, so their absence means
something; and the walk counts every pattern the resolver has, but for the
exclusions in tests/urlwalk.py.
"""

import itertools
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import signing
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from community import deletion, moderation
from community import services as community
from community.models import (
    RSVP,
    Block,
    CalendarToken,
    Draft,
    Gathering,
    GatheringFormat,
    GuidelinesAcceptance,
    HiddenSpace,
    MutedWord,
    Notification,
    Post,
    PostFollow,
    Reaction,
    ReactionKind,
    Reply,
    Report,
    SpaceFollow,
    SpaceRead,
    User,
    reaction_count_field,
)
from community.yourdata import download_token
from prescriptions import services as prescriptions
from prescriptions.models import (
    CheckIn,
    Consent,
    LinkWorkerAccess,
    LinkWorkerConsent,
    NudgeKind,
    NudgeLog,
    NudgePreferences,
    Prescription,
    WellbeingSurvey,
)
from prescriptions.nudges import services as nudges
from tests import urlwalk
from tests.factories import (
    ActivityFactory,
    CalendarTokenFactory,
    DataExportFactory,
    GatheringFactory,
    HostFactory,
    LinkWorkerFactory,
    ModeratorFactory,
    NotificationFactory,
    PostFactory,
    PrescriptionFactory,
    ReplyFactory,
    SpaceFactory,
    UserFactory,
    WellbeingSurveyFactory,
)
from tests.fourc.test_admin_and_roles import enrol_totp

OUTSIDERS = ("sam", "visitor", "moderator", "link_worker")

# What an answer can be. A redirect to the login page is LOGIN; any other redirect is
# REDIRECT (where an outsider's own action lands: their post, their settings).
LOGIN = "login"
REDIRECT = "redirect"


# --- The scene ----------------------------------------------------------------------


@dataclass
class Scene:
    maya: User
    actors: dict  # outsider -> the User (None for the visitor)
    # The things of Maya's a URL's keywords take, as [(label, value)]: by keyword, by
    # URL name prefix (tests/urlwalk.py, `values_for`), and the tokens by walker
    # ("maya" holds hers; an "outsider" only forged or altered ones).
    common: dict
    objects: dict
    tokens: dict
    queries: dict  # URL name -> a query string it is asked with
    # Markers, by name: what nobody but Maya (and Lee, for her steps) may see; what any
    # member may see and no visitor; and her name, which she kept off the list of who
    # is going to Ade's gathering and which Jordan's caseload lost with his access.
    private: dict
    members_only: dict
    kept_off_lists: dict
    bodies: dict  # URL name -> the POST an outsider sends
    others: dict  # Lee, her link worker; Ade, the host of the gathering she joined
    joined: Gathering


def build_scene() -> Scene:
    """Maya with something private of hers behind every URL that takes an id, a
    handle or a token; every text of hers carries a marker made for this run."""
    run = uuid.uuid4().hex[:8]

    def secret(what):  # one word: it survives Markdown, escaping and search snippets
        return f"ownersecret{run}{what}"

    def shared(what):
        return f"ownermembers{run}{what}"

    rosa = ModeratorFactory(handle=f"rosa_{run}", display_name="Rosa")
    enrol_totp(rosa)
    sam = UserFactory(handle=f"sam_{run}", display_name="Sam")
    jordan = LinkWorkerFactory(handle=f"jordan_{run}", display_name="Jordan")
    lee = LinkWorkerFactory(handle=f"lee_{run}", display_name="Lee")
    ade = HostFactory(handle=f"ade_{run}", display_name="Ade")
    bea = UserFactory(display_name=f"Bea {secret('blocked')}")
    maya = HostFactory(
        email=f"{secret('email')}@example.org",
        handle=f"maya_{run}",
        display_name=f"Maya {shared('name')}",
        bio=f"About me: {shared('bio')}",
    )
    space = SpaceFactory(slug=f"members-{run}", name="Members' room")
    elsewhere = SpaceFactory(slug=f"elsewhere-{run}", name="Another room")

    # Her words: one post for members, one a moderator hid, replies, drafts.
    post = PostFactory(
        author=maya, space=space, title=shared("posttitle"), body=f"{shared('postbody')} hello"
    )
    hidden = PostFactory(
        author=maya,
        space=space,
        title=secret("hiddentitle"),
        body=f"{secret('hiddenbody')} lanternfish",
    )
    moderation.hide(content=hidden, moderator=rosa, note="Hidden for the walk.")
    ades_post = PostFactory(author=ade, space=space, title="Ade's question")
    reply = ReplyFactory(post=ades_post, author=maya, body=shared("reply"))
    hidden_reply = ReplyFactory(post=ades_post, author=maya, body=secret("hiddenreply"))
    moderation.hide(content=hidden_reply, moderator=rosa, note="Hidden for the walk.")
    community.set_muted_words(member=maya, phrases=[secret("mutedword")])
    community.block_member(blocker=maya, blocked=bea)
    community.report(reporter=maya, post=ades_post, reason="unkind", details="Unkind words.")
    community.follow_space(member=maya, space=space)
    notification = NotificationFactory(recipient=maya, actor=ade, post=post)

    # Her gatherings: one she hosts, one where she took a place off the list.
    hosted = GatheringFactory(
        host=maya,
        space=space,
        title=shared("hosted"),
        join_url=f"https://meet.example.org/{secret('joinlink')}",
    )
    joined = GatheringFactory(host=ade, space=space, title=shared("joined"))
    community.rsvp(gathering=joined, member=maya, is_private=True)
    # Drafts last: publishing in a space (a gathering's discussion post) clears hers.
    community.save_draft(
        member=maya, space=space, title=secret("drafttitle"), body=secret("draftbody")
    )
    community.save_draft(member=maya, post=post, body=secret("replydraft"))
    calendar = CalendarTokenFactory(member=maya)

    # Her health data, and the link workers: Lee with her consent, Jordan without.
    prescriptions.give_consent(member=maya)
    prescriptions.record_check_in(member=maya, mood=3, energy=2, urge="", note=secret("note"))
    WellbeingSurveyFactory(member=maya)
    prescriptions.invite_link_worker(member=maya, handle=jordan.handle)
    prescriptions.revoke_link_worker(member=maya, link_worker=jordan)
    prescriptions.invite_link_worker(member=maya, handle=lee.handle)
    step = PrescriptionFactory(
        member=maya, activity=ActivityFactory(title="Send one kind word"), reason=secret("reason")
    )
    prescriptions.prescribe_as_link_worker(
        link_worker=lee, member=maya, activity=step.activity, message=secret("leesmessage")
    )
    set_aside = PrescriptionFactory(member=maya, activity=ActivityFactory(title="A walk"))
    prescriptions.skip_prescription(prescription=set_aside, reason="not_for_me")
    nudges.take_a_break(member=maya, days=3, spaces=[elsewhere])
    stop = nudges.stop_token(member=maya, kind=NudgeKind.DAILY_STEP)
    export = DataExportFactory(member=maya)
    her_copy = download_token(export)
    asked_to_go = deletion.request_deletion(member=maya, mode="keep")
    goodbye = deletion.confirmation_token(asked_to_go)

    def altered(token):  # one character changed, as someone guessing would
        return token[:-1] + ("A" if token[-1] != "A" else "B")

    starts = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    gathering_form = {
        "title": "Someone else's change",
        "space": space.pk,
        "description": "Changed.",
        "starts_at": starts,
        "duration_minutes": 60,
        "format": GatheringFormat.ONLINE,
        "join_url": "https://meet.example.org/elsewhere",
    }
    return Scene(
        maya=maya,
        actors={"sam": sam, "visitor": None, "moderator": rosa, "link_worker": jordan},
        common={"slug": [("members", space.slug)], "handle": [("maya", maya.handle)]},
        objects={
            "community:post-": {"pk": [("open", post.pk), ("hidden", hidden.pk)]},
            "community:reply-": {"pk": [("open", reply.pk), ("hidden", hidden_reply.pk)]},
            "community:gathering-": {"pk": [("hosted", hosted.pk), ("place", joined.pk)]},
            "community:notification-": {"pk": [("hers", notification.pk)]},
            "prescriptions:": {"pk": [("hers", step.pk)]},
        },
        tokens={
            "outsider": {
                "community:calendar-feed": {
                    "token": [
                        ("forged", secrets.token_urlsafe(32)),
                        ("altered", altered(calendar.token)),
                    ]
                },
                "prescriptions:nudge-stop": {
                    "token": [
                        ("forged", signing.dumps({"m": maya.pk, "k": NudgeKind.DAILY_STEP})),
                        ("altered", altered(stop)),
                    ]
                },
                "community:your-data-download": {
                    "token": [
                        ("forged", signing.dumps({"m": maya.pk, "e": export.pk})),
                        ("altered", altered(her_copy)),
                    ]
                },
                "community:account-delete-confirm": {
                    "token": [
                        ("forged", signing.dumps({"d": asked_to_go.pk, "m": maya.pk})),
                        ("altered", altered(goodbye)),
                    ]
                },
            },
            "maya": {
                "community:calendar-feed": {"token": [("hers", calendar.token)]},
                "prescriptions:nudge-stop": {"token": [("hers", stop)]},
                "community:your-data-download": {"token": [("hers", her_copy)]},
                "community:account-delete-confirm": {"token": [("hers", goodbye)]},
            },
        },
        queries={
            "community:search": "?q=lanternfish",  # a word of her hidden post
            "community:gathering-list": f"?space={space.slug}",
        },
        private={
            "email": maya.email,
            "hidden title": secret("hiddentitle"),
            "hidden body": secret("hiddenbody"),
            "hidden reply": secret("hiddenreply"),
            "draft title": secret("drafttitle"),
            "draft body": secret("draftbody"),
            "reply draft": secret("replydraft"),
            "muted word": secret("mutedword"),
            "blocked": secret("blocked"),
            "join link": secret("joinlink"),
            "note": secret("note"),
            "reason": secret("reason"),
            "Lee's message": secret("leesmessage"),
            "calendar token": calendar.token,
            "stop token": stop,
        },
        members_only={
            "name": shared("name"),
            "bio": shared("bio"),
            "post title": shared("posttitle"),
            "post body": shared("postbody"),
            "reply": shared("reply"),
            "hosted": shared("hosted"),
            "joined": shared("joined"),
        },
        kept_off_lists={"name": shared("name"), "handle": maya.handle},
        others={"lee": lee, "ade": ade},
        joined=joined,
        bodies={
            # Where a field names someone, it names Maya or one of hers.
            "community:profile-settings": {
                "display_name": "Someone",
                "handle": maya.handle,
                "time_zone": "Europe/London",
            },
            "community:muted-words": {"words": "spiders"},
            "community:post-create": {
                "title": "Hello",
                "body": "A small hello.",
                "intent": "support",
            },
            "community:post-detail": {"body": "I hear you."},
            "community:post-edit": {
                "title": "Someone else's change",
                "body": "Changed.",
                "intent": "support",
            },
            "community:post-react": {"reaction": "hear:1"},
            "community:post-report": {"reason": "unkind"},
            "community:reply-edit": {"body": "Someone else's change"},
            "community:reply-react": {"reaction": "hear:1"},
            "community:reply-report": {"reason": "unkind"},
            "community:member-report": {"reason": "unkind"},
            "community:gathering-create": gathering_form,
            "community:gathering-edit": gathering_form,
            "community:gathering-rsvp": {"is_private": "on"},
            "community:gathering-attended": {"member": maya.handle},
            "community:calendar-settings": {"action": "revoke"},
            "prescriptions:check-in": {"mood": 5, "energy": 3, "note": "Mine."},
            "prescriptions:consent": {"agree": "on"},
            "prescriptions:not-for-me": {"activity": set_aside.activity_id},
            "prescriptions:nudge-settings": {
                "daily_at": "10:00",
                "gatherings": "on",
                "quiet_from": "22:00",
                "quiet_until": "08:00",
                "daily_cap": 2,
            },
            "prescriptions:nudge-break": {"days": 3, "spaces": [space.pk]},
            "prescriptions:plan": {"when": ""},
            "prescriptions:done": {"mood_after": 6, "mood_before": 4},
            "prescriptions:feel": {"mood_after": 6, "mood_before": 4},
            "prescriptions:skip": {"reason": "not_now"},
            "prescriptions:wellbeing": {
                "life_satisfaction": 6,
                "worthwhile": 6,
                "happy": 6,
                "anxious": 3,
            },
            "prescriptions:tell-link-worker": {"link_worker": lee.handle, "back": "feed"},
            "prescriptions:link-workers": {"action": "revoke", "link_worker": lee.handle},
            "prescriptions:link-worker-member": {
                "activity": step.activity_id,
                "message": "Without her consent.",
            },
        },
    )


# --- What an outsider gets ------------------------------------------------------------


def members(answer, *, visitor=LOGIN, **others) -> dict:
    """`answer` for Sam, the moderator and the link worker (unless `others` says), and
    `visitor` for the visitor: by default, the way to log in."""
    return {"sam": answer, "moderator": answer, "link_worker": answer, "visitor": visitor} | others


def everyone(answer) -> dict:
    return members(answer, visitor=answer)


class ByObject(dict):
    """Answers that depend on which of Maya's things the URL took (Scene.objects'
    labels): a post for members ("open") or the one a moderator hid ("hidden")."""


NOT_TAKEN = everyone(405)  # a page asked with POST, or an action asked with GET

# URL name -> (answers to GET, answers to POST). Each answer is the whole of what that
# outsider may get; what Maya keeps private is checked in every answer besides.
EXPECTED = {
    # The front door, for everyone.
    "home": (everyone(200), NOT_TAKEN),
    "healthz": (everyone(200), NOT_TAKEN),
    "ping": (everyone(200), NOT_TAKEN),
    "community:help": (everyone(200), NOT_TAKEN),
    "community:guidelines": (everyone(200), members(REDIRECT)),  # agreeing again: home
    "community:space-list": (everyone(200), NOT_TAKEN),
    "community:reply-tips-dismiss": (NOT_TAKEN, everyone(REDIRECT)),  # only their session
    "favicon": (everyone(REDIRECT), NOT_TAKEN),
    # Their own pages and settings: theirs, never hers.
    "community:profile-settings": (members(200), members(400)),  # her handle is taken
    "community:blocked": (members(200), NOT_TAKEN),
    "community:muted-words": (members(200), members(REDIRECT)),
    "community:hidden-spaces-show": (NOT_TAKEN, members(REDIRECT)),
    "community:suspension": (members(REDIRECT), NOT_TAKEN),  # nobody here is suspended
    "community:notifications": (members(200), NOT_TAKEN),
    "community:notifications-read-all": (NOT_TAKEN, members(REDIRECT)),
    "community:notification-read": (NOT_TAKEN, members(REDIRECT)),  # only their own: hers stays
    "community:calendar-settings": (members(200), members(REDIRECT)),
    "settings": (members(REDIRECT), NOT_TAKEN),  # their first settings page
    "community:your-data": (members(200), members(REDIRECT)),  # a copy of their own
    "community:account-delete": (members(200), members(200)),  # an empty form: asked again
    "community:account-deletion-scheduled": (members(REDIRECT), members(REDIRECT)),
    "prescriptions:check-in": (members(200), members(403)),  # they haven't agreed to keep theirs
    "prescriptions:consent": (NOT_TAKEN, members(REDIRECT)),
    "prescriptions:health-data": (members(200), members(REDIRECT)),  # erases their own
    "prescriptions:not-for-me": (members(200), members(REDIRECT)),  # her step: nothing to undo
    "prescriptions:nudge-settings": (members(200), members(REDIRECT)),
    "prescriptions:nudge-break": (NOT_TAKEN, members(REDIRECT)),
    "prescriptions:nudge-break-end": (NOT_TAKEN, members(REDIRECT)),
    "prescriptions:feed": (members(200), NOT_TAKEN),
    "prescriptions:insights": (members(200), NOT_TAKEN),
    "prescriptions:wellbeing": (members(200), members(403)),  # no consent of their own
    "prescriptions:tell-link-worker": (NOT_TAKEN, members(400)),  # Lee isn't theirs to tell
    "prescriptions:link-workers": (members(200), members(400)),  # nor theirs to stop
    # What members write is for members; only its author changes it.
    "community:space-detail": (members(200), NOT_TAKEN),
    "community:space-follow": (NOT_TAKEN, members(REDIRECT)),
    "community:post-create": (members(200), members(REDIRECT)),  # their post, not her draft
    "community:unanswered": (members(200), NOT_TAKEN),
    "community:search": (members(200), NOT_TAKEN),
    "community:post-detail": (
        ByObject(open=members(200), hidden=everyone(404)),
        ByObject(open=members(REDIRECT), hidden=everyone(404)),  # a reply of theirs
    ),
    "community:post-edit": (members(404), members(404)),
    "community:post-delete": (members(404), members(404)),
    "community:post-follow": (NOT_TAKEN, ByObject(open=members(REDIRECT), hidden=members(404))),
    "community:post-react": (NOT_TAKEN, ByObject(open=members(REDIRECT), hidden=members(404))),
    "community:post-report": (
        ByObject(open=members(200), hidden=members(404)),
        ByObject(open=members(REDIRECT), hidden=members(404)),
    ),
    "community:reply-edit": (members(404), members(404)),
    "community:reply-delete": (members(404), members(404)),
    "community:reply-react": (NOT_TAKEN, ByObject(open=members(REDIRECT), hidden=members(404))),
    "community:reply-report": (
        ByObject(open=members(200), hidden=members(404)),
        ByObject(open=members(REDIRECT), hidden=members(404)),
    ),
    "community:member-detail": (members(200), NOT_TAKEN),  # her profile, for members
    "community:member-block": (NOT_TAKEN, members(REDIRECT)),
    "community:member-unblock": (NOT_TAKEN, members(REDIRECT)),
    "community:member-report": (members(200), members(REDIRECT)),
    # Gatherings: for members; only the host changes one or says who came.
    "community:gathering-list": (members(200), NOT_TAKEN),
    "community:gathering-past": (members(200), NOT_TAKEN),
    "community:gathering-create": (  # moderators and link workers may host
        members(200, sam=403),
        members(REDIRECT, sam=403),
    ),
    "community:gathering-detail": (members(200), NOT_TAKEN),
    "community:gathering-ics": (members(200), NOT_TAKEN),
    "community:gathering-edit": (members(403), members(403)),
    "community:gathering-cancel": (members(403), members(403)),
    "community:gathering-rsvp": (NOT_TAKEN, members(REDIRECT)),  # a place of their own
    "community:gathering-leave": (NOT_TAKEN, members(REDIRECT)),  # they had none: nothing
    "community:gathering-attended": (NOT_TAKEN, members(403)),  # saying she came
    # Tokens that aren't hers.
    "community:calendar-feed": (everyone(404), NOT_TAKEN),
    "prescriptions:nudge-stop": (everyone(400), everyone(400)),
    "community:your-data-download": (members(404), NOT_TAKEN),
    "community:account-delete-confirm": (members(400), members(400)),
    # Her steps, and the link worker's pages: hers alone, and Lee's with her consent.
    "prescriptions:plan": (NOT_TAKEN, members(404)),
    "prescriptions:done": (NOT_TAKEN, members(404)),
    "prescriptions:feel": (NOT_TAKEN, members(404)),
    "prescriptions:skip": (NOT_TAKEN, members(404)),
    "prescriptions:reached-out": (NOT_TAKEN, members(404)),
    "prescriptions:caseload": (members(403, link_worker=200), NOT_TAKEN),  # Jordan's, without her
    "prescriptions:link-worker-member": (members(404), members(404)),
}


def expected(name: str, label: str, method: str, outsider: str):
    answers = EXPECTED[name][0 if method == "get" else 1]
    if isinstance(answers, ByObject):
        answers = answers[label]
    return answers[outsider]


def forbidden(scene: Scene, outsider: str, name: str, label: str) -> dict:
    """The markers this outsider must not find in this answer, by name."""
    markers = dict(scene.private)
    if outsider == "visitor":
        markers |= scene.members_only
    if label == "place" or name == "prescriptions:caseload":
        markers |= scene.kept_off_lists
    return markers


# --- Maya's rows ------------------------------------------------------------------------

# (model, the field that makes a row Maya's, fields others' own actions move: her
# post's counters when someone replies to it, her words' reaction counts when someone
# reacts, her unread count when she hears of it)
REACTION_COUNTS = {reaction_count_field(kind) for kind in ReactionKind.values}
HERS = [
    (User, "pk", {"last_login", "unread_notifications"}),
    (EmailAddress, "user", set()),
    (Post, "author", {"reply_count", "last_activity_at", "first_reply_at", *REACTION_COUNTS}),
    (Reply, "author", REACTION_COUNTS),
    (Draft, "member", set()),
    (Notification, "recipient", set()),
    (Gathering, "host", set()),
    (RSVP, "member", set()),
    (CalendarToken, "member", set()),
    (MutedWord, "member", set()),
    (HiddenSpace, "member", set()),
    (SpaceFollow, "member", set()),
    (SpaceRead, "member", set()),
    (PostFollow, "member", set()),
    (Block, "blocker", set()),
    (Report, "reporter", set()),
    (Reaction, "member", set()),
    (GuidelinesAcceptance, "member", set()),
    (Consent, "member", set()),
    (CheckIn, "member", set()),
    (Prescription, "member", set()),
    (WellbeingSurvey, "member", set()),
    (LinkWorkerConsent, "member", set()),
    (LinkWorkerAccess, "member", set()),
    (NudgePreferences, "member", set()),
    (NudgeLog, "member", set()),
]


DIGEST = "SELECT %s, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), ''))"


def rows_query(maya) -> tuple[str, list]:
    """One SQL query giving, for each of Maya's tables, a digest of her rows as they
    are now: one round trip after each of the walk's requests. Notifications are her
    existing ones: others' own actions (a reply to her post) may add new ones."""
    parts, params = [], []
    for model, owner, moving in HERS:
        rows = model.objects.filter(**{owner: maya.pk})
        if model is Notification:
            rows = rows.filter(pk__in=list(rows.values_list("pk", flat=True)))
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in moving]
        sql, more = rows.values_list(*fields).query.sql_with_params()
        # the ORM's own SQL, its values passed as parameters
        parts.append(f"{DIGEST} FROM ({sql}) r")  # noqa: S608
        params += [model.__name__, *more]
    return " UNION ALL ".join(parts), params


def digest(query) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(*query)
        return dict(cursor.fetchall())


# --- The walk ---------------------------------------------------------------------------


@dataclass
class Answer:
    pattern: urlwalk.Route
    label: str  # which of Maya's things the URL took, e.g. "hidden"
    method: str
    url: str
    outcome: object  # a status code, LOGIN or REDIRECT
    text: str  # the body, and where a redirect goes
    changed: list  # Maya's tables whose rows it changed

    def __str__(self):
        return f"{self.method.upper()} {self.url} ({self.pattern.name}, {self.label or '-'})"


def outcome_of(response):
    if 300 <= response.status_code < 400:
        return LOGIN if response["Location"].startswith("/accounts/login/") else REDIRECT
    return response.status_code


def requests_for(scene: Scene, walker: str):
    """(pattern, label, url) for every URL pattern of ours, once for each of Maya's
    things its keywords may take (her post for members, and her hidden one)."""
    by_prefix = {**scene.objects, **scene.tokens[walker]}
    for pattern in urlwalk.routes():
        values = urlwalk.values_for(pattern.name, scene.common, by_prefix)
        missing = pattern.keys - set(values)
        assert not missing, (
            f"{pattern.name} ({pattern.route}) takes {sorted(missing)}: give it one of Maya's "
            "things in build_scene (Scene.objects), so the walk can ask for it"
        )
        choices = [[(label, key, v) for label, v in values[key]] for key in sorted(pattern.keys)]
        for chosen in itertools.product(*choices):
            label = "/".join(label for label, _key, _value in chosen)
            url = pattern.url({key: value for _label, key, value in chosen})
            yield pattern, label, url + scene.queries.get(pattern.name, "")


def walk(scene: Scene, client, walker: str, methods=("get", "post")):
    """Every request of the walk, each in a savepoint rolled back after it, so one
    request's POST never changes what the next one sees; with the tables of Maya's it
    changed before the rollback."""
    query = rows_query(scene.maya)
    before = digest(query)
    for pattern, label, url in requests_for(scene, walker):
        for method in methods:
            cache.clear()  # each request meets the rate limits afresh
            client.cookies.pop("messages", None)  # one answer's words don't reach the next
            with transaction.atomic():
                if method == "post":
                    response = client.post(url, scene.bodies.get(pattern.name, {}))
                else:
                    response = client.get(url)
                # after a 500 the transaction may be unusable: the 500 says enough
                after = before if response.status_code == 500 else digest(query)
                transaction.set_rollback(True)
            body = response.getvalue()  # streamed (a data copy) or not
            text = body.decode(errors="replace") + response.get("Location", "")
            changed = [table for table, value in after.items() if before[table] != value]
            yield Answer(pattern, label, method, url, outcome_of(response), text, changed)


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)  # a 500 is an answer to report
    if user is not None:
        client.force_login(user)
    return client


# --- The tests --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """One scene for the module, in a transaction rolled back after its last test; each
    test's own transaction, and each request's savepoint, nest inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_scene()
        transaction.set_rollback(True)


NO_ANSWERS = (
    "{} has no answers in EXPECTED (tests/fourc/test_access_walk.py): say what Sam, a "
    "visitor, a moderator and a link worker without Maya's consent get from it, with GET "
    "and with POST, when it is asked for one of Maya's things."
)


def test_every_url_of_ours_has_its_answers_and_every_answer_its_url():
    ours = {pattern.name for pattern in urlwalk.routes()}

    assert ours <= set(EXPECTED), NO_ANSWERS.format(sorted(ours - set(EXPECTED)))
    assert set(EXPECTED) <= ours, f"EXPECTED names URLs that are gone: {set(EXPECTED) - ours}"


def test_each_exclusion_leaves_out_urls_that_exist():
    every = urlwalk.every_pattern()

    for prefix in urlwalk.EXCLUDED:
        assert any(pattern.route.startswith(prefix) for pattern in every), prefix


@pytest.mark.django_db
@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_an_outsider_gets_nothing_of_mayas_and_changes_nothing_of_hers(scene, outsider):
    client = client_for(scene.actors[outsider])
    failures, walked = [], set()

    for answer in walk(scene, client, "outsider"):
        name = answer.pattern.name
        walked.add(name)
        if name not in EXPECTED:
            failures.append(NO_ANSWERS.format(name))
        elif answer.outcome != (want := expected(name, answer.label, answer.method, outsider)):
            failures.append(f"{answer}: {answer.outcome}, expected {want}")
        for what, marker in forbidden(scene, outsider, name, answer.label).items():
            if marker in answer.text:
                failures.append(f"{answer}: shows Maya's {what} ({marker!r})")
        if answer.changed:
            failures.append(f"{answer}: changed Maya's {answer.changed}")

    every = urlwalk.every_pattern()
    excluded = [pattern for pattern in every if pattern.excluded]
    assert len(walked) == len(every) - len(excluded), "the walk left out a URL pattern"
    if failures:
        pytest.fail(f"As {outsider}:\n" + "\n".join(failures), pytrace=False)


# Maya's own pages on the same walk, and what of hers each shows her (Scene.private).
HER_OWN = {
    ("community:post-detail", "hidden"): "hidden body",
    ("community:post-detail", "open"): "reply draft",
    ("community:post-create", "members"): "draft body",
    ("community:post-edit", "hidden"): "hidden title",
    ("community:reply-edit", "hidden"): "hidden reply",
    ("community:notifications", ""): "hidden title",  # "a moderator hid your post"
    ("community:muted-words", ""): "muted word",
    ("community:blocked", ""): "blocked",
    ("community:gathering-edit", "hosted"): "join link",
    ("community:calendar-settings", ""): "calendar token",
    ("prescriptions:feed", ""): "reason",
}
# Markers no page of 4C's own shows, not even to her; each stays in the walk for the
# page that would start to.
ON_NO_PAGE = {  # her copy of her data (/settings/data/) holds her email and note
    "stop token": "it travels only in her emails",
}


@pytest.mark.django_db
def test_maya_finds_her_own_things_on_the_same_walk(scene):
    """The negative control: the markers are where a leak would show them."""
    client = client_for(scene.maya)

    answers = {(a.pattern.name, a.label): a for a in walk(scene, client, "maya", ("get",))}

    for (name, label), what in HER_OWN.items():
        answer = answers[name, label]
        assert answer.outcome == 200, answer
        assert scene.private[what] in answer.text, f"{answer} doesn't show her {what}"
    texts = [answer.text for answer in answers.values()]
    markers = scene.private | scene.members_only
    seen = {what for what, marker in markers.items() if any(marker in t for t in texts)}
    assert set(scene.private) - seen == set(ON_NO_PAGE)
    assert set(scene.members_only) <= seen
    assert scene.private["email"] in client.get("/accounts/email/").content.decode()
    # Her tokens, which only she holds, open her calendar and her emails' stop page.
    assert answers["community:calendar-feed", "hers"].outcome == 200
    assert scene.members_only["joined"] in answers["community:calendar-feed", "hers"].text
    assert answers["prescriptions:nudge-stop", "hers"].outcome == 200


@pytest.mark.django_db
def test_those_she_let_in_see_what_the_outsiders_did_not(scene):
    """Lee, with her consent, sees her steps and has her on his caseload; Ade, the host,
    sees her name among who is going: what Jordan and Sam were refused."""
    maya, lee, ade = scene.maya, scene.others["lee"], scene.others["ade"]

    steps = client_for(lee).get(f"/link-workers/members/{maya.handle}/")
    caseload = client_for(lee).get("/link-workers/members/")
    going = client_for(ade).get(scene.joined.get_absolute_url())

    assert steps.status_code == 200
    assert scene.private["Lee's message"] in steps.content.decode()
    assert scene.kept_off_lists["name"] in caseload.content.decode()
    assert scene.kept_off_lists["name"] in going.content.decode()
