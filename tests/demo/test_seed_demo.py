"""The demo partnership that `make run` seeds."""

from io import StringIO

import pytest
from django.core.management import call_command

from demo import scale
from partners.models import Membership, Organisation, User
from partners.roles import Role
from referrals.models import Person, Referral


@pytest.mark.django_db
def test_seed_demo_creates_the_partnership_once(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a demo password for tests")

    # With a small generated history, made once.
    call_command("seed_demo", "--history-people", "30", stdout=StringIO())
    call_command("seed_demo", "--history-people", "30", stdout=StringIO())

    generated = Person.objects.filter(created_by_organisation__code__startswith=scale.CODE_PREFIX)
    assert generated.count() == 30
    assert Referral.objects.filter(person__in=generated).exists()
    # Nothing generated waits in a queue: the history ends two months ago.
    assert not Referral.objects.filter(
        person__in=generated, status__in=["submitted", "accepted_for_panel", "draft"]
    ).exists()
    people = Person.objects.exclude(pk__in=generated)
    referrals = Referral.objects.exclude(person__in=generated)

    assert Organisation.objects.exclude(code__startswith=scale.CODE_PREFIX).count() == 10
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    # The four demo people, and the perpetrator linked to the police's domestic abuse victim.
    assert people.count() == 5
    assert sorted(referrals.values_list("status", flat=True)) == [
        "accepted_for_panel",
        "case_opened",
        "submitted",
        "submitted",
    ]
    from referrals.models import DashRecord, MaracReferral

    dash = DashRecord.objects.get()
    assert (dash.score, dash.band, dash.referral.marac_referral_required) == (15, "high", True)
    assert MaracReferral.objects.get().referral == dash.referral
    from cases.models import Case, MeetingStatus, PanelMeeting

    upcoming = PanelMeeting.objects.get(status=MeetingStatus.SCHEDULED)
    demo_meetings = PanelMeeting.objects.filter(chair__username="panel-chair")
    assert upcoming.attendance.count() == 2
    # A case the panel opened last week, with mentoring under way and a contact recorded.
    case = Case.objects.get(person__in=people)
    assert case.lead_professional.username == "school-caseworker"
    assert demo_meetings.get(status=MeetingStatus.CLOSED).decisions.get().case == case
    [allocation] = case.allocations.all()
    assert allocation.status == "active"
    assert allocation.contacts.count() == 1
    from interventions.models import Intervention, OutcomeMeasure

    assert Intervention.objects.exclude(provider__code__startswith=scale.CODE_PREFIX).count() == 4
    assert OutcomeMeasure.objects.count() == 9
    assert User.objects.get(username="police-officer").check_password("a demo password for tests")
    assert Organisation.objects.get(code="durham-council").provides_social_care
    # Every partner has an information sharing agreement in force, signed; one falls due
    # for review soon, for IG's home page.
    from django.utils import timezone

    from sharing.agreements import agreements_due_for_review
    from sharing.models import InformationSharingAgreement

    today = timezone.localdate()
    in_force = InformationSharingAgreement.objects.in_force(today)
    assert set(in_force.values_list("organisation__code", flat=True)) == set(
        Organisation.objects.values_list("code", flat=True)
    )
    assert not in_force.filter(signatories=None).exists()
    assert [a.organisation.code for a in agreements_due_for_review(today)] == ["durham-police"]


@pytest.mark.django_db
def test_seed_demo_refuses_a_weak_password():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="too short"):
        call_command("seed_demo", "--password", "short", stdout=StringIO())
    assert User.objects.count() == 0
