from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime

from core.forms import apply_service_errors
from core.navigation import worklists_for
from partners import forms as forms_module
from partners import two_factor as two_factor_service
from partners.forms import GiveRoleForm, UserSearchForm
from partners.models import Membership, User
from partners.permissions import can, require
from partners.roles import Role
from partners.selectors import active_memberships, memberships_of, users_for_administration
from partners.services import membership_create, membership_end


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


# --- The administrator's pages: people, their roles, their second factor -----------------

PAGE_SIZE = 25


def _user_or_404(user_id) -> User:
    return get_object_or_404(User, pk=user_id)


@login_required
def user_list(request):
    require(request.user, "membership.manage")
    search = UserSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(users_for_administration(search=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "partners/users.html", {"form": search, "page": page, "query": query})


@login_required
def user_detail(request, user_id):
    require(request.user, "membership.manage")
    person = _user_or_404(user_id)
    return render(
        request,
        "partners/user.html",
        {
            "person": person,
            "memberships": memberships_of(person),
            "has_authenticator": two_factor_service.confirmed_device(person) is not None,
            "can_manage_roles": can(request.user, "membership.manage"),
            "can_reset_two_factor": can(request.user, "two_factor.reset"),
        },
    )


@login_required
def user_give_role(request, user_id):
    require(request.user, "membership.manage")
    person = _user_or_404(user_id)
    form = GiveRoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_create(
                actor=request.user,
                user=person,
                organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{person} is now {membership.get_role_display()} at "
                f"{membership.organisation.name}",
            )
            return redirect("user", user_id=person.pk)
    return render(request, "partners/give_role.html", {"person": person, "form": form})


@login_required
def membership_end_confirm(request, membership_id):
    """Ending a role cannot be undone (a new one can be given): its own "are you sure" page."""
    require(request.user, "membership.manage")
    membership = get_object_or_404(
        Membership.objects.active().select_related("user", "organisation"), pk=membership_id
    )
    form = forms_module.end_role_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership_end(
                actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{membership.user} is no longer {membership.get_role_display()} at "
                f"{membership.organisation.name}",
            )
            return redirect("user", user_id=membership.user_id)
    return render(
        request,
        "govuk/confirm.html",
        {
            "heading": "Are you sure you want to end this role?",
            "back_url": reverse("user", kwargs={"user_id": membership.user_id}),
            "confirm_label": "Yes, end this role",
            "consequences": (
                f"{membership.user} will no longer be able to act as "
                f"{membership.get_role_display()} for {membership.organisation.name}."
            ),
            "summary": [
                ("Name", str(membership.user)),
                ("Organisation", membership.organisation.name),
                ("Role", membership.get_role_display()),
                ("Since", date_format(localtime(membership.started_at), "j F Y")),
            ],
            "form": form,
        },
    )


@login_required
def user_two_factor_reset(request, user_id):
    require(request.user, "two_factor.reset")
    person = _user_or_404(user_id)
    form = forms_module.two_factor_reset_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_service.two_factor_reset(
                actor=request.user, user=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{person}'s two-factor sign-in has been reset: they will set it up again "
                "when they next sign in",
            )
            return redirect("user", user_id=person.pk)
    return render(
        request,
        "govuk/confirm.html",
        {
            "heading": f"Are you sure you want to reset {person}'s two-factor sign-in?",
            "back_url": reverse("user", kwargs={"user_id": person.pk}),
            "confirm_label": "Yes, reset two-factor sign-in",
            "consequences": (
                "Their authenticator app and recovery codes will stop working. They will set "
                "up a new authenticator the next time they sign in. Do this only once you "
                "have checked who is asking."
            ),
            "summary": [("Name", str(person)), ("Username", person.username)],
            "form": form,
        },
    )
