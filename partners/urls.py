from django.urls import path

from partners import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("two-factor/", views.two_factor, name="two-factor"),
    # The administrator's pages: people who sign in, their roles and their second factor.
    path("administration/users/", views.user_list, name="users"),
    path("administration/users/<int:user_id>/", views.user_detail, name="user"),
    path(
        "administration/users/<int:user_id>/give-role/",
        views.user_give_role,
        name="user-give-role",
    ),
    path(
        "administration/users/<int:user_id>/reset-two-factor/",
        views.user_two_factor_reset,
        name="user-reset-two-factor",
    ),
    path(
        "administration/roles/<int:membership_id>/end/",
        views.membership_end_confirm,
        name="membership-end",
    ),
]
