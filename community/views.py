from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from community import calendar, deletion, guidelines, roles, safety, selectors, services, yourdata
from community.forms import (
    AccountDeletionForm,
    GatheringEditForm,
    GatheringForm,
    MutedWordsForm,
    PostEditForm,
    PostForm,
    ProfileForm,
    ReactionForm,
    ReplyEditForm,
    ReplyForm,
    ReportForm,
    RSVPForm,
    SearchForm,
)
from community.models import MUTED_WORD_MAX, MUTED_WORDS_MAX, HiddenReason, RSVPStatus
from community.permissions import (
    can_write,
    not_while_suspended,
    refuse_to_write,
    sign_in_to_read,
    verified_member_required,
)
from fourc.lib import ratelimit
from fourc.lib.forms import (
    refuse,
    require_form_page,
    require_page,
    say_why,
    status_of,
    submitted,
)

REPLY_TIPS_SESSION_KEY = "reply_tips_dismissed"

# (limit, seconds) per member: far above what anyone does by hand
POST_LIMIT = (10, 3600)
REPLY_LIMIT = (30, 600)
REACTION_LIMIT = (120, 600)
REPORT_LIMIT = (20, 3600)
EDIT_LIMIT = (30, 3600)  # editing and removing your own words
PROFILE_LIMIT = (30, 3600)
FOLLOW_LIMIT = (60, 3600)  # spaces and posts
BLOCK_LIMIT = (30, 3600)  # blocking and unblocking
READ_LIMIT = (300, 3600)  # marking notifications read
GATHERING_LIMIT = (20, 3600)  # creating, editing and cancelling
PLACE_LIMIT = (60, 3600)  # taking and giving up a place
ATTENDED_LIMIT = (200, 3600)  # a host notes everyone who came
CALENDAR_LIMIT = (20, 3600)


def _next_or(request, default: str) -> str:
    """The `next` field when it is a path inside 4C, else `default`. Only a path:
    `redirect` would read a bare word such as "home" or "0" as a view's name."""
    return _safe_next(request, request.POST.get("next", "")) or default


@require_page
def help_now(request):
    """Crisis lines, one click from every page, for everyone, signed in or not."""
    return render(request, "community/help.html", {"lines": selectors.active_crisis_lines()})


@require_form_page
@login_required
@not_while_suspended
@ratelimit.limit("profile", PROFILE_LIMIT)
def profile_settings(request):
    form = ProfileForm(request.POST or None, member=request.user)
    if submitted(request, form):
        try:
            services.update_profile(member=request.user, **form.cleaned_data)
        except ValidationError as error:  # e.g. the handle was taken a moment ago
            request.user.refresh_from_db()
            form.add_error(None, error)
        else:
            messages.success(request, "Saved. Thank you.")
            return redirect("community:profile-settings")
    return render(
        request, "community/profile_settings.html", {"form": form}, status=status_of(form)
    )


# --- Spaces -------------------------------------------------------------------


@require_page
def space_list(request):
    hidden = selectors.hidden_spaces(request.user)
    spaces = selectors.spaces_for(request.user).exclude(pk__in=[space.pk for space in hidden])
    return render(
        request, "community/space_list.html", {"spaces": spaces, "hidden_spaces": hidden}
    )


@require_page
def space_detail(request, slug):
    space = selectors.get_space(member=request.user, slug=slug)
    if refusal := sign_in_to_read(request, space):
        return refusal
    services.note_space_read(member=request.user, space_id=space.pk)
    return _render_space(request, space)


def _render_space(request, space, status=200):
    page = selectors.space_posts(space=space, member=request.user, cursor=request.GET.get("after"))
    gatherings = (
        selectors.space_upcoming_gatherings(space=space)
        if request.user.is_authenticated and not request.GET.get("after")
        else []  # gatherings are for members, even in a space open to visitors
    )
    muted = selectors.muted_words_for(request.user)
    muted.mark(page.items)
    muted.mark(page.extra["pinned"])
    return render(
        request,
        "community/space_detail.html",
        {"space": space, "page": page, "gatherings": gatherings},
        status=status,
    )


@require_POST
@verified_member_required(guidelines=False)
@ratelimit.limit("follow", FOLLOW_LIMIT)
def space_follow(request, slug):
    space = selectors.get_space(member=request.user, slug=slug)
    form = Form(request.POST)  # only a button: nothing to read, somewhere to say why
    if submitted(request, form):
        if request.POST.get("action") == "unfollow":
            services.unfollow_space(member=request.user, space=space)
            messages.success(request, f"You've stopped following {space.name}.")
        else:
            services.follow_space(member=request.user, space=space)
            messages.success(
                request, f"You're following {space.name}. Its posts will show on your home page."
            )
        return redirect(space)
    say_why(request, form)
    return _render_space(request, space, status_of(form))


# --- Posts --------------------------------------------------------------------


@require_form_page
@verified_member_required
@ratelimit.limit("post", POST_LIMIT)
def post_create(request, slug):
    space = selectors.get_space(member=request.user, slug=slug)
    draft = selectors.draft_for(member=request.user, space=space)
    initial = {"title": draft.title, "body": draft.body} if draft else None
    form = PostForm(request.POST or None, initial=initial)
    context = {"form": form, "space": space, "draft": draft}
    if submitted(request, form):
        data = form.cleaned_data
        if _keeps_a_draft(request, member=request.user, space=space, **data):
            return redirect(space)
        if _support_card_first(request, data["title"], data["body"]):
            return render(request, "community/post_form.html", _with_card(context))
        try:
            post = services.create_post(author=request.user, space=space, **data)
        except services.CommunityError as error:
            refuse(form, error, status=403)
        else:
            if post.hidden_reason == HiddenReason.FIRST_POST:
                messages.success(
                    request,
                    "Thank you for your first post. A moderator reads new members' first "
                    "posts before they appear, usually within a day.",
                )
                return redirect(space)
            if post.is_hidden:
                return _held_for_review(request)
            messages.success(request, "Your post is up. Thank you for sharing.")
            _offer_help_if_needed(request, post.title, post.body)
            return redirect(post)
    return render(request, "community/post_form.html", context, status=status_of(form))


def _reply_form_class(request, post):
    """A post's author replies as they posted (named or anonymous): no choice to offer."""
    if request.user.is_authenticated and post.author_id == request.user.pk:
        return ReplyEditForm
    return ReplyForm


@require_form_page
@ratelimit.limit("reply", REPLY_LIMIT)
def post_detail(request, pk):
    post = selectors.get_post_for_viewer(member=request.user, post_id=pk)
    if refusal := sign_in_to_read(request, post.space):
        return refusal
    services.note_space_read(member=request.user, space_id=post.space_id)
    if request.method == "POST" and (refusal := refuse_to_write(request)):
        return refusal
    draft = selectors.draft_for(member=request.user, post=post)
    initial = {"body": draft.body} if draft else None
    form = _reply_form_class(request, post)(request.POST or None, initial=initial)
    if submitted(request, form):
        body = form.cleaned_data["body"]
        if _keeps_a_draft(request, member=request.user, post=post, body=body):
            return redirect(post)
        if _support_card_first(request, body):
            return _render_post(request, post, form, 200, support_card=True)
        try:
            reply = services.post_reply(author=request.user, post=post, **form.cleaned_data)
        except services.CommunityError as error:
            refuse(form, error, status=403)
        else:
            if reply.is_hidden:
                return _held_for_review(request)
            messages.success(request, "Your reply is posted. That kindness matters.")
            _offer_help_if_needed(request, reply.body)
            return redirect(reply.get_absolute_url())
    return _render_post(request, post, form, status_of(form))


CRISIS_HELP = (
    "If you're thinking about ending your life or you're in danger right now, please "
    "contact someone now. You deserve support today."
)


def _support_card_first(request, *texts: str) -> bool:
    """Words that sound like crisis are not published at once: the author first sees
    the support card (the lines themselves, a person to talk to now), then chooses to
    post anyway (`post_anyway`) or to keep the words as a private draft."""
    if request.POST.get("post_anyway") == "1":
        return False
    return any(safety.mentions_crisis(text) for text in texts)


HELD_FOR_REVIEW = (
    "We've held your words while a moderator looks at them, soon. This isn't a "
    "punishment: they describe a way of hurting yourself, and we want everyone here to be "
    "safe, you included. Please contact one of these now if you can."
)


def _held_for_review(request):
    """Words that describe a method are held (services._answer_crisis_words): their
    author is told kindly, on the help page, with the lines in front of them."""
    messages.warning(request, HELD_FOR_REVIEW)
    return redirect("community:help")


def _with_card(context: dict) -> dict:
    return {**context, "support_card": True, "lines": selectors.active_crisis_lines()}


def _keeps_a_draft(request, *, member, body: str, title: str = "", space=None, post=None, **_):
    """The support card's "Keep it as a draft": the words are kept, privately, and
    nothing is published."""
    if request.POST.get("action") != "draft":
        return False
    services.save_draft(member=member, title=title, body=body, space=space, post=post)
    messages.success(
        request,
        "Kept as a draft, just for you. It'll be waiting here when you come back. "
        "Please reach out to someone now if you can.",
    )
    return True


def _offer_help_if_needed(request, *texts: str) -> None:
    """Words that sound like crisis bring the help page to the author, gently, on the
    next page (the message is tagged so base.html adds the link)."""
    if any(safety.mentions_crisis(text) for text in texts):
        messages.warning(request, CRISIS_HELP, extra_tags="crisis")


def _render_post(request, post, form, status=200, *, support_card=False):
    page = selectors.post_replies(
        post=post,
        member=request.user,
        cursor=request.GET.get("after"),
        at_reply=request.GET.get("reply"),
    )
    summary = selectors.reaction_summary(
        member=request.user, posts=[] if post.is_removed else [post], replies=page.items
    )
    muted = selectors.muted_words_for(request.user)
    muted.mark([post, *page.items])
    context = {
        "post": post,
        "page": page,
        "form": form,
        "post_reactions": summary.for_target(post),
        "replies": [(reply, summary.for_target(reply)) for reply in page.items],
        "is_following": selectors.is_following_post(member=request.user, post=post),
        "can_write": can_write(request.user),
        "is_author": request.user.is_authenticated and post.author_id == request.user.pk,
        "show_tips": not request.session.get(REPLY_TIPS_SESSION_KEY),
    }
    if support_card:
        context = _with_card(context)
    return render(request, "community/post_detail.html", context, status=status)


@require_form_page
@verified_member_required
@ratelimit.limit("edit", EDIT_LIMIT)
def post_edit(request, pk):
    post = selectors.get_own_post(member=request.user, post_id=pk)
    initial = {
        "title": post.title,
        "body": post.body,
        "intent": post.intent,
        "content_warning": post.content_warning,
    }
    form = PostEditForm(request.POST or None, initial=initial)
    if submitted(request, form):
        try:
            services.edit_post(post=post, editor=request.user, **form.cleaned_data)
        except services.SpaceClosed as error:
            refuse(form, error, status=403)
        else:
            messages.success(request, "Your changes are saved.")
            _offer_help_if_needed(request, post.title, post.body)
            return redirect(post)
    context = {"form": form, "space": post.space, "post": post}
    return render(request, "community/post_form.html", context, status=status_of(form))


@require_form_page
@verified_member_required(
    guidelines=False, while_suspended=True
)  # taking back your own words harms no one
@ratelimit.limit("edit", EDIT_LIMIT)
def post_delete(request, pk):
    post = selectors.get_own_post(
        member=request.user, post_id=pk, removed_too=request.method == "POST"
    )
    return _confirm_removal(request, post, "post", services.remove_post, back=post.space)


def _confirm_removal(request, obj, what: str, remove, *, back):
    """Asks first; a POST removes the author's own words. A repeat (a double tap, a
    second tab) changes nothing and lands where the first did, with the same words;
    only the page that asks is gone once they are removed (the getter's 404)."""
    form = Form(request.POST if request.method == "POST" else None)
    if submitted(request, form):
        try:
            remove(**{what: obj, "member": request.user})
        except services.SpaceClosed as error:
            refuse(form, error, status=403)
        else:
            messages.success(request, f"Your {what} is removed.")
            return redirect(back)
    say_why(request, form)
    context = {"what": what, "object": obj}
    return render(request, "community/confirm_delete.html", context, status=status_of(form))


@require_POST
@verified_member_required(guidelines=False)
@ratelimit.limit("follow", FOLLOW_LIMIT)
def post_follow(request, pk):
    post = selectors.get_post_for_viewer(member=request.user, post_id=pk)
    form = Form(request.POST)  # only a button
    if submitted(request, form):
        if request.POST.get("action") == "unfollow":
            services.unfollow_post(member=request.user, post=post)
            messages.success(request, "You won't hear about new replies here.")
        else:
            services.follow_post(member=request.user, post=post)
            messages.success(request, "You'll hear about new replies here.")
        return redirect(post)
    say_why(request, form)
    return _render_post(request, post, _reply_form_class(request, post)(), status_of(form))


# --- Replies ------------------------------------------------------------------


@require_form_page
@verified_member_required
@ratelimit.limit("edit", EDIT_LIMIT)
def reply_edit(request, pk):
    reply = selectors.get_own_reply(member=request.user, reply_id=pk)
    form = ReplyEditForm(request.POST or None, initial={"body": reply.body})
    if submitted(request, form):
        try:
            services.edit_reply(reply=reply, editor=request.user, **form.cleaned_data)
        except services.SpaceClosed as error:
            refuse(form, error, status=403)
        else:
            messages.success(request, "Your changes are saved.")
            _offer_help_if_needed(request, reply.body)
            return redirect(reply.get_absolute_url())
    context = {"form": form, "reply": reply}
    return render(request, "community/reply_form.html", context, status=status_of(form))


@require_form_page
@verified_member_required(guidelines=False, while_suspended=True)
@ratelimit.limit("edit", EDIT_LIMIT)
def reply_delete(request, pk):
    reply = selectors.get_own_reply(
        member=request.user, reply_id=pk, removed_too=request.method == "POST"
    )
    return _confirm_removal(request, reply, "reply", services.remove_reply, back=reply.post)


@require_POST
def reply_tips_dismiss(request):
    request.session[REPLY_TIPS_SESSION_KEY] = True
    if request.htmx:
        return render(request, "community/partials/empty.html")
    return redirect(_next_or(request, reverse("home")))


# --- Reactions ----------------------------------------------------------------


@require_POST
@verified_member_required
@ratelimit.limit("react", REACTION_LIMIT)
def react(request, target, pk):
    if target == "post":
        obj = post = selectors.get_post_for_viewer(member=request.user, post_id=pk)
    else:
        obj = selectors.get_reply_for_viewer(member=request.user, reply_id=pk)
        post = obj.post
    form = ReactionForm(request.POST)
    if obj is post and post.is_removed:
        refuse(form, "This post was removed.", status=409)
    if submitted(request, form):
        services.set_reaction(member=request.user, **form.cleaned_data, **{target: obj})
        if not request.htmx:
            return redirect(obj.get_absolute_url())
    say_why(request, form)
    status = status_of(form)
    if not request.htmx:
        return _render_post(request, post, _reply_form_class(request, post)(), status)
    summary = selectors.reaction_summary(
        member=request.user, **{"posts" if target == "post" else "replies": [obj]}
    )
    reactions = summary.for_target(obj)
    context = {
        "target": target,
        "obj": obj,
        "reactions": reactions,
        "can_write": True,
        "announce": _reaction_news(reactions, form.cleaned_data["kind"]) if status == 200 else "",
        "messages": messages.get_messages(request),
    }
    return render(request, "community/cards/reactions.jinja", context, status=status)


def _reaction_news(reactions: list[selectors.ReactionButton], kind: str) -> str:
    """What a screen reader hears after a reaction changes in place."""
    r = next(r for r in reactions if r.kind == kind)
    if not r.mine:
        return f"You took back “{r.label}”."
    return f"You said “{r.label}”. {r.count} in all."


# --- Reports ------------------------------------------------------------------


@require_form_page
@verified_member_required(guidelines=False, while_suspended=True)  # a safety tool, for everyone
@ratelimit.limit("report", REPORT_LIMIT)
def report(request, target, pk=None, handle=None):
    if target == "post":
        obj = selectors.get_post_for_viewer(member=request.user, post_id=pk)
        about = {"post": obj}
    elif target == "reply":
        obj = selectors.get_reply_for_viewer(member=request.user, reply_id=pk)
        about = {"reply": obj}
    else:
        obj = selectors.get_member(handle=handle)
        about = {"member": obj}
    form = ReportForm(request.POST or None)
    if submitted(request, form):
        try:
            services.report(reporter=request.user, **form.cleaned_data, **about)
        except services.CommunityError as error:
            refuse(form, error, status=403)
        else:
            messages.success(
                request,
                "Thank you for telling us. A moderator will look at it. "
                "If someone is in danger now, the help page lists who to contact.",
            )
            back = (
                obj.get_absolute_url()
                if target != "member"
                else reverse("community:member-detail", args=[obj.handle])
            )
            return redirect(back)
    context = {"form": form, "target": target, "obj": obj}
    return render(request, "community/report_form.html", context, status=status_of(form))


# --- Needs a reply, notifications, search ----------------------------------------


@require_page
@login_required
def unanswered(request):
    page = selectors.needs_a_reply_page(member=request.user, cursor=request.GET.get("after"))
    selectors.muted_words_for(request.user).mark(page.items)
    context = {
        "page": page,
        "rows": page.extra["rows"],
        "hidden_spaces": selectors.hidden_spaces(request.user),
    }
    return render(request, "community/unanswered.html", context)


@require_page
@login_required
def notification_list(request):
    return _render_notifications(request, check_count=True)


def _render_notifications(request, status=200, check_count=False):
    cursor = request.GET.get("after")
    page = selectors.notifications_for(member=request.user, cursor=cursor)
    if check_count:  # the header then counts what's here
        services.correct_unread_count(
            member=request.user, page=page, whole_inbox=cursor is None and not page.has_next
        )
    return render(request, "community/notifications.html", {"page": page}, status=status)


@require_POST
@login_required
@ratelimit.limit("read", READ_LIMIT)
def notification_read(request, pk):
    form = Form(request.POST)  # only a button
    if submitted(request, form):
        services.mark_notification_read(member=request.user, notification_id=pk)
        return redirect(_next_or(request, reverse("community:notifications")))
    say_why(request, form)
    return _render_notifications(request, status_of(form))


@require_POST
@login_required
@ratelimit.limit("read", READ_LIMIT)
def notifications_read_all(request):
    form = Form(request.POST)  # only a button
    if submitted(request, form):
        services.mark_all_notifications_read(member=request.user)
        messages.success(request, "All caught up.")
        return redirect("community:notifications")
    say_why(request, form)
    return _render_notifications(request, status_of(form))


@require_page
@login_required
def search(request):
    form = SearchForm(request.GET or None)
    page = None
    if form.is_valid():
        page = selectors.search(
            member=request.user, q=form.cleaned_data["q"], cursor=request.GET.get("after")
        )
        muted = selectors.muted_words_for(request.user)
        for hit in page.items:
            hit.muted = muted.folds(hit.post) or (hit.reply is not None and muted.folds(hit.reply))
    context = {"form": form, "page": page}
    return render(request, "community/search.html", context, status=status_of(form))


# --- Members and blocks ---------------------------------------------------------


@require_page
@login_required
def member_detail(request, handle):
    return _render_member(request, selectors.get_member(handle=handle))


def _render_member(request, member, status=200):
    blocked = selectors.is_blocked_between(request.user, member.pk)
    posts = [] if blocked else selectors.member_recent_posts(member=member, viewer=request.user)
    selectors.muted_words_for(request.user).mark(posts)
    i_blocked = blocked and selectors.blocked_members(request.user).filter(blocked=member).exists()
    return render(
        request,
        "community/member_detail.html",
        {"member": member, "posts": posts, "blocked": blocked, "i_blocked": i_blocked},
        status=status,
    )


@require_POST
@login_required
@ratelimit.limit("block", BLOCK_LIMIT)
def member_block(request, handle):
    member = selectors.get_member(handle=handle)
    form = Form(request.POST)  # only a button
    if submitted(request, form):
        try:
            services.block_member(blocker=request.user, blocked=member)
        except services.CommunityError as error:  # e.g. themselves
            refuse(form, error, status=403)
        else:
            messages.success(
                request, f"You've blocked {member.display_name}. You won't see each other's posts."
            )
            return redirect("community:member-detail", handle=member.handle)
    say_why(request, form)
    return _render_member(request, member, status_of(form))


@require_POST
@login_required
@ratelimit.limit("block", BLOCK_LIMIT)
def member_unblock(request, handle):
    member = selectors.get_member(handle=handle)
    form = Form(request.POST)  # only a button
    if submitted(request, form):
        services.unblock_member(blocker=request.user, blocked=member)
        messages.success(request, f"You've unblocked {member.display_name}.")
        return redirect(_next_or(request, reverse("community:blocked")))
    say_why(request, form)
    return _render_member(request, member, status_of(form))


@require_page
@login_required
def suspension(request):
    """Why writing is paused and until when; where htmx sends a suspended member."""
    if not request.user.is_suspended():
        return redirect("home")
    return render(request, "community/suspended.html", {"member": request.user})


@require_page
@login_required
def blocked_list(request):
    return render(
        request, "community/blocked.html", {"blocks": selectors.blocked_members(request.user)}
    )


# --- Gatherings -----------------------------------------------------------------


@require_page
@login_required
def gathering_list(request):
    space = None
    if request.GET.get("space"):
        space = selectors.get_space(member=request.user, slug=request.GET["space"])
    page = selectors.upcoming_gatherings(space=space, cursor=request.GET.get("after"))
    return render(
        request,
        "community/gathering_list.html",
        {
            "page": page,
            "space": space,
            "spaces": selectors.space_choices(),
            "can_host": roles.can_host(request.user),
        },
    )


@require_page
@login_required
def gathering_past(request):
    page = selectors.past_gatherings(cursor=request.GET.get("after"))
    return render(request, "community/gathering_past.html", {"page": page})


def _gathering_form_data(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.GATHERING_FIELDS}


@require_form_page
@verified_member_required
@ratelimit.limit("gathering", GATHERING_LIMIT)
def gathering_create(request):
    if not roles.can_host(request.user):
        raise PermissionDenied("Only hosts can create gatherings.")
    initial = {"space": request.GET.get("space")} if request.GET.get("space") else None
    form = GatheringForm(request.POST or None, initial=initial)
    if submitted(request, form):
        try:
            gathering = services.create_gathering(
                host=request.user,
                submit_key=form.cleaned_data["submit_key"],
                **_gathering_form_data(form),
            )
        except services.CommunityError as error:
            refuse(form, error, status=409)
        else:
            messages.success(request, "Your gathering is on the calendar. Thank you for hosting.")
            return redirect(gathering)
    context = {"form": form}
    return render(request, "community/gathering_form.html", context, status=status_of(form))


@require_form_page
@verified_member_required
@ratelimit.limit("gathering", GATHERING_LIMIT)
def gathering_edit(request, pk):
    gathering = selectors.get_hosted_gathering(member=request.user, gathering_id=pk)
    initial = {name: getattr(gathering, name) for name in services.GATHERING_FIELDS}
    form = GatheringEditForm(request.POST or None, initial=initial)
    if submitted(request, form):
        try:
            services.edit_gathering(
                gathering=gathering, editor=request.user, **_gathering_form_data(form)
            )
        except services.CommunityError as error:  # e.g. cancelled meanwhile
            refuse(form, error, status=409)
        else:
            messages.success(request, "Saved. Calendars will pick up the change.")
            return redirect(gathering)
    context = {"form": form, "gathering": gathering}
    return render(request, "community/gathering_form.html", context, status=status_of(form))


@require_form_page
@verified_member_required(guidelines=False)
@ratelimit.limit("gathering", GATHERING_LIMIT)
def gathering_cancel(request, pk):
    gathering = selectors.get_hosted_gathering(member=request.user, gathering_id=pk)
    form = Form(request.POST if request.method == "POST" else None)  # only a button
    if submitted(request, form):
        try:  # a repeat changes nothing and says the same
            services.cancel_gathering(gathering=gathering, by=request.user)
        except services.CommunityError as error:
            refuse(form, error, status=403)
        else:
            messages.success(
                request, "The gathering is cancelled. Everyone with a place has been told."
            )
            return redirect(gathering)
    say_why(request, form)
    context = {"gathering": gathering}
    return render(request, "community/gathering_cancel.html", context, status=status_of(form))


@require_page
@login_required
def gathering_detail(request, pk):
    gathering = selectors.get_gathering(gathering_id=pk)
    return _render_gathering(request, gathering)


def _render_gathering(request, gathering, *, form=None, status=200):
    """The gathering's page, or for htmx its "Your place" section (what the RSVP forms
    target), with `status` and the RSVP form as the member left it."""
    people = selectors.gathering_people(gathering=gathering, viewer=request.user)
    now = timezone.now()
    place = people.viewer_place
    has_place = place is not None and place.status == RSVPStatus.GOING
    context = {
        "gathering": gathering,
        "people": people,
        "place": place,
        "has_place": has_place,
        "on_waiting_list": place is not None and place.status == RSVPStatus.WAITING,
        "join_link": gathering.join_link_for(place, now),
        "has_ended": gathering.has_ended(now),
        "can_say_attended": has_place and gathering.attendance_open(now) and not place.attended_at,
        "is_host": request.user.is_authenticated and gathering.host_id == request.user.pk,
        "attendance_open": gathering.attendance_open(now),
        "can_write": can_write(request.user),
        "places_left": (
            None
            if gathering.capacity is None
            else max(gathering.capacity - gathering.going_count, 0)
        ),
        "rsvp_form": form if isinstance(form, RSVPForm) else RSVPForm(),
    }
    template = (
        "community/partials/gathering_rsvp.html"
        if request.htmx
        else "community/gathering_detail.html"
    )
    return render(request, template, context, status=status)


def _after_rsvp(request, gathering, form):
    """A plain POST that worked goes back to the page (post/redirect/get); otherwise the
    page, or for htmx the section, is drawn afresh with the form's status and any
    refusal said inside it."""
    status = status_of(form)
    if status == 200 and not request.htmx:
        return redirect(gathering)
    say_why(request, form)
    gathering = selectors.get_gathering(gathering_id=gathering.pk)  # the counts after it
    return _render_gathering(request, gathering, form=form, status=status)


@require_POST
@verified_member_required
@ratelimit.limit("place", PLACE_LIMIT)
def gathering_rsvp(request, pk):
    gathering = selectors.get_gathering(gathering_id=pk)
    form = RSVPForm(request.POST)
    if submitted(request, form):
        try:
            place = services.rsvp(
                gathering=gathering,
                member=request.user,
                is_private=form.cleaned_data["is_private"],
            )
        except services.CommunityError as error:  # cancelled, or over
            refuse(form, error, status=409)
        else:
            if place.status == RSVPStatus.GOING:
                messages.success(request, "You're going. We'll keep your place.")
            else:
                messages.info(
                    request,
                    "It's full for now, so you're on the waiting list. "
                    "If a place opens up, it's yours and we'll tell you.",
                )
    return _after_rsvp(request, gathering, form)


@require_POST
@verified_member_required(
    guidelines=False, while_suspended=True
)  # a place given up is one for someone else
@ratelimit.limit("place", PLACE_LIMIT)
def gathering_leave(request, pk):
    gathering = selectors.get_gathering(gathering_id=pk)
    form = Form(request.POST)  # only a button: nothing to read, somewhere to say why
    if submitted(request, form):
        try:
            if services.cancel_rsvp(gathering=gathering, member=request.user):
                messages.info(
                    request, "You've given up your place. That's OK: someone else may get it."
                )
        except services.CommunityError as error:  # cancelled, or over
            refuse(form, error, status=409)
    return _after_rsvp(request, gathering, form)


@require_POST
@verified_member_required
@ratelimit.limit("attended", ATTENDED_LIMIT)
def gathering_attended(request, pk):
    gathering = selectors.get_gathering(gathering_id=pk)
    member_handle = request.POST.get("member")
    member = selectors.get_member(handle=member_handle) if member_handle else request.user
    form = Form(request.POST)  # only a button
    if submitted(request, form):
        try:  # noted already: thanked the same
            services.mark_attended(gathering=gathering, member=member, by=request.user)
        except services.NotAllowed as error:  # someone else's place, or no place
            refuse(form, error, status=403)
        except services.CommunityError as error:  # not yet, or too long ago
            refuse(form, error, status=409)
        else:
            messages.success(
                request,
                "Thank you for showing up. That counts."
                if member == request.user
                else f"Noted: {member.display_name} was there.",
            )
            return redirect(gathering)
    say_why(request, form)
    return _render_gathering(request, gathering, status=status_of(form))


@require_page
@login_required
def gathering_ics(request, pk):
    gathering = selectors.get_gathering(gathering_id=pk)
    response = HttpResponse(
        calendar.build_calendar([gathering], name=gathering.title),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="4c-gathering-{gathering.pk}.ics"'
    return response


@require_page
def calendar_feed(request, token):
    member = selectors.get_calendar_member(token=token)
    response = HttpResponse(
        calendar.build_calendar(selectors.member_calendar(member=member), name="4C gatherings"),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_form_page
@login_required
@ratelimit.limit("calendar", CALENDAR_LIMIT)
def calendar_settings(request):
    form = Form(request.POST if request.method == "POST" else None)  # only buttons
    if submitted(request, form):
        if request.POST.get("action") == "revoke":
            services.revoke_calendar_token(member=request.user)
            messages.success(request, "Your calendar link is switched off.")
        else:
            services.regenerate_calendar_token(member=request.user)
            messages.success(
                request, "Here's your new calendar link. The old one no longer works."
            )
        return redirect("community:calendar-settings")
    say_why(request, form)
    token = getattr(request.user, "calendar_token", None)
    feed_url = (
        request.build_absolute_uri(reverse("community:calendar-feed", args=[token.token]))
        if token
        else None
    )
    context = {"feed_url": feed_url}
    return render(request, "community/calendar_settings.html", context, status=status_of(form))


# --- Guidelines and member controls -----------------------------------------------

GUIDELINES_LIMIT = (30, 3600)
MUTED_WORDS_LIMIT = (60, 3600)


@require_form_page
@ratelimit.limit("guidelines", GUIDELINES_LIMIT)
def guidelines_page(request):
    """The community guidelines, for everyone. A signed-in member who hasn't agreed to the
    current version sees "I agree" below them; agreeing returns them to `next`: with
    `resend`, by a 307 that sends the words they wrote again (permissions.
    ask_to_accept_guidelines), otherwise by a plain redirect."""
    back = _safe_next(request, request.GET.get("next", ""))
    needs_agreement = request.user.is_authenticated and not request.user.has_accepted_guidelines
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = Form(request.POST)  # only a button; the rest is what they wrote, kept
        if submitted(request, form):
            services.accept_guidelines(member=request.user)
            if back and request.GET.get("resend"):
                return HttpResponseRedirect(back, preserve_request=True)  # a 307
            messages.success(request, "Thank you. Welcome in.")
            return redirect(back or reverse("home"))
        say_why(request, form)
        context = guidelines.context({"next": back, "needs_agreement": needs_agreement})
        return render(request, "community/guidelines.html", context, status=status_of(form))
    context = guidelines.context({"next": back, "needs_agreement": needs_agreement})
    return render(request, "community/guidelines.html", context)


def _safe_next(request, target: str) -> str:
    """`target` when it is a path inside 4C, else ""."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_form_page
@login_required
@ratelimit.limit("muted-words", MUTED_WORDS_LIMIT)
def muted_words_settings(request):
    initial = {"words": "\n".join(selectors.muted_phrases(request.user))}
    form = MutedWordsForm(request.POST or None, initial=initial)
    if submitted(request, form):
        services.set_muted_words(member=request.user, phrases=form.cleaned_data["words"])
        messages.success(
            request,
            "Saved. Posts and replies with these words will fold for you."
            if form.cleaned_data["words"]
            else "Saved. Nothing is muted now.",
        )
        return redirect("community:muted-words")
    context = {"form": form, "words_max": MUTED_WORDS_MAX, "word_max": MUTED_WORD_MAX}
    return render(request, "community/muted_words.html", context, status=status_of(form))


@require_POST
@login_required
@ratelimit.limit("muted-words", MUTED_WORDS_LIMIT)
def hidden_spaces_show(request):
    """ "Show them again": the spaces hidden for a break come back to the lists (the
    break from emails goes on)."""
    form = Form(request.POST)  # only a button
    if submitted(request, form):
        if services.show_hidden_spaces(member=request.user):
            messages.success(request, "Your spaces are back in your lists.")
    else:
        say_why(request, form)
    return redirect(_next_or(request, reverse("home")))


# --- Your data ------------------------------------------------------------------------------

DATA_EXPORT_LIMIT = (5, 3600)


@require_form_page
@login_required
@ratelimit.limit("data-export", DATA_EXPORT_LIMIT)
def your_data(request):
    """What 4C holds about the member, and "Prepare my data": a copy built by a task,
    downloadable for 24 hours. One copy is prepared at a time."""
    form = Form(request.POST if request.method == "POST" else None)  # only a button
    if submitted(request, form):
        _export, asked = services.request_data_export(member=request.user)
        messages.success(
            request,
            "Thank you. We're preparing your copy, and we'll email you when it's ready."
            if asked
            else "Your copy is already being prepared. We'll email you when it's ready.",
        )
        return redirect("community:your-data")
    say_why(request, form)
    export = selectors.latest_data_export(request.user)
    state = export.state(timezone.now()) if export else None
    context = {
        "form": form,
        "areas": yourdata.areas(),
        "export": export,
        "state": state,
        "download_url": reverse(
            "community:your-data-download", args=[yourdata.download_token(export)]
        )
        if state == "ready"
        else None,
        "delete_account_url": reverse("community:account-delete"),
    }
    return render(request, "community/your_data.html", context, status=status_of(form))


@require_page
@login_required
def your_data_download(request, token):
    """The member's copy as a JSON file, for them alone (signed in, their own link), for
    24 hours. Someone else's link is a 404; an expired one, or one a newer copy replaced,
    a calm page (410) that says how to make a new one."""
    found = yourdata.read_download_token(token)
    if found is None or found[0] != request.user.pk:
        raise Http404
    _member_id, export_id, expired = found
    export = (
        None if expired else selectors.ready_data_export(member=request.user, export_id=export_id)
    )
    if export is None or export.has_expired(timezone.now()):
        return render(request, "community/your_data_expired.html", status=410)
    day = timezone.localdate(export.ready_at).isoformat()
    response = StreamingHttpResponse(yourdata.unpack(export.data), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="4c-data-{request.user.handle}-{day}.json"'
    )
    response["Content-Length"] = export.size
    response["Cache-Control"] = "private, no-store"
    return response


# --- Deleting an account (community/deletion.py) -------------------------------------------

DELETION_LIMIT = (10, 3600)  # asking, confirming and keeping, together


def _deletion_context(**context) -> dict:
    return {
        "grace_days": deletion.GRACE.days,
        "link_hours": deletion.LINK_HOURS,
        "data_url": reverse("community:your-data"),
        **context,
    }


@require_form_page
@login_required
@ratelimit.limit("account-deletion", DELETION_LIMIT)
def account_delete(request):
    """What deleting the account does, the choice for posts and replies, and the password.
    Sending it only emails a link: nothing is deleted before that link is used."""
    form = AccountDeletionForm(request.POST or None, member=request.user)
    if submitted(request, form):
        deletion.request_deletion(member=request.user, mode=form.cleaned_data["mode"])
        messages.success(
            request,
            f"We've sent a link to {request.user.email}. It works for {deletion.LINK_HOURS} "
            "hours. Nothing is deleted until you use it.",
        )
        return redirect("community:account-delete")
    context = _deletion_context(form=form)
    return render(request, "community/account_delete.html", context, status=status_of(form))


@require_form_page
@login_required
@ratelimit.limit("account-deletion", DELETION_LIMIT)
def account_delete_confirm(request, token):
    """The emailed link, for the member who asked, signed in: GET asks once more, POST
    confirms (health data erased now, signed out everywhere, the rest in seven days)."""
    try:
        asked = deletion.read_link(token, member=request.user)
    except deletion.NotYourLink:
        return _link_problem(request, "not_yours", 403)
    except deletion.BadLink:
        return _link_problem(request, "broken", 400)
    if asked.undone_at is not None:
        return _link_problem(request, "kept", 409)
    form = Form(request.POST if request.method == "POST" else None)  # only a button
    if submitted(request, form):
        try:
            deletion.confirm(deletion=asked)  # a repeat changes nothing and says the same
        except deletion.AlreadyKept:
            return _link_problem(request, "kept", 409)
        asked.refresh_from_db()
        due = date_format(timezone.localtime(asked.due_at), "l j F Y")
        logout(request)  # every other session of theirs ended with it
        messages.info(
            request,
            f"Your account will be deleted on {due}. Your health data is erased, and "
            "you're signed out everywhere. If you change your mind before then, sign "
            "in and choose “Keep my account”.",
        )
        return redirect("home")
    say_why(request, form)
    context = _deletion_context(form=form, asked=asked, due_at=timezone.now() + deletion.GRACE)
    return render(
        request, "community/account_delete_confirm.html", context, status=status_of(form)
    )


def _link_problem(request, problem: str, status: int):
    """A confirmation link that can't be used: changed or too old (400), another
    member's (403), or from before they kept their account (409). Nothing changes."""
    context = _deletion_context(problem=problem)
    return render(request, "community/account_delete_link.html", context, status=status)


@require_form_page
@login_required
@ratelimit.limit("account-deletion", DELETION_LIMIT)
def account_deletion_scheduled(request):
    """While the account waits to be deleted, the only page its member sees: when, what
    then, and "Keep my account" (a POST), which undoes it."""
    form = Form(request.POST if request.method == "POST" else None)  # only a button
    if submitted(request, form):
        deletion.keep_account(member=request.user)  # a repeat lands where the first did
        messages.success(request, "Your account is staying. Welcome back.")
        return redirect("home")
    if request.user.deletion_due_at is None:
        return redirect("home")
    say_why(request, form)
    pending = selectors.pending_deletion(request.user)
    context = _deletion_context(form=form, due_at=request.user.deletion_due_at, pending=pending)
    return render(
        request, "community/account_deletion_scheduled.html", context, status=status_of(form)
    )
