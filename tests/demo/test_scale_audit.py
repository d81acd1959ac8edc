"""The generated partnership's audit trail (demo.scale with ``audit=True``): events of each
kind a referral's life leaves, about its people, by its users, spread over the months, sealed
onto the chain so that ``audit_verify`` passes, and the chain still catching a break."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from audit.chain import verify_chain
from audit.models import AuditEvent, ChainHead, EventKind
from demo import scale
from referrals.models import Consent, Person

pytestmark = pytest.mark.django_db

PEOPLE = 50


def test_generated_events_are_sealed_onto_the_chain_and_verify():
    head = ChainHead.objects.filter(pk=1).first()
    before = head.seq if head else 0
    generated = scale.generate_partnership(people=PEOPLE, months=12, seed=5, batch=20, audit=True)

    written = generated.rows["audit events"]
    # About ten a person: the consents' changes, the referrer's, the coordinator's, the
    # panel's and the lead professional's looks, and the disclosures to the panel.
    assert 6 * PEOPLE <= written <= 20 * PEOPLE
    head = ChainHead.objects.get(pk=1)
    assert head.seq >= before + written
    generated_events = AuditEvent.objects.filter(seq__gt=before)
    kinds = set(generated_events.values_list("kind", flat=True))
    assert {EventKind.ACCESS, EventKind.DISCLOSURE, EventKind.CHANGE} <= kinds

    # About the generated people, by the generated partnership's users, over the months.
    people = set(
        Person.objects.filter(
            created_by_organisation__code__startswith=scale.CODE_PREFIX
        ).values_list("pk", flat=True)
    )
    about = set(generated_events.exclude(person_id=None).values_list("person_id", flat=True))
    assert about
    assert about <= people
    assert len(about) > PEOPLE // 2
    users = set(generated_events.values_list("user__username", flat=True))
    assert all(name.startswith(scale.CODE_PREFIX) for name in users)
    months = {e.strftime("%Y-%m") for e in generated_events.values_list("occurred_at", flat=True)}
    assert len(months) >= 6
    disclosure = generated_events.filter(kind=EventKind.DISCLOSURE).first()
    # To the panel member's organisation, on the rule that allowed it, with its citations.
    assert disclosure.recipient_organisation_id == disclosure.organisation_id
    assert disclosure.basis
    assert disclosure.details["rule"] == disclosure.basis
    assert disclosure.data_categories.startswith("identity")

    # Each change vouches for a consent's history row that is really there.
    change = generated_events.filter(kind=EventKind.CHANGE).first()
    history = Consent.history.model.objects.get(pk=change.details["history_id"])
    assert str(history.id) == change.object_id

    result = verify_chain()
    assert result.ok, result.problem
    assert result.checked == head.seq
    out = StringIO()
    call_command("audit_verify", stdout=out)

    # And the chain still catches an altered generated entry.
    victim = generated_events.order_by("seq")[written // 2]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE audit_auditevent SET object_id = 'tampered' WHERE seq = %s", [victim.seq]
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    broken = verify_chain()
    assert not broken.ok
    assert broken.seq == victim.seq
