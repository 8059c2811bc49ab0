"""The admin is blind to health data (DESIGN.md's security baseline, fourc/admin.py).

A moderator with two-factor learns nothing from the admin about check-ins, moods, steps,
wellbeing, link workers, or who holds a private place at a gathering: not from a filter
typed into the address (any path through such a model, to any depth: a 400), a search,
an ordering, the autocomplete, a column, a filter's choices or a delete confirmation.
The walks read `admin.site._registry`, so an admin added later is walked too; and an
admin registered later, on any 4C admin site, is held to the same rule.

The cast: Maya uses every health feature (check-ins, wellbeing, a step, a link worker,
nudges that tell of them), holds a private place and kept a draft; Lee gave consent and
withdrew it; Sam uses none of it and holds a public place. Every filter below WOULD tell
them apart.
"""

import html
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils.text import capfirst

from community import moderation
from community import services as community
from community.models import (
    PRIVATE_PLACE,
    PRIVATE_RELATIONS,
    CrisisPhrase,
    Gathering,
    Post,
    Reaction,
    Reply,
    Report,
    Space,
    User,
)
from community.safety import Family
from fourc.admin import AdminSite, HealthBlindAdmin
from prescriptions import services as prescriptions
from prescriptions.models import (
    HEALTH_MODELS,
    HEALTH_TELLING_MODELS,
    HELD,
    Activity,
    CheckIn,
    LinkWorkerConsent,
    NudgeKind,
    NudgeLog,
    NudgeStatus,
)
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    GatheringFactory,
    PostFactory,
    ReactionFactory,
    ReplyFactory,
    RSVPFactory,
    SpaceFactory,
    UserFactory,
    WellbeingSurveyFactory,
)
from tests.fourc.test_admin_and_roles import enrol_totp

pytestmark = pytest.mark.django_db

SEALED = frozenset(HEALTH_MODELS + HEALTH_TELLING_MODELS + PRIVATE_RELATIONS)
UNREAD_TABLES = {m._meta.db_table for m in HEALTH_MODELS + HEALTH_TELLING_MODELS}
NOTE = "SECRET-NOTE-7731"  # only ever in Maya's check-in
SEEN = "SECRET-LOOK-5120"  # only ever in Maya's link-worker access log


@pytest.fixture
def moderator_client(client, moderator):
    """Rosa, a moderator with two-factor set up, signed in (her visit already noted)."""
    enrol_totp(moderator)
    client.force_login(moderator)
    client.get("/admin/")
    return client


@pytest.fixture
def superuser(db):
    boss = User.objects.create_superuser("boss@example.org", "a-long-pass-phrase")
    enrol_totp(boss)
    return boss


@pytest.fixture
def superuser_client(superuser):
    """A second browser, signed in as the superuser."""
    client = Client()
    client.force_login(superuser)
    client.get("/admin/")
    return client


@pytest.fixture
def staff_for(moderator, moderator_client, superuser, superuser_client):
    """(user, client) for each admin: the moderator for every admin she may open, a
    superuser for the rest (groups, email addresses, authenticators): the rule holds for
    all staff."""

    def staff(model):
        if moderator.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
            return moderator, moderator_client
        return superuser, superuser_client

    return staff


def give_health_data(maya, jordan):
    """Everything 4C keeps about Maya's health, and every trace it leaves."""
    CheckInFactory(member=maya, mood=2, energy=1, note=NOTE)
    CheckInFactory(member=maya, mood=6)
    WellbeingSurveyFactory(member=maya)
    prescriptions.invite_link_worker(member=maya, handle=jordan.handle)
    prescriptions.log_access(link_worker=jordan, member=maya, what=SEEN)
    prescriptions.prescribe_by_hand(
        member=maya, activity=ActivityFactory(title="Walk to the park"), prescriber=jordan
    )
    for kind, status, reason in (
        (NudgeKind.DAILY_STEP, NudgeStatus.SENT, ""),
        (NudgeKind.LINK_WORKER, NudgeStatus.SENT, ""),
        (NudgeKind.WELCOME_BACK, NudgeStatus.SKIPPED, HELD),
    ):
        NudgeLog.objects.create(member=maya, kind=kind, period=kind, status=status, reason=reason)


@pytest.fixture
def cast(member, other_member, moderator, link_worker, host):
    """Maya (every health feature, a private place), Lee (consent withdrawn), Sam (none of
    it, a public place), Jordan (Maya's link worker), Ade (hosts), Rosa (moderates)."""
    maya, sam, jordan, ade = member, other_member, link_worker, host
    lee = UserFactory(display_name="Lee", handle="lee")
    community.assign_role(member=maya, role="Hosts")
    enrol_totp(maya)
    give_health_data(maya, jordan)
    CheckInFactory(member=lee)
    prescriptions.withdraw_consent(member=lee)

    evenings, quiet = SpaceFactory(name="Evenings"), SpaceFactory(name="Quiet corner")
    gathering = GatheringFactory(host=ade, space=evenings, title="Tea and talk")
    private = RSVPFactory(gathering=gathering, member=maya, is_private=True)
    community.save_draft(member=maya, space=evenings, body="Words I kept for myself.")
    public = RSVPFactory(gathering=gathering, member=sam)
    GatheringFactory(host=jordan, space=quiet, title="Walk and talk")

    mayas, sams = PostFactory(author=maya, space=quiet), PostFactory(author=sam, space=quiet)
    ReplyFactory(author=maya, post=sams)
    ReplyFactory(author=sam, post=mayas)
    ReactionFactory(member=maya, post=sams)
    ReactionFactory(member=sam, post=mayas)
    community.report(reporter=maya, reason="unkind", post=sams)
    community.report(reporter=sam, reason="unkind", member=maya)
    moderation.suspend(member=sam, moderator=moderator, length="1d", note="A day.")
    moderation.hide(content=mayas, moderator=moderator, note="For now.")
    community.add_crisis_phrase(family=Family.BURDEN, pattern="a weight on everyone", by=jordan)
    for who in (maya, sam):
        NudgeLog.objects.create(
            member=who, kind=NudgeKind.DIGEST, period="digest", status=NudgeStatus.SENT
        )
    return {
        "maya": maya, "sam": sam, "lee": lee, "jordan": jordan, "ade": ade,
        "gathering": gathering, "private": private, "public": public,
    }  # fmt: skip


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def listed(response) -> set:
    return {obj.pk for obj in response.context_data["cl"].result_list}


def text(response) -> str:
    return html.unescape(response.content.decode())


def reads_unread_tables(queries, own_model) -> list[str]:
    tables = UNREAD_TABLES - {own_model._meta.db_table}
    return [q["sql"] for q in queries if any(f'"{table}"' in q["sql"] for table in tables)]


# --- Every forbidden path, computed from each registered model's relations ---------------


def relations(model):
    """Every relation a lookup can follow from `model`: forward and reverse."""
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None:
            yield field.name, field.related_model


def forbidden_paths(model, depth=2):
    """(relation paths, field paths) that pass through a sealed model, up to `depth`
    relations deep; the field paths name each field of a sealed model one relation away."""
    through, fields = set(), set()

    def walk(current, prefix, level, sealed):
        for name, related in relations(current):
            lookup = f"{prefix}{name}"
            entering = related in SEALED and not sealed
            if sealed or entering:
                through.add(lookup)
            if entering and level == 1:
                fields.update(
                    f"{lookup}__{field.name}"
                    for field in related._meta.concrete_fields
                    if not field.is_relation
                )
            if level < depth:
                walk(related, f"{lookup}__", level + 1, sealed or entering)

    walk(model, "", 1, False)
    return through, fields


def forbidden_filters(model):
    """(query parameter, Python value) pairs: each path bare and with __exact, __gt and
    __isnull, each sealed field with __isnull; values that match real rows."""
    through, fields = forbidden_paths(model)
    for lookup in sorted(through):
        value = (
            model._default_manager.filter(**{f"{lookup}__isnull": False})
            .values_list(lookup, flat=True)
            .first()
        )
        value = 1 if value is None else value
        yield lookup, value
        yield f"{lookup}__exact", value
        yield f"{lookup}__gt", 0
        yield f"{lookup}__isnull", False
    for lookup in sorted(fields):
        yield f"{lookup}__isnull", False


def would_change(model, key, value) -> bool:
    everyone = model._default_manager.count()
    return model._default_manager.filter(**{key: value}).distinct().count() != everyone


def open_list(model, user, params):
    """The model's changelist view itself, as `user` opens it with `params`; None when it
    refuses them (Django answers that with a 400, as the HTTP tests here show). Straight
    to the view, so a walk of a thousand filters takes seconds."""
    request = RequestFactory().get(changelist(model), params)
    request.user = user
    try:
        return admin.site._registry[model].changelist_view(request)
    except SuspiciousOperation:
        return None


def test_no_changelist_filters_by_a_path_through_health_data_or_a_private_place(staff_for, cast):
    refused, telling = [], {}
    for model in admin.site._registry:
        user, _ = staff_for(model)
        baseline = listed(open_list(model, user, {}))
        for key, value in forbidden_filters(model):
            response = open_list(model, user, {key: str(value)})
            if response is not None and (
                response.status_code != 302 and listed(response) != baseline
            ):
                refused.append(f"{changelist(model)}?{key}={value}: {response.status_code}")
            if key.endswith("__isnull") and would_change(model, key, value):
                telling.setdefault(model, []).append(key)

    assert refused == []
    # The data makes these filters matter: each would have told someone apart.
    walked = {m for m in admin.site._registry if forbidden_paths(m) != (set(), set())}
    assert walked - set(telling) == set()
    for key in (
        "check_ins__isnull", "health_consents__isnull", "wellbeing_surveys__isnull",
        "prescriptions__isnull", "link_worker_consents__isnull", "caseload_consents__isnull",
        "link_worker_accesses__isnull", "nudge_logs__isnull", "rsvps__isnull",
        "drafts__isnull",
    ):  # fmt: skip
        assert key in telling[User]


def test_the_lookups_of_the_design_are_refused_and_name_no_one(moderator_client, cast):
    users, maya, lee = changelist(User), cast["maya"], cast["lee"]
    # Lee withdrew her consent: her consent row stays, so this filter would still name her.
    assert set(User.objects.filter(health_consents__isnull=False)) == {maya, lee}

    for key in (
        "check_ins__isnull", "health_consents__isnull", "wellbeing_surveys__isnull",
        "prescriptions__isnull", "link_worker_consents__isnull",
    ):  # fmt: skip
        response = moderator_client.get(users, {key: "False"})

        assert response.status_code == 400, key
        assert "Maya" not in text(response)
        assert "Lee" not in text(response)


def test_no_ordering_and_no_search_reads_health_data(staff_for, cast):
    problems = []
    for model in admin.site._registry:
        user, _ = staff_for(model)
        columns = len(open_list(model, user, {}).context_data["cl"].list_display)
        queries = [{"o": str(i)} for i in range(columns)]
        queries += [{"q": term} for term in (NOTE, SEEN, "maya")]
        for query in queries:
            with CaptureQueriesContext(connection) as captured:
                response = open_list(model, user, query)
            read = reads_unread_tables(captured.captured_queries, model)
            if response is None or response.status_code != 200 or read:
                problems.append(f"{changelist(model)} {query}: {response} {read[:1]}")
            elif query.get("q") in (NOTE, SEEN) and response.context_data["cl"].search_fields:
                assert listed(response) == set(), (model, query)
    assert problems == []


def test_no_list_or_page_of_the_admin_reads_health_data(staff_for, cast):
    """Every changelist, with its facets, and the change pages of its rows."""
    problems = []
    for model in admin.site._registry:
        url, (_, client) = changelist(model), staff_for(model)
        with CaptureQueriesContext(connection) as captured:
            pages = [client.get(url, {"_facets": "True"})]
            pages += [
                client.get(f"{url}{pk}/change/")
                for pk in model._default_manager.values_list("pk", flat=True)[:20]
            ]
        read = reads_unread_tables(captured.captured_queries, model)
        if read or any(page.status_code != 200 for page in pages):
            problems.append(f"{url}: {[p.status_code for p in pages]} {read[:1]}")
        for page in pages:
            assert NOTE not in text(page)
            assert SEEN not in text(page)
    assert problems == []


def test_the_autocomplete_never_starts_at_or_reaches_health_data(moderator_client, cast):
    url = reverse("admin:autocomplete")
    asked = 0
    for model in SEALED:
        for name, _related in relations(model):
            if model._meta.get_field(name).concrete:
                query = {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": name,
                    "term": "",
                }
                assert moderator_client.get(url, query).status_code == 400, query
                asked += 1
    assert asked >= len(SEALED)

    # An ordinary one still answers: who may author a post.
    ordinary = moderator_client.get(
        url, {"app_label": "community", "model_name": "post", "field_name": "author", "term": "ma"}
    )
    assert ordinary.status_code == 200
    assert "Maya (@maya)" in {row["text"] for row in ordinary.json()["results"]}


def test_to_field_and_preserved_filters_cannot_reach_health_data(moderator_client, cast):
    users, maya = changelist(User), cast["maya"]

    assert moderator_client.get(users, {"_to_field": "check_ins"}).status_code == 400
    assert moderator_client.get(users, {"_to_field": "id", "_popup": "1"}).status_code == 200
    # A change page keeps the list's filters for the way back; the way back refuses them.
    preserved = "check_ins__isnull=False"
    page = moderator_client.get(f"{users}{maya.pk}/change/", {"_changelist_filters": preserved})
    assert page.status_code == 200
    assert moderator_client.get(f"{users}?{preserved}").status_code == 400


# --- What the lists and pages show --------------------------------------------------------


def normalised(response) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)


def test_a_members_admin_pages_are_the_same_with_or_without_health_data(
    moderator_client, member, link_worker
):
    """The member list and her page show roles, never "has a link worker", "checks in" or
    anything that comes of it."""
    gathering = GatheringFactory()
    urls = [changelist(User), f"{changelist(User)}{member.pk}/change/"]
    urls += [f"{changelist(User)}?{f}" for f in ("is_active__exact=1", "o=1", "q=maya")]
    before = [normalised(moderator_client.get(url)) for url in urls]

    give_health_data(member, link_worker)
    community.rsvp(gathering=gathering, member=member, is_private=True)
    community.save_draft(member=member, space=gathering.space, body="Kept for myself.")

    after = [normalised(moderator_client.get(url)) for url in urls]
    assert after == before


def test_a_private_place_is_a_private_place_in_the_admin(moderator_client, superuser_client, cast):
    gathering, maya, sam = cast["gathering"], cast["maya"], cast["sam"]
    url = f"{changelist(Gathering)}{gathering.pk}/change/"

    page = text(moderator_client.get(url))

    assert PRIVATE_PLACE in page
    assert "Sam (@sam)" in page  # a public place is named
    for name in ("Maya", "@maya", f"member {maya.pk} ", f"/user/{maya.pk}/"):
        assert name not in page
    lists = text(moderator_client.get(changelist(Gathering)))
    assert "Maya" not in lists
    assert "Sam" not in lists
    # Deleting the gathering or the member would list the places: it lists neither.
    for who, page_url in (
        ("the gathering", f"{changelist(Gathering)}{gathering.pk}/delete/"),
        ("Maya", f"{changelist(User)}{maya.pk}/delete/"),
    ):
        page = text(superuser_client.get(page_url))
        assert PRIVATE_PLACE not in page, who
        assert "RSVP" not in page, who
        assert f"member {maya.pk} " not in page, who
        assert f"member {sam.pk} " not in page, who


def test_a_delete_confirmation_lists_and_counts_no_health_data(superuser_client, cast):
    """Lee's account can go (her private records with it); Maya's is kept by the
    moderation log. Neither page lists or counts what is private."""
    lee, maya = cast["lee"], cast["maya"]

    deletable = text(superuser_client.get(f"{changelist(User)}{lee.pk}/delete/"))
    kept = text(superuser_client.get(f"{changelist(User)}{maya.pk}/delete/"))

    assert "Are you sure" in deletable
    assert "Email address:" in deletable  # what isn't private is listed
    assert "Cannot delete user" in kept
    for page in (deletable, kept):
        for model in SEALED:
            assert f"{capfirst(model._meta.verbose_name)}:" not in page
            assert f"{model._meta.verbose_name_plural}:" not in page.lower()
    # An activity a member was given stays, and the page says why without saying whose.
    activity = Activity.objects.get(title="Walk to the park")
    page = text(superuser_client.get(f"{changelist(Activity)}{activity.pk}/delete/"))
    assert "members' private records" in page
    assert "Prescription:" not in page
    assert f"Walk to the park for {maya.pk}" not in page


def test_the_nudge_log_names_no_one_on_a_nudge_that_tells_of_health(moderator_client, cast):
    maya, url = cast["maya"], changelist(NudgeLog)
    telling = NudgeLog.objects.filter(member=maya).exclude(kind=NudgeKind.DIGEST)
    digest = NudgeLog.objects.get(member=maya, kind=NudgeKind.DIGEST)

    for log in telling:
        page = text(moderator_client.get(f"{url}{log.pk}/change/"))
        for name in ("Maya", "@maya", f"member {maya.pk}", f"/user/{maya.pk}/"):
            assert name not in page, (log.kind, name)
        assert not re.search(rf"\bfor {maya.pk}\b", page), log.kind
        assert "a member" in page
    assert "Maya (@maya)" in text(moderator_client.get(f"{url}{digest.pk}/change/"))
    # Nothing singles out a member's: no filter by member, and a search finds only the rest.
    assert moderator_client.get(url, {"member__id__exact": maya.pk}).status_code == 400
    assert moderator_client.get(url, {"member": maya.pk}).status_code == 400
    assert listed(moderator_client.get(url, {"q": "maya"})) == {digest.pk}
    rows = re.findall(r"<tr>.*?</tr>", text(moderator_client.get(url)), re.S)
    assert len([row for row in rows if "a member" in row]) == len(telling)
    for row in rows:
        if "Maya" in row:
            assert "Replies and mentions" in row


# --- Filters that never touch health data still work --------------------------------------


def test_ordinary_filters_and_searches_still_work(moderator_client, moderator, cast):
    """The guard refuses what reaches health data, not filtering as such."""
    users, maya, sam, gathering = changelist(User), cast["maya"], cast["sam"], cast["gathering"]
    hosts = Group.objects.get(name="Hosts")

    assert listed(moderator_client.get(users, {"suspended": "now"})) == {sam.pk}
    assert listed(moderator_client.get(users, {"groups__id__exact": hosts.pk})) == {
        maya.pk, cast["ade"].pk,
    }  # fmt: skip
    assert moderator.pk not in listed(moderator_client.get(users, {"is_staff__exact": "0"}))
    assert listed(moderator_client.get(users, {"q": "maya"})) == {maya.pk}
    logs = moderator_client.get(changelist(NudgeLog), {"kind": "digest"})
    assert {log.member_id for log in logs.context_data["cl"].result_list} == {maya.pk, sam.pk}
    by_space = moderator_client.get(
        changelist(Gathering), {"space__id__exact": gathering.space_id}
    )
    assert listed(by_space) == {gathering.pk}
    mayas = set(Post.objects.filter(author=maya).values_list("pk", flat=True))
    assert listed(moderator_client.get(changelist(Post), {"q": "maya"})) == mayas


# --- An admin added later is held to the same rule ----------------------------------------


def test_every_registered_admin_is_health_blind():
    assert isinstance(admin.site, AdminSite)
    for model_admin in admin.site._registry.values():
        assert isinstance(model_admin, HealthBlindAdmin), model_admin
        assert type(model_admin).__mro__[1] is HealthBlindAdmin, model_admin


def test_every_prescriptions_model_is_health_data_or_says_why_not():
    """A new model in prescriptions is health data unless it is the catalogue."""
    models = set(apps.get_app_config("prescriptions").get_models())
    assert models == set(HEALTH_MODELS) | set(HEALTH_TELLING_MODELS) | {Activity}


class CheckInInline(admin.TabularInline):
    model = CheckIn


@pytest.mark.parametrize(
    ("model", "options"),
    [
        (CheckIn, {}),
        (LinkWorkerConsent, {}),
        (User, {"inlines": [CheckInInline]}),
        (Post, {"list_filter": ("author__check_ins__mood",)}),
        (
            Post,
            {"list_filter": [("author__link_worker_consents", admin.RelatedOnlyFieldListFilter)]},
        ),
        (Post, {"search_fields": ("title", "=author__check_ins__note")}),
        (Post, {"ordering": ("-author__wellbeing_surveys__happy",)}),
        (Post, {"date_hierarchy": "author__check_ins__created_at"}),
        (Post, {"list_display": ("title", "author__nudge_preferences__daily_step")}),
        (Post, {"list_select_related": ("author__nudge_preferences",)}),
        (Gathering, {"search_fields": ("rsvps__member__handle",)}),
        (User, {"list_filter": ("nudge_logs__kind",)}),
    ],
    ids=lambda value: getattr(value, "__name__", None) or "-".join(value) or "plain",
)
def test_registering_an_admin_that_would_show_health_data_fails(model, options):
    site = AdminSite(name="fresh")

    with pytest.raises(ImproperlyConfigured, match="health data or a private relation"):
        site.register(model, **options)
    assert not site.is_registered(model)


# A site with admins written later, each reaching for health data in its own way.
later = AdminSite(name="later")


class CheckedInFilter(SimpleListFilter):
    title = "checked in"
    parameter_name = "checked_in"

    def lookups(self, request, model_admin):
        return [("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(author__in=CheckIn.objects.values("member"))
        return queryset


@admin.register(Post, site=later)
class LaterPostAdmin(admin.ModelAdmin):
    list_filter = (CheckedInFilter,)


@admin.register(Reply, site=later)
class LaterReplyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "has_link_worker")

    @admin.display(description="has a link worker")
    def has_link_worker(self, reply):
        return LinkWorkerConsent.objects.filter(member=reply.author_id).exists()


@admin.register(Reaction, site=later)
class LaterReactionAdmin(admin.ModelAdmin):
    def get_ordering(self, request):
        return ["member__check_ins__mood"]


@admin.register(Report, site=later)
class LaterReportAdmin(admin.ModelAdmin):
    def get_search_fields(self, request):
        return ["details", "member__check_ins__note", "reporter__link_worker_accesses__what"]


@admin.register(CrisisPhrase, site=later)
class LaterPhraseAdmin(admin.ModelAdmin):
    def lookup_allowed(self, lookup, value, request):
        return True  # it cannot undo the rule: the rule comes first


later.register(Space)

urlpatterns = [path("later/", later.urls), path("", include("fourc.urls"))]


@pytest.fixture
def later_admin(settings, moderator_client):
    settings.ROOT_URLCONF = __name__
    return moderator_client


def test_an_admin_added_later_cannot_filter_order_search_or_show_by_health_data(later_admin, cast):
    client = later_admin

    assert client.get("/later/community/post/").status_code == 200
    assert client.get("/later/community/post/", {"checked_in": "yes"}).status_code == 400
    assert client.get("/later/community/reply/").status_code == 400
    assert client.get("/later/community/reaction/").status_code == 400
    found = client.get("/later/community/report/", {"q": NOTE})
    assert found.status_code == 200
    assert listed(found) == set()
    assert client.get("/later/community/report/", {"q": SEEN}).context_data["cl"].result_count == 0
    for url, key in (
        ("/later/community/crisisphrase/", "created_by__caseload_consents__isnull"),
        ("/later/community/space/", "gatherings__rsvps__isnull"),
        ("/later/community/space/", "posts__author__check_ins__isnull"),
    ):
        assert client.get(url, {key: "False"}).status_code == 400, (url, key)
    assert client.get("/later/community/space/", {"is_archived__exact": "0"}).status_code == 200
