from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

from core.forms import apply_service_errors
from core.navigation import worklists_for
from partners import two_factor as two_factor_service
from partners.roles import Role
from partners.selectors import active_memberships


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code", max_length=20, help_text="The 6-digit code from your authenticator app"
    )


class SignInView(auth_views.LoginView):
    template_name = "partners/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's default): the session ends on the server, not just in the browser."""


@login_required
def home(request):
    """A worklist for each role the person holds: what is waiting for them, from each app's
    registered worklists (``core.navigation``)."""
    memberships = [
        {"organisation": membership.organisation, "role_label": Role(membership.role).label}
        for membership in active_memberships(request.user)
    ]
    worklists = [
        render_to_string(worklist.pop("template"), worklist, request=request)
        for worklist in (worklists_for(request.user) if memberships else [])
    ]
    return render(
        request, "partners/home.html", {"memberships": memberships, "worklists": worklists}
    )


@login_required
def two_factor(request):
    """Enrol an authenticator (first sign-in) or enter a code to finish signing in."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.user.is_verified():
        return redirect(next_url)
    device = two_factor_service.confirmed_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if device is not None:
                two_factor_service.verify(request=request, token=form.cleaned_data["token"])
                return redirect(next_url)
            enrolling = two_factor_service.enrolment_device(request.user)
            codes = two_factor_service.enrol(
                request=request, device=enrolling, token=form.cleaned_data["token"]
            )
            return render(
                request, "partners/recovery_codes.html", {"codes": codes, "next": next_url}
            )
        except ValidationError as error:
            apply_service_errors(form, error)
    context = {"form": form, "next": next_url, "enrolling": device is None}
    if device is None:
        enrolling = two_factor_service.enrolment_device(request.user)
        context["qr_svg"] = two_factor_service.qr_code_svg(enrolling)
        context["manual_key"] = two_factor_service.manual_key(enrolling)
    return render(request, "partners/two_factor.html", context)
