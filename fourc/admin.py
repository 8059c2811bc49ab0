"""The admin site: staff reach it through allauth's login, and only with MFA.

It is blind to health data. Moderators never see health data, not even indirectly, so
every model admin registered here (4C's, Django's, allauth's, and any added later) is
made a `HealthBlindAdmin` by `AdminSite.register`, placed first so that an admin's own
methods cannot undo it. It refuses (400) any filter, date drill-down or `_to_field` whose
path reaches a health model or a private relation, at any depth; drops such search fields
and list filters; and reads no health table while it builds a list or a form page, so a
column, a filter's choices, an ordering or a search that would read one is a 400 too.
The autocomplete endpoint keeps the same rule, and a delete confirmation lists none of it.
Registering a health model, a health inline, or a declared filter, search, ordering or
column through one fails at start-up.

Which models those are is said once, by their own app: `prescriptions.models.HEALTH_MODELS`
and `HEALTH_TELLING_MODELS`, and `community.models.PRIVATE_RELATIONS`.
"""

from contextlib import ExitStack, contextmanager
from functools import update_wrapper

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.core.exceptions import FieldDoesNotExist, FieldError, ImproperlyConfigured
from django.db import connections
from django.db.models import F, Q
from django.db.models.base import ModelBase
from django.db.models.constants import LOOKUP_SEP
from django.db.models.sql.query import Query
from django.shortcuts import redirect
from django.utils.text import capfirst

from community.models import PRIVATE_RELATIONS
from prescriptions.models import HEALTH_MODELS, HEALTH_TELLING_MODELS

HEALTH = frozenset(HEALTH_MODELS)
# No lookup passes through these, from any admin.
UNREACHABLE = HEALTH | frozenset(HEALTH_TELLING_MODELS) | frozenset(PRIVATE_RELATIONS)
# No admin page reads these tables, but the nudge log's own admin reads its own.
UNREAD = HEALTH | frozenset(HEALTH_TELLING_MODELS)
# What a delete confirmation says instead of naming them.
PRIVATE_RECORDS = "members' private records"


def reaches(model, path: str) -> bool:
    """Whether the lookup `path`, from `model`, reaches an UNREACHABLE model: a relation
    into one at any depth (so a field on one too). A path that names no field reaches
    nothing: the admin refuses or ignores it on its own."""
    if model in HEALTH:
        return True
    try:
        path_infos, *_ = Query(model).names_to_path(
            path.split(LOOKUP_SEP), model._meta, fail_on_missing=False
        )
    except FieldError:
        return False
    return any(info.to_opts.model in UNREACHABLE for info in path_infos)


def _ordering_paths(ordering):
    for item in ordering or ():
        if isinstance(item, str):
            if item != "?":
                yield item.removeprefix("-")
        elif hasattr(item, "flatten"):
            yield from (node.name for node in item.flatten() if isinstance(node, F))


def _filter_path(list_filter):
    """The field path of a list_filter entry; None for a SimpleListFilter class (what it
    reads is checked as the page is read)."""
    if isinstance(list_filter, (list, tuple)):
        list_filter = list_filter[0]
    return list_filter if isinstance(list_filter, str) else None


def _q_paths(limit) -> list[str]:
    """The lookup paths of a limit_choices_to: a dict or a Q."""
    if isinstance(limit, dict):
        return list(limit)
    if isinstance(limit, Q):
        return [
            path
            for child in limit.children
            for path in (_q_paths(child) if isinstance(child, Q) else [child[0]])
        ]
    return []


def _autocomplete_reaches(request) -> bool:
    """Whether an autocomplete request starts at, ends at or is limited by a path into an
    UNREACHABLE model. A malformed one reaches nothing: Django's own view refuses it."""
    try:
        source = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        field = source._meta.get_field(request.GET["field_name"])
    except (KeyError, LookupError, ValueError, FieldDoesNotExist):
        return False
    remote = getattr(field, "related_model", None)
    if remote is None:
        return False
    limit = field.get_limit_choices_to() if hasattr(field, "get_limit_choices_to") else {}
    return (
        source in UNREACHABLE
        or remote in UNREACHABLE
        or any(reaches(remote, path) for path in _q_paths(limit))
    )


def _declared_paths(model_admin):
    """(where, path) for every path the admin declares: it must reach nothing private."""
    for item in model_admin.list_display:
        attr = item if callable(item) else getattr(model_admin, item, None)
        if isinstance(item, str):
            yield "list_display", item
            attr = attr or getattr(model_admin.model, item, None)
        attr = attr.fget if isinstance(attr, property) else attr
        for path in _ordering_paths([getattr(attr, "admin_order_field", None)]):
            yield "list_display", path
    for item in model_admin.list_filter:
        if path := _filter_path(item):
            yield "list_filter", path
    for field in model_admin.search_fields:
        yield "search_fields", field.lstrip("^=@")
    for path in _ordering_paths(model_admin.ordering):
        yield "ordering", path
    if model_admin.date_hierarchy:
        yield "date_hierarchy", model_admin.date_hierarchy
    if isinstance(model_admin.list_select_related, (list, tuple)):
        for path in model_admin.list_select_related:
            yield "list_select_related", path
    for where in ("raw_id_fields", "autocomplete_fields"):
        for path in getattr(model_admin, where) or ():
            yield where, path


def refusals(model_admin) -> list[str]:
    """What in this admin's declaration would show health data or a private relation."""
    model = model_admin.model
    if model in HEALTH:
        return [f"{model._meta.label} is health data: the admin never shows it"]
    found = [
        f"inlines: {inline.model._meta.label} is health data"
        for inline in model_admin.inlines
        if inline.model in HEALTH
    ]
    found += [
        f"{where}: {path}" for where, path in _declared_paths(model_admin) if reaches(model, path)
    ]
    return found


@contextmanager
def reading_no_health(own_model, request):
    """While a page is read (GET, HEAD), any SQL that reads an UNREAD table (but
    `own_model`'s) is refused, before it runs: a 400 instead of the page."""
    if request.method not in ("GET", "HEAD"):
        yield
        return
    tables = [m._meta.db_table for m in UNREAD if m is not own_model]

    def refuse_health(execute, sql, params, many, context):
        quote = context["connection"].ops.quote_name
        if any(quote(table) in sql for table in tables):
            raise DisallowedModelAdminLookup("An admin page may not read health data.")
        return execute(sql, params, many, context)

    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(refuse_health))
        yield


def _rendered(response):
    # A TemplateResponse renders after the view returns: render it now, so the page's
    # columns and filters are read under the guard too.
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return response


def _without(items, hidden):
    """A delete confirmation's nested list, without the hidden models' lines (and the
    lines nested under them)."""
    kept, under_hidden = [], False
    for item in items:
        if isinstance(item, list):
            if not under_hidden and (nested := _without(item, hidden)):
                kept.append(nested)
            under_hidden = False
            continue
        under_hidden = str(item).partition(": ")[0] in hidden
        if not under_hidden:
            kept.append(item)
    return kept


class HealthBlindAdmin(admin.ModelAdmin):
    """Every registered model admin, through AdminSite.register: see the module's doc."""

    def lookup_allowed(self, lookup, value, request):
        return not reaches(self.model, lookup) and super().lookup_allowed(lookup, value, request)

    def to_field_allowed(self, request, to_field):
        return not reaches(self.model, to_field) and super().to_field_allowed(request, to_field)

    def get_search_fields(self, request):
        return [
            field
            for field in super().get_search_fields(request)
            if not reaches(self.model, field.lstrip("^=@"))
        ]

    def get_list_filter(self, request):
        return [
            item
            for item in super().get_list_filter(request)
            if not ((path := _filter_path(item)) and reaches(self.model, path))
        ]

    def get_inline_instances(self, request, obj=None):
        return [
            inline
            for inline in super().get_inline_instances(request, obj)
            if inline.model not in HEALTH
        ]

    def changelist_view(self, request, extra_context=None):
        with reading_no_health(self.model, request):
            return _rendered(super().changelist_view(request, extra_context))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reading_no_health(self.model, request):
            return _rendered(super().changeform_view(request, object_id, form_url, extra_context))

    def history_view(self, request, object_id, extra_context=None):
        with reading_no_health(self.model, request):
            return _rendered(super().history_view(request, object_id, extra_context))

    def get_deleted_objects(self, objs, request):
        # Deleting a member deletes their private records with them, as closing the
        # account does; the page neither lists nor counts them.
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        hidden = {str(capfirst(m._meta.verbose_name)) for m in UNREACHABLE}
        plural = {str(m._meta.verbose_name_plural) for m in UNREACHABLE}
        names = {str(m._meta.verbose_name) for m in UNREACHABLE}
        counts = {name: n for name, n in counts.items() if str(name) not in plural}
        perms_needed = {PRIVATE_RECORDS if str(n) in names else n for n in perms_needed}
        kept = [p for p in protected if str(p).partition(": ")[0] not in hidden]
        protected = kept + [PRIVATE_RECORDS] * (len(kept) < len(protected))
        return _without(to_delete, hidden), counts, perms_needed, protected


class AdminSite(admin.AdminSite):
    site_header = "4C moderation"
    site_title = "4C admin"
    index_title = "Moderation"

    def login(self, request, extra_context=None):
        # allauth's login (and its rate limits) instead of the admin's own form.
        return secure_admin_login(super().login)(request, extra_context)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.is_active and user.is_staff and not is_mfa_enabled(user):
                messages.info(
                    request,
                    "Staff accounts need two-factor authentication. "
                    "Set it up here, then the admin will open for you.",
                )
                return redirect("mfa_activate_totp")
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Registers every admin as a HealthBlindAdmin (first in its line), and refuses
        one whose declaration would show health data or a private relation."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, HealthBlindAdmin):
            admin_class = type(
                admin_class.__name__,
                (HealthBlindAdmin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        for model in models:
            super().register(model, admin_class, **options)
            registered = self._registry.get(model)  # None for a swapped-out model
            if registered is not None and (found := refusals(registered)):
                del self._registry[model]
                raise ImproperlyConfigured(
                    f"The admin of {model._meta.label} would reach health data or a private "
                    f"relation: {'; '.join(found)}."
                )

    def autocomplete_view(self, request):
        if _autocomplete_reaches(request):
            raise DisallowedModelAdminLookup("The autocomplete may not reach health data.")
        with reading_no_health(None, request):
            return super().autocomplete_view(request)
