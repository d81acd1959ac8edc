"""The partnership's roles and what each may do.

``ROLE_PERMISSIONS`` is the one place that says which model permissions a role carries. A
Django group per role mirrors it (created by a data migration and re-synced after every
migrate), so the admin and django-guardian see the same thing. Permission checks in the
service layer ask ``role_grants`` about the roles a user holds *in a given organisation*,
so being a referrer at a school gives nothing at the charity where the same person
volunteers as an analyst.
"""

from django.db import models


class Role(models.TextChoices):
    REFERRER = "referrer", "Referrer (partner caseworker)"
    COORDINATOR = "coordinator", "Partnership coordinator"
    PANEL_MEMBER = "panel_member", "Panel member"
    PANEL_CHAIR = "panel_chair", "Panel chair"
    PROVIDER = "provider", "Provider keyworker"
    IG_OFFICER = "ig_officer", "Information governance officer"
    ANALYST = "analyst", "Partnership analyst"
    ADMIN = "admin", "System administrator"


ROLE_GROUP_PREFIX = "role:"
ORGANISATION_GROUP_PREFIX = "organisation:"

# app_label.codename. A role absent from a list does not have that permission; object
# visibility (which people, which cases) is decided separately, per organisation.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.REFERRER: frozenset(
        {
            "referrals.add_person",
            "referrals.view_person",
            "referrals.change_person",
            "referrals.add_referral",
            "referrals.view_referral",
            "referrals.change_referral",
            "referrals.add_consent",
            "referrals.add_lawfulbasis",
            "referrals.add_gillickassessment",
            "cases.view_case",
            "cases.add_casenote",
            "interventions.add_allocation",
            "interventions.add_outcomerecord",
        }
    ),
    Role.COORDINATOR: frozenset(
        {
            "referrals.view_person",
            "referrals.change_person",
            "referrals.view_referral",
            "referrals.screen_referral",
            "referrals.add_consent",
            "referrals.add_lawfulbasis",
            "referrals.approve_lawfulbasis",
            "referrals.add_gillickassessment",
            "cases.add_panelmeeting",
            "cases.view_panelmeeting",
            "cases.view_case",
            "cases.change_case",
            "cases.add_caseshare",
            "cases.add_riskreview",
            "cases.add_casenote",
            "interventions.add_intervention",
            "interventions.change_intervention",
            "interventions.add_allocation",
            "interventions.add_outcomerecord",
        }
    ),
    Role.PANEL_MEMBER: frozenset(
        {"referrals.view_person", "cases.view_panelmeeting", "cases.view_case"}
    ),
    Role.PANEL_CHAIR: frozenset(
        {
            "referrals.view_person",
            "cases.view_panelmeeting",
            "cases.add_paneldecision",
            "cases.change_paneldecision",
            "cases.view_case",
        }
    ),
    Role.PROVIDER: frozenset(
        {
            "interventions.view_allocation",
            "interventions.change_allocation",
            "interventions.add_contact",
            "interventions.add_outcomerecord",
        }
    ),
    Role.IG_OFFICER: frozenset(),
    Role.ANALYST: frozenset(),
    Role.ADMIN: frozenset(
        {
            "partners.add_organisation",
            "partners.change_organisation",
            "partners.view_organisation",
            "partners.add_membership",
            "partners.change_membership",
            "partners.view_membership",
            "partners.add_user",
            "partners.change_user",
            "partners.view_user",
        }
    ),
}


def role_grants(role: str, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def role_group_name(role: str) -> str:
    return f"{ROLE_GROUP_PREFIX}{role}"


def sync_role_groups(*, group_model, permission_model) -> None:
    """Make each role's group hold exactly the permissions in ROLE_PERMISSIONS.

    Takes the models as arguments so a data migration can pass its historical ones.
    Permissions that do not exist yet (a model from a later migration) are skipped and
    picked up by the post-migrate re-sync.
    """
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role_group_name(role))
        permissions = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)


def sync_role_groups_after_migrate(sender, using="default", **kwargs):
    # Each app's permissions are created by its own post_migrate signal, so re-sync after
    # any app whose permissions a role refers to.
    if not any(
        p.startswith(f"{sender.label}.") for perms in ROLE_PERMISSIONS.values() for p in perms
    ):
        return
    from django.contrib.auth.models import Group, Permission

    sync_role_groups(group_model=Group, permission_model=Permission)
