import contextlib

from celery.exceptions import CeleryError
from celery.exceptions import TimeoutError as CeleryTimeout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from community import selectors
from fourc import tasks
from fourc.lib.forms import require_page
from prescriptions import selectors as prescription_selectors
from prescriptions.forms import CheckInForm, ConsentForm

CELERY_CHECK_CACHE_KEY = "healthz:celery"
CELERY_CHECK_TTL = 10  # seconds: probes can't turn the check into a task flood
CELERY_CHECK_TIMEOUT = 3  # seconds to wait for a worker's answer


@require_page
def home(request):
    context = {}
    if request.user.is_authenticated:
        muted = selectors.muted_words_for(request.user)  # read once, for both lists
        activity = selectors.followed_spaces_activity(
            member=request.user, limit=selectors.HOME_ACTIVITY
        )
        waiting = selectors.needs_a_reply(member=request.user, limit=selectors.HOME_WAITING).items
        context = {
            "activity": muted.mark(activity),
            "waiting": muted.mark(waiting),
            "hidden_spaces": selectors.hidden_spaces(request.user),
            "check_in_form": CheckInForm(),
            "consent_form": ConsentForm(),
            "has_consent": prescription_selectors.has_consent(request.user),
        }
    return render(request, "home.html", context)


@require_page
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: the SVG icon answers."""
    return redirect(static("img/favicon.svg"))


@require_page
@login_required
def settings_index(request):
    """/settings/ opens the first settings page."""
    return redirect("community:profile-settings")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _celery_answers() -> bool:
    # A broken cache or broker is exactly what this check reports: never a 500.
    try:
        cached = cache.get(CELERY_CHECK_CACHE_KEY)
    except (RedisError, OSError):
        cached = None
    if cached is not None:
        return cached
    try:
        result = tasks.ping.apply_async(expires=CELERY_CHECK_TIMEOUT)
        answered = result.get(timeout=CELERY_CHECK_TIMEOUT).startswith("pong")
    except (CeleryError, CeleryTimeout, KombuError, RedisError, OSError):
        answered = False
    with contextlib.suppress(RedisError, OSError):
        cache.set(CELERY_CHECK_CACHE_KEY, answered, CELERY_CHECK_TTL)
    return answered


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 otherwise; `?celery=1` adds a worker round trip.
    HEAD answers the same (probes often ask with HEAD); the server drops the body."""
    checks = {"database": "ok" if _database_answers() else "unavailable"}
    if request.GET.get("celery") == "1":
        checks["celery"] = "ok" if _celery_answers() else "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks},
        status=200 if healthy else 503,
    )


@never_cache
@require_safe
def ping(request):
    """ "ok", touching neither the database nor the session: that the process answers (a
    liveness probe), and the benchmarks' baseline, the least a request through Django costs."""
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception):
    """400 with the reason when it was written for members (BadRequest), else a general word."""
    message = str(exception) if type(exception) is BadRequest else ""
    return render(request, "400.html", {"message": message}, status=400)
