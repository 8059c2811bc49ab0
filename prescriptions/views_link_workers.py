"""Link workers: the member's page (invite, stop access, the access log), the link
worker's caseload, and one member's steps and mood trend with a form to suggest a step.

Every page that shows a member's data to a link worker goes through
`link_workers.get_member_for_link_worker` (a 404 without consent; logs the access).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from community import roles
from community.text import validate_plain_text
from prescriptions import link_workers as lw

HANDLE_INPUT_MAX = 40


def _url_name(request, name: str) -> str:
    """The view name in whichever namespace these views are mounted under."""
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    return f"{namespace}:{name}" if namespace else name


# --- Forms -----------------------------------------------------------------------------------


class InviteForm(forms.Form):
    handle = forms.CharField(
        label="Your link worker's handle",
        max_length=HANDLE_INPUT_MAX,
        help_text="Ask your link worker for it. It looks like @jordan.",
        error_messages={
            "required": "Type your link worker's handle, such as @jordan.",
            "max_length": "That's longer than any handle. Could you check it?",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_handle(self):
        try:
            link_worker = lw.find_link_worker(self.cleaned_data["handle"])
        except lw.LinkWorkerError as error:
            raise forms.ValidationError(str(error)) from None
        if link_worker.pk == self.member.pk:
            raise forms.ValidationError(
                "That's your own handle. Invite the link worker you're working with."
            )
        return link_worker.handle


class RevokeForm(forms.Form):
    link_worker = forms.ChoiceField(
        error_messages={
            "required": "Choose which link worker to stop.",
            "invalid_choice": "That link worker doesn't have access now, so there's "
            "nothing to stop.",
        }
    )

    def __init__(self, *args, consents, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_handle = {c.link_worker.handle: c.link_worker for c in consents}
        self.fields["link_worker"].choices = [(h, h) for h in self.by_handle]

    def clean_link_worker(self):
        return self.by_handle[self.cleaned_data["link_worker"]]


class PrescribeForm(forms.Form):
    activity = forms.ModelChoiceField(
        label="A step to suggest",
        queryset=lw.active_activities(),
        empty_label="Choose a step",
        error_messages={
            "required": "Choose a step from the list.",
            "invalid_choice": "Choose one of the steps in the list.",
        },
    )
    message = forms.CharField(
        label="A personal message (optional)",
        required=False,
        max_length=lw.MESSAGE_MAX,
        strip=True,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {lw.MESSAGE_MAX} characters. It's shown with the step, in your words.",
        error_messages={
            "max_length": f"Please keep your message to {lw.MESSAGE_MAX} characters "
            "(it has %(show_value)d).",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].label_from_instance = lambda a: (
            f"{a.title} (energy {a.energy}, about {a.minutes} min)"
        )


# --- The member's page -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_settings(request):
    """Invite a link worker by handle, stop their access, and see every access."""
    member = request.user
    consents = lw.link_workers_for(member)
    invite_form = InviteForm(member=member)
    revoke_form = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "invite":
            invite_form = InviteForm(request.POST, member=member)
            if invite_form.is_valid():
                return _invite(request, invite_form.cleaned_data["handle"], consents)
        elif action == "revoke":
            revoke_form = RevokeForm(request.POST, consents=consents)
            if revoke_form.is_valid():
                link_worker = revoke_form.cleaned_data["link_worker"]
                lw.revoke_link_worker(member=member, link_worker=link_worker)
                messages.success(
                    request,
                    f"Done. {link_worker.display_name} can't see your steps or your mood "
                    "any more.",
                )
                return redirect(request.path)
        else:
            messages.info(request, "Something went missing from that form. Please try again.")
        status = 400
    return render(
        request,
        "prescriptions/link_workers.html",
        {
            "consents": consents,
            "invite_form": invite_form,
            "revoke_form": revoke_form,
            "access_log": lw.access_log(member),
        },
        status=status,
    )


def _invite(request, handle, consents):
    already = {c.link_worker.handle for c in consents}
    try:
        consent = lw.invite_link_worker(member=request.user, handle=handle)
    except lw.LinkWorkerError as error:  # e.g. their role changed a moment ago
        messages.info(request, str(error))
        return redirect(request.path)
    name = consent.link_worker.display_name
    if handle in already:
        messages.info(request, f"{name} already has access. Nothing has changed.")
    else:
        messages.success(
            request,
            f"{name} can now see your steps and your mood over time. They never see your "
            "private notes. You can stop this whenever you like.",
        )
    return redirect(request.path)


# --- The link worker's pages -----------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def caseload(request):
    """The members who have given this link worker access."""
    if not roles.is_link_worker(request.user):
        raise PermissionDenied("This page is for link workers.")
    return render(
        request,
        "prescriptions/link_worker_caseload.html",
        {
            "consents": lw.consenting_members(request.user),
            "member_url_name": _url_name(request, "link-worker-member"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_view(request, handle):
    """One member's steps and mood trend (never notes), and a form to suggest a step."""
    status = 200
    if request.method == "POST":
        # Suggesting logs itself; the page only logs a look if it shows their data again.
        member = lw.get_member_for_link_worker(request.user, handle, what=None)
        form = PrescribeForm(request.POST)
        if form.is_valid():
            activity = form.cleaned_data["activity"]
            try:
                lw.prescribe(
                    link_worker=request.user,
                    member=member,
                    activity=activity,
                    message=form.cleaned_data["message"],
                )
            except lw.NoConsent:
                raise Http404("No such member.") from None
            except lw.LinkWorkerError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"Sent. {member.display_name} will find “{activity.title}” in their "
                    "steps, with your message.",
                )
                return redirect(request.path)
        lw.log_access(link_worker=request.user, member=member, what=lw.VIEWED)
        status = 400
    else:
        member = lw.get_member_for_link_worker(request.user, handle)
        form = PrescribeForm()
    return render(
        request,
        "prescriptions/link_worker_member.html",
        {
            "member": member,
            "overview": lw.member_overview(member, viewer=request.user),
            "form": form,
            "caseload_url_name": _url_name(request, "caseload"),
        },
        status=status,
    )
