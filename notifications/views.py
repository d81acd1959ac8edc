"""The notifications page, marking read, and email preferences: each person's own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications import selectors, services
from notifications.forms import PreferencesForm
from notifications.models import Kind

PAGE_SIZE = 25


@login_required
def notification_list(request):
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.shown(request.user, page.object_list)
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def mark_read(request, notification_id):
    notification = selectors.notification_of(request.user, notification_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    services.notification_mark_all_read(actor=request.user)
    messages.success(request, "All your notifications are marked as read")
    return redirect("notifications:list")


@login_required
def preferences(request):
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            chosen = set(form.cleaned_data["email"])
            services.preferences_set(
                actor=request.user, email={kind: kind in chosen for kind in Kind.values}
            )
            messages.success(request, "Your email choices are saved")
            return redirect("notifications:list")
    else:
        form = PreferencesForm(initial={"email": sorted(selectors.kinds_emailed(request.user))})
    return render(request, "notifications/preferences.html", {"form": form})
