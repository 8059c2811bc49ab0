"""Every member-facing form, found from the URL patterns and the pages themselves, driven
with arbitrary text, numbers, dates and ids on PostgreSQL: never a 500, and nothing
changes when the answer says the input was wrong (README, "Views"). The same for page
links (signed cursors) and stop-email tokens of every shape, correctly signed.

How the forms are found: a small world in which every form shows (a post with a reply,
a gathering under way, steps of every kind, a break, a block, a link worker, a member
in crisis who hasn't agreed to the guidelines yet, a member whose account waits to be
deleted), five people in it, each of whom
opens every page of 4C's own views (tests/urlwalk.py); every `<form>` they see is read
as a browser reads it (tests/htmlforms.py). Every URL that takes a POST gets its own
test, which fails if no page shows a form that sends there."""

import copy
import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.core import signing
from django.core.cache import cache
from django.db import connection, transaction
from django.forms import BaseForm
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from community import deletion, roles
from community import services as community
from community.models import SpaceRead
from community.yourdata import download_token
from fourc.lib.pagination import _SIGNER, BROKEN
from prescriptions import services as prescriptions
from prescriptions.models import (
    LinkWorkerAccess,
    NudgeKind,
    Prescription,
    SkipReason,
    Status,
)
from prescriptions.nudges import services as nudges
from tests import htmlforms, urlwalk
from tests.factories import (
    BlockFactory,
    CalendarTokenFactory,
    DataExportFactory,
    GatheringFactory,
    LinkWorkerConsentFactory,
    LinkWorkerFactory,
    NotificationFactory,
    PostFactory,
    PrescriptionFactory,
    ReplyFactory,
    RSVPFactory,
    SpaceFactory,
    UserFactory,
)

ROUTES = {route.name: route for route in urlwalk.routes()}
METHODS = {name: urlwalk.methods_of(route) for name, route in ROUTES.items()}
PAGES = [name for name, methods in METHODS.items() if "GET" in methods]
# Every URL that takes a POST: each must be reached by a form some page shows.
POSTED_TO = [name for name, methods in METHODS.items() if "POST" in methods]

FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- The world ------------------------------------------------------------------------

CRISIS_WORDS = "I want to die."


@dataclass
class Person:
    user: object
    client: Client
    objects: urlwalk.Objects  # what their walk fills the URLs with


@dataclass
class World:
    people: dict[str, Person]  # in the order they walk
    ids: list[int]  # other members' objects, archived spaces, and the like
    handles: list[str]
    slugs: list[str]
    forms: list = dataclasses.field(default_factory=list)  # every distinct form the people see
    paginated: dict = dataclasses.field(default_factory=dict)  # URL name -> URL, for Maya


def _sinking_week(member):
    """A check-in a day for six days, 7, 7, 6, 4, 4, 4: a week of sinking mood."""
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=6), tick=False):
        prescriptions.give_consent(member=member)
    for days_ago, mood in zip(range(5, -1, -1), (7, 7, 6, 4, 4, 4), strict=True):
        with time_machine.travel(now - timedelta(days=days_ago, minutes=5), tick=False):
            prescriptions.record_check_in(member=member, mood=mood, energy=3, note="allotment")


def _step(member, **fields) -> Prescription:
    step = PrescriptionFactory(member=member)
    Prescription.objects.filter(pk=step.pk).update(**fields)
    return step


def _build_world() -> World:
    """Maya writes, hosts and checks in; Sam reads her post and has a place at her
    gathering; Jordan is her link worker; Kit is in crisis and hasn't agreed to the
    current guidelines."""
    now = timezone.now()
    maya = UserFactory(display_name="Maya", handle="maya")
    sam = UserFactory(display_name="Sam", handle="sam")
    jordan = LinkWorkerFactory(display_name="Jordan", handle="jordan")
    kit = UserFactory(display_name="Kit", handle="kit", accepted_guidelines=False)
    # Lou asked to delete her account and confirmed: seven days to keep it.
    lou = UserFactory(display_name="Lou", handle="lou")
    deletion.confirm(deletion=deletion.request_deletion(member=lou, mode="keep"))
    community.assign_role(member=maya, role=roles.HOSTS)
    space = SpaceFactory(slug="low-energy")
    quiet = SpaceFactory(slug="quiet")
    archived = SpaceFactory(slug="closed", is_archived=True)

    post = PostFactory(author=maya, space=space, title="My words", body="A long week.")
    reply = ReplyFactory(post=post, author=maya, body="Thank you all.")
    theirs = PostFactory(author=sam, space=quiet, title="Their words")
    their_reply = ReplyFactory(post=post, author=sam, body="I hear you.")
    gathering = GatheringFactory(  # under way: places and "I was there" are open
        host=maya,
        space=space,
        scheduled_at=now - timedelta(days=2),
        starts_at=now - timedelta(minutes=10),
    )
    RSVPFactory(gathering=gathering, member=sam, taken_at=now - timedelta(days=1))
    other_gathering = GatheringFactory(space=quiet)
    notification = NotificationFactory(recipient=maya, post=post)
    their_notification = NotificationFactory(recipient=sam, post=theirs)
    BlockFactory(blocker=maya, blocked=UserFactory(handle="loud"))

    _sinking_week(maya)  # consent, open steps, and "let Jordan know"
    LinkWorkerConsentFactory(member=maya, link_worker=jordan)
    step = PrescriptionFactory(member=maya)
    _step(maya, status=Status.DONE, completed_automatically=True, completed_at=now)
    _step(maya, status=Status.SKIPPED, skip_reason=SkipReason.NOT_FOR_ME)
    nudges.take_a_break(member=maya, days=7, spaces=[quiet])

    prescriptions.give_consent(member=kit)
    prescriptions.record_check_in(member=kit, mood=1, energy=1, note=CRISIS_WORDS)
    their_step = PrescriptionFactory(member=sam)

    data_token = download_token(DataExportFactory(member=maya))
    deletion_token = deletion.confirmation_token(
        deletion.request_deletion(member=maya, mode="keep")
    )

    def objects(handle):
        return urlwalk.Objects(
            slug=space.slug,
            handle=handle,
            post=post.pk,
            reply=reply.pk,
            gathering=gathering.pk,
            notification=notification.pk,
            prescription=step.pk,
            calendar_token=CalendarTokenFactory(member=maya).token,
            stop_token=nudges.stop_token(member=maya, kind=NudgeKind.DAILY_STEP),
            data_token=data_token,
            deletion_token=deletion_token,
        )

    people = {}
    for name, user, handle in [
        ("maya", maya, sam.handle),
        ("sam", sam, maya.handle),
        ("jordan", jordan, maya.handle),
        ("kit", kit, maya.handle),
        ("lou", lou, maya.handle),
    ]:
        client = Client()
        client.force_login(user)
        people[name] = Person(user, client, objects(handle))
    ids = [
        theirs.pk,
        their_reply.pk,
        other_gathering.pk,
        their_notification.pk,
        their_step.pk,
        archived.pk,
        sam.pk,
        jordan.pk,
        kit.pk,
    ]
    return World(
        people=people,
        ids=ids,
        handles=[sam.handle, jordan.handle, kit.handle, "loud", "nobody_here"],
        slugs=[quiet.slug, archived.slug, "nowhere"],
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the whole module, built once (it takes a few seconds) inside a
    transaction that is rolled back at the end; each test runs in a savepoint of it,
    and each example in a savepoint of that, so nothing one does reaches another."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with django_db_blocker.unblock():
            built = _build_world()
            # The walk runs here too, so what a first visit notes (the day's visit, a
            # space read, email settings made on first sight) is the world's own.
            built.forms = _walk(built)
            built.paginated = _paginated(built)
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            cache.clear()


# --- Finding the forms -------------------------------------------------------------------


class Seen:
    """A form someone saw: who, on which page (its URL name), and the form."""

    def __init__(self, person: str, page: str, form: htmlforms.HtmlForm):
        self.person, self.page, self.form = person, page, form

    @property
    def target(self) -> str:
        """The URL name the form sends to."""
        return _name_of(self.form.action)

    def __repr__(self) -> str:  # what a failing example shows
        fields = ", ".join(self.form.fields)
        return f"<{self.person} on {self.page}: {self.form.method} {self.form.action} {fields}>"


def _name_of(path: str) -> str:
    try:
        return resolve(path.split("?")[0]).view_name
    except Resolver404:
        return ""


def _walk(world: World) -> list[Seen]:
    """The distinct forms that send to 4C's own views, as the people see them on every
    page they may open, each with the first person and page that showed it."""
    seen, signatures = [], set()
    for person_name, person in world.people.items():
        for page in PAGES:
            url = reverse(page, kwargs=person.objects.kwargs(ROUTES[page]))
            response = person.client.get(url)
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            for form in htmlforms.forms_on(url, response.content.decode()):
                target = _name_of(form.action)
                key = (target, form.method, tuple(sorted(form.fields)))
                if target in ROUTES and key not in signatures:
                    signatures.add(key)
                    seen.append(Seen(person_name, page, form))
    return seen


def _paginated(world: World) -> dict[str, str]:
    """The pages that read a page link (`?after=`): those that answer one that isn't
    signed with "That page link is broken". Search reads it only with words to find."""
    maya = world.people["maya"]
    found = {}
    for page in PAGES:
        url = reverse(page, kwargs=maya.objects.kwargs(ROUTES[page]))
        response = maya.client.get(url, {"q": "week", "after": "not-signed"})
        if response.status_code == 400 and BROKEN in response.content.decode():
            found[page] = url
    return found


# --- The walk finds them -------------------------------------------------------------------

# The pages that showed a form when this test was written, and how many distinct forms
# the walk saw: a walk that quietly finds less fails here.
FORMS_SEEN = 55
PAGES_WITH_FORMS = {
    "home", "community:profile-settings", "community:blocked", "community:muted-words",
    "community:guidelines", "community:space-detail", "community:post-create",
    "community:post-detail", "community:post-edit", "community:post-delete",
    "community:post-report", "community:reply-edit", "community:reply-delete",
    "community:reply-report", "community:notifications", "community:search",
    "community:member-detail", "community:member-report", "community:gathering-list",
    "community:gathering-create", "community:gathering-detail", "community:gathering-edit",
    "community:gathering-cancel", "community:calendar-settings", "prescriptions:health-data",
    "prescriptions:not-for-me", "prescriptions:nudge-settings", "prescriptions:nudge-stop",
    "prescriptions:feed", "prescriptions:wellbeing", "prescriptions:link-workers",
    "prescriptions:link-worker-member", "community:your-data", "community:account-delete",
    "community:account-delete-confirm", "community:account-deletion-scheduled",
}  # fmt: skip


@pytest.mark.django_db
def test_the_walk_finds_a_form_for_every_url_that_takes_a_post(world):
    targets = {seen.target for seen in world.forms if seen.form.method == "post"}

    assert len(world.forms) >= FORMS_SEEN
    assert {seen.page for seen in world.forms} >= PAGES_WITH_FORMS
    assert sorted(set(POSTED_TO) - targets) == []
    assert len(POSTED_TO) > 40


# --- What the database holds -----------------------------------------------------------

# Noted whatever a POST says, by design: opening a post notes its space as read (the
# "new" marker) before the reply form is read; and a link worker's page about a member,
# shown again with a suggestion that needs another look, is a look the member's log
# records.
BOOKKEEPING = {SpaceRead, LinkWorkerAccess}


def _tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for label in ("community", "prescriptions", "account", "mfa")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model not in BOOKKEEPING
    )


def snapshot() -> dict[str, str]:
    """A digest of every row of every table of 4C and its accounts: one query."""
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
        f"FROM {quote(table)} t"  # our own table names, quoted
        for table in _tables()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _tables())
        return dict(cursor.fetchall())


def changed(before: dict, after: dict) -> list[str]:
    return [table for table in before if before[table] != after[table]]


def said_no(response) -> bool:
    """The answer says the input was wrong or refused: a 4xx, or a page that shows a
    form with errors."""
    if response.status_code >= 400:
        return True
    contexts = response.context or []
    for context in contexts if isinstance(contexts, list) else [contexts]:
        for value in context.flatten().values():
            if isinstance(value, BaseForm) and value.is_bound and value.errors:
                return True
    return False


@pytest.mark.django_db
def test_the_digest_sees_what_a_form_changes_and_nothing_else(world):
    sam = world.people["sam"]
    post = reverse("community:post-detail", args=[sam.objects.post])
    before = snapshot()

    response = sam.client.post(post, {"body": "Thinking of you this week."})

    assert response.status_code == 302
    assert changed(before, snapshot()) == [
        "community_notification",
        "community_post",
        "community_reply",
        "community_user",  # the post's author has one more unread notification
    ]


# --- What a form may be sent -------------------------------------------------------------

OMIT = object()
# Characters a browser can send (a lone surrogate can't be encoded at all).
sendable = st.characters(exclude_categories=["Cs"])
NASTY = [
    "", " ", "\x00", "a\x00b", "\u202e\u200bmaya", "\ufeff", "\r\n", "\t\x0b\x0c\x1b",
    "<script>alert(1)</script>", "%s%n%x", "{{ request }}", "' OR 1=1 --", "\\", "NaN",
    "Infinity", "-0", "1e999", "0x10", "１２", "٣", "null", "[]", "{}", "🙂" * 50,
    "@maya", "https://", "javascript:alert(1)", "//evil.example/", "/\\evil.example",
]  # fmt: skip
texts = st.one_of(
    st.text(sendable, max_size=60),
    st.sampled_from(NASTY),
    st.builds(
        lambda part, n: part * n,
        st.text(sendable, min_size=1, max_size=3),
        st.integers(1000, 40_000),
    ),
)
EDGES = [0, -1, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30]
numbers = st.one_of(
    st.sampled_from(EDGES).map(str),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(str),
    texts,
)
# Naive on purpose: what a member types, read in their own time zone.
moments = st.datetimes(
    min_value=datetime(1, 1, 1),  # noqa: DTZ001
    max_value=datetime(9999, 12, 31, 23, 59),  # noqa: DTZ001
)
WEIRD_TIMES = [
    "0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30T10:00", "2026-13-01T00:00",
    "2026-03-29T01:30", "2026-10-25T01:30", "10000-01-01T00:00", "-0001-01-01T00:00",
    "2026-06-01T24:00", "2026-06-01T23:60", "2026-06-01", "T", "24:00", "23:60", "-1:00",
    "9:5", "00:00:00.000001", "12:00 PM",
]  # fmt: skip


def _soon(days: int) -> str:
    return (timezone.localtime() + timedelta(days=days, hours=1)).strftime("%Y-%m-%dT%H:%M")


soon = st.integers(0, 800).map(_soon)
dates = st.one_of(
    moments.map(lambda moment: moment.isoformat(timespec="minutes")),
    moments.map(lambda moment: moment.isoformat(sep=" ")),
    st.times().map(lambda moment: moment.strftime("%H:%M")),
    st.sampled_from(WEIRD_TIMES),
    soon,
    texts,
)


def ids(world: World):
    """Other members' objects, archived spaces, and numbers at the edges of a column."""
    return st.one_of(
        st.sampled_from(world.ids + EDGES).map(str),
        st.sampled_from(world.handles + world.slugs),
        numbers,
    )


SENSIBLE = {
    "text": "A few kind words",
    "textarea": "A few kind words, on a quiet evening.",
    "number": "12",
    "time": "09:30",
    "url": "https://meet.example.org/4c",
    "email": "someone@example.org",
}


def sensible(field: htmlforms.Field):
    """What a member might well send in this field."""
    if field.options:
        choice = st.sampled_from(field.options)
        return st.lists(choice, max_size=len(field.options)) if field.multiple else choice
    if field.kind == "datetime-local":
        return soon
    if field.kind in {"checkbox", "hidden"} or field.value:
        return st.just(field.value)
    return st.just(SENSIBLE.get(field.kind, SENSIBLE["text"]))


def wild(field: htmlforms.Field, world: World):
    """Anything at all, shaped by what the field is."""
    by_kind = {"number": numbers, "datetime-local": dates, "date": dates, "time": dates}
    anything = st.one_of(by_kind.get(field.kind, texts), ids(world), texts)
    if field.multiple:
        return st.lists(anything, max_size=4)
    return anything


@st.composite
def submissions(draw, found: list[Seen], world: World, extra_keys: list[str]):
    """A form someone saw, and what is sent: every field sensible but one (which may be
    anything, or missing), or every field anything or missing; now and then a key from
    another form; the URL's own id swapped for someone else's; with htmx or without."""
    seen = draw(st.sampled_from(found))
    fields = list(seen.form.fields.values())
    one_off = draw(st.booleans())
    odd = draw(st.sampled_from(fields)) if fields and one_off else None
    data = {}
    for field in fields:
        if one_off and field is not odd:
            value = draw(sensible(field))
        else:
            value = draw(st.one_of(st.just(OMIT), sensible(field), wild(field, world)))
        if value is not OMIT:
            data[field.name] = value
    extra = draw(st.dictionaries(st.sampled_from(extra_keys), texts | ids(world), max_size=2))
    data = {**extra, **data} if draw(st.booleans()) else {**data, **extra}
    return seen, draw(_elsewhere(seen.form.action, world)), data, draw(st.booleans())


def _elsewhere(action: str, world: World):
    """The form's URL, or the same view with another object's id, slug or handle."""
    path, _, query = action.partition("?")
    match = resolve(path)
    choices = {
        "pk": st.sampled_from([pk for pk in world.ids + EDGES if pk >= 0]),
        "slug": st.sampled_from(world.slugs),
        "handle": st.sampled_from([*world.handles, "MAYA", "ĳ", "a" * 300, " sam"]),
        "token": st.text("abcXYZ019_-:", min_size=1, max_size=80),
    }
    keys = ROUTES[match.view_name].keys
    swappable = [key for key in match.kwargs if key in choices and key in keys]
    if not swappable:
        return st.just(action)

    def other(values):
        url = reverse(match.view_name, kwargs={**match.kwargs, **values})
        return f"{url}?{query}" if query else url

    return st.one_of(
        st.just(action),
        st.fixed_dictionaries({key: choices[key] for key in swappable}).map(other),
    )


# --- Every form --------------------------------------------------------------------------

# Keys some views read straight from the POST, beside their forms' fields.
LOOSE_KEYS = ["post_anyway", "action", "next", "member", "back", "days", "mood", "stop"]


def _send(person: Person, method: str, url: str, data: dict, htmx: bool):
    """The request, as the person; their browser's cookies are as before afterwards,
    as the database is (a form that signs them out, like confirming an account's
    deletion, would sign them out of every later example)."""
    headers = {"HX-Request": "true"} if htmx else {}
    cookies = copy.deepcopy(person.client.cookies)
    try:
        return getattr(person.client, method)(url, data, headers=headers)
    finally:
        person.client.cookies = cookies


@pytest.mark.django_db
@pytest.mark.parametrize("target", POSTED_TO)
def test_a_form_sent_anything_is_never_a_500_and_a_refusal_changes_nothing(world, target):
    found = [seen for seen in world.forms if seen.target == target and seen.form.method == "post"]
    assert found, f"No page in the world shows a form that posts to {target}: show one"
    extra_keys = sorted({*LOOSE_KEYS, *(key for seen in found for key in seen.form.fields)})

    @settings(FUZZ, max_examples=FUZZ.max_examples * len(found))
    @given(submissions(found, world, extra_keys))
    def sent(submission):
        seen, url, data, htmx = submission
        note(f"{seen.person} on {seen.page}: POST {url} htmx={htmx}")
        cache.clear()  # no rate limit in the way
        with transaction.atomic():
            before = snapshot()
            response = _send(world.people[seen.person], "post", url, data, htmx)
            assert response.status_code < 500
            if said_no(response):
                assert changed(before, snapshot()) == [], response.status_code
            transaction.set_rollback(True)

    sent()


# --- Searches and filters ------------------------------------------------------------------


@pytest.mark.django_db
def test_any_search_or_filter_is_never_a_500_and_changes_nothing(world):
    found = [seen for seen in world.forms if seen.form.method == "get"]
    assert {seen.target for seen in found} >= {"community:search", "community:gathering-list"}

    @settings(FUZZ, max_examples=FUZZ.max_examples * len(found))
    @given(submissions(found, world, [*LOOSE_KEYS, "after", "q", "space"]))
    def sent(submission):
        seen, url, data, htmx = submission
        note(f"{seen.person} on {seen.page}: GET {url} htmx={htmx}")
        with transaction.atomic():
            before = snapshot()
            response = _send(world.people[seen.person], "get", url, data, htmx)
            assert response.status_code < 500
            assert changed(before, snapshot()) == []
            transaction.set_rollback(True)

    sent()


# --- Page links and stop links of every shape, correctly signed ------------------------------

ODD_NUMBERS = [math.inf, -math.inf, math.nan, 1e308, -0.0, 0.5, True, False, 2**64, -1]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.sampled_from(EDGES),
    st.floats(),
    st.sampled_from(ODD_NUMBERS),
    st.text(sendable, max_size=70),
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda moment: moment.isoformat()),
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(WEIRD_TIMES),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(sendable, max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
# The lengths keyset pages read (an ordering of one to four columns), and anything else.
cursor_values = st.lists(scalars, min_size=1, max_size=4) | json_values

# Every page that reads a page link when this test was written.
PAGINATED = {
    "community:space-detail", "community:post-detail", "community:unanswered",
    "community:notifications", "community:search", "community:gathering-list",
    "community:gathering-past",
}  # fmt: skip


@pytest.mark.django_db
def test_the_walk_finds_every_paginated_page(world):
    assert set(world.paginated) >= PAGINATED


@pytest.mark.django_db
def test_signed_page_links_of_any_shape_are_a_page_or_a_400_never_a_500(world):
    maya = world.people["maya"]

    @settings(FUZZ, max_examples=120)
    @given(st.sampled_from(sorted(world.paginated)), cursor_values, st.booleans())
    def opened(page, value, compress):
        cursor = _SIGNER.sign_object(value, compress=compress)
        response = maya.client.get(world.paginated[page], {"q": "week", "after": cursor})

        assert response.status_code in (200, 400)

    opened()


@pytest.mark.django_db
def test_page_links_not_signed_by_4c_are_a_400(world):
    maya = world.people["maya"]
    elsewhere = st.builds(
        lambda value, salt: signing.Signer(salt=salt).sign_object(value),
        cursor_values,
        st.sampled_from(["", "fourc.keyset.other", nudges.TOKEN_SALT]),
    )
    tampered = st.builds(
        lambda value, at, char: _tamper(_SIGNER.sign_object(value), at, char),
        cursor_values,
        st.integers(0, 200),
        st.characters(codec="ascii"),
    )

    @settings(FUZZ, max_examples=40)
    @given(
        st.sampled_from(sorted(world.paginated)),
        st.text(sendable, min_size=1, max_size=200) | elsewhere | tampered,
    )
    def opened(page, cursor):
        response = maya.client.get(world.paginated[page], {"q": "week", "after": cursor})

        assert response.status_code == 400
        assert BROKEN in response.content.decode()

    opened()


def _tamper(signed: str, at: int, char: str) -> str:
    at %= len(signed)
    if signed[at] == char:
        char = "A" if char != "A" else "B"
    return signed[:at] + char + signed[at + 1 :]


@pytest.mark.django_db
def test_stop_links_of_any_shape_are_a_page_or_a_400_never_a_500(world):
    """The stop link's token is signed like a page link: whatever it holds, the page
    answers (200) or says the link is broken (400), and a 400 changes nothing."""
    stranger = Client()  # the stop page needs no sign-in
    members = [person.user.pk for person in world.people.values()]
    tokens = st.one_of(
        # What stop_token writes, a member's id and a kind, with odd ids...
        st.fixed_dictionaries(
            {"m": st.sampled_from(members + ODD_NUMBERS), "k": st.sampled_from(NudgeKind.values)}
        ),
        # ...or anything in either place, or anything at all.
        st.fixed_dictionaries({"m": scalars, "k": scalars | st.sampled_from(NudgeKind.values)}),
        json_values,
    )
    sent = st.one_of(
        st.just({}),
        st.fixed_dictionaries({"stop": texts}),
        st.fixed_dictionaries({"days": st.sampled_from(["1", "3", "7", "30"]) | numbers}),
    )

    @settings(FUZZ, max_examples=80)
    @given(tokens, st.booleans(), st.sampled_from(["get", "post"]), sent)
    @example({"m": math.inf, "k": NudgeKind.DAILY_STEP.value}, False, "get", {})  # was a 500
    def opened(value, compress, method, data):
        token = signing.dumps(value, salt=nudges.TOKEN_SALT, compress=compress)
        with transaction.atomic():
            before = snapshot()
            response = getattr(stranger, method)(f"/emails/stop/{token}/", data)
            assert response.status_code in (200, 400)
            if response.status_code == 400:
                assert changed(before, snapshot()) == []
            transaction.set_rollback(True)

    opened()
