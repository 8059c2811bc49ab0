from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from community import selectors, services
from community.forms import ProfileForm


def help_now(request):
    """Crisis lines, one click from every page, for everyone, signed in or not."""
    return render(request, "community/help.html", {"lines": selectors.active_crisis_lines()})


@login_required
def profile_settings(request):
    form = ProfileForm(request.POST or None, member=request.user)
    if request.method == "POST":
        if form.is_valid():
            services.update_profile(member=request.user, **form.cleaned_data)
            messages.success(request, "Saved. Thank you.")
            return redirect("community:profile-settings")
        status = 400
    else:
        status = 200
    return render(request, "community/profile_settings.html", {"form": form}, status=status)
