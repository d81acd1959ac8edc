from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from partners.roles import ROLE_NEXT_STEPS, Role
from partners.selectors import active_memberships


class SignInView(auth_views.LoginView):
    template_name = "partners/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's default): the session ends on the server, not just in the browser."""


@login_required
def home(request):
    memberships = [
        {
            "organisation": membership.organisation,
            "role_label": Role(membership.role).label,
            "next_steps": ROLE_NEXT_STEPS.get(membership.role, ()),
        }
        for membership in active_memberships(request.user)
    ]
    return render(request, "partners/home.html", {"memberships": memberships})
