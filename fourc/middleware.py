from django.utils import timezone
from django.utils.cache import patch_cache_control

from community.deletion import answer_while_pending
from prescriptions.nudges.services import note_visit


class InvalidFormStatusMiddleware:
    """A POST whose form comes back with errors answers 400, not 200.

    Applies to every view that renders a TemplateResponse with a bound form
    in its context (allauth's account and MFA views, generic form views), so
    bad input is a 4xx everywhere while the page still shows the form, its
    errors, and everything the member typed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_template_response(self, request, response):
        if request.method == "POST" and response.status_code == 200:
            form = (response.context_data or {}).get("form")
            if form is not None and getattr(form, "is_bound", False) and form.errors:
                response.status_code = 400
        return response


class MemberTimeZoneMiddleware:
    """Shows every time in the member's own time zone (visitors see UTC), and reads
    times typed into forms in that zone too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.tzinfo)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class NoteVisitMiddleware:
    """Notes a signed-in member's visit, at most once a day (the session remembers the
    day), so a "we're here when you're ready" email waits while they come by."""

    SESSION_KEY = "visit_noted_on"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            today = timezone.now().date().isoformat()
            if request.session.get(self.SESSION_KEY) != today:
                note_visit(member=user)
                request.session[self.SESSION_KEY] = today
        return self.get_response(request)


class PrivacyHeadersMiddleware:
    """What search engines and browsers may keep.

    - `X-Robots-Tag: noindex` on every page except the landing page, the help page and
      the guidelines: members' words are for members, not for search results.
    - `Cache-Control: private, no-store` on every answer to a signed-in member: their
      steps, moods, notes, notifications and settings never stay in a shared
      computer's cache or come back with the Back button after they log out.
    """

    INDEXABLE = frozenset({"home", "community:help", "community:guidelines"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or match.view_name not in self.INDEXABLE:
            response.headers.setdefault("X-Robots-Tag", "noindex")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class AccountDeletionPendingMiddleware:
    """A member whose account waits to be deleted sees only the page that says when, with
    "Keep my account" (and the help page, the guidelines, their data, signing out):
    `community.deletion.answer_while_pending` decides, from their own row."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        return answer_while_pending(request)
