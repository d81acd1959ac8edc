"""Agreement to take part is recorded apart from consent and the lawful basis (HM
Government, Information sharing advice for safeguarding practitioners, 2024).

- Each consent decision for intervention delivery becomes the same giver's agreement to
  take part (given: agreed; refused: declined; withdrawn: withdrawn; not sought: nothing to
  carry over), and the consent row goes; both steps are written to the history tables.
- A lawful basis for intervention delivery cannot stand in for agreement to take part: an
  approved one is revoked and one awaiting approval is rejected, each with a note saying
  why, and both steps are in the history.

``permitted_purposes`` is left as it was: ``referrals.participation.reconcile_delivery``
(run after every migrate) recomputes the referrals whose intervention delivery rested on
something other than an agreement, so that the loss reaches allocations, the provider's
view and the disclosure ledger through the services, as any other withdrawal would.
"""

from django.db import migrations
from django.utils import timezone

DELIVERY = "intervention_delivery"
DECISIONS = {"given": "agreed", "refused": "declined", "withdrawn": "withdrawn"}
CARRIED_OVER = "Carried over from consent for intervention delivery"
MOVED = "Moved to agreement to take part"
NOT_A_STAND_IN = (
    "A lawful basis cannot stand in for agreement to take part in a voluntary intervention "
    "(HM Government information sharing advice, 2024): agreement is recorded on its own."
)
BASIS_ENDS = {"approved": "revoked", "pending": "rejected"}


def _fields(instance):
    # Every column as the model stands at this migration, whatever later ones add.
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def forwards(apps, schema_editor):
    Consent = apps.get_model("referrals", "Consent")
    HistoricalConsent = apps.get_model("referrals", "HistoricalConsent")
    Participation = apps.get_model("referrals", "Participation")
    HistoricalParticipation = apps.get_model("referrals", "HistoricalParticipation")
    LawfulBasis = apps.get_model("referrals", "LawfulBasis")
    HistoricalLawfulBasis = apps.get_model("referrals", "HistoricalLawfulBasis")
    now = timezone.now()

    for consent in Consent.objects.filter(purpose=DELIVERY).order_by("pk"):
        decision = DECISIONS.get(consent.decision)
        if decision is not None:
            participation = Participation.objects.create(
                referral_id=consent.referral_id,
                given_by=consent.given_by,
                decision=decision,
                decided_on=consent.decided_on,
                method=consent.method,
                giver_name=consent.giver_name,
                note=consent.note,
                recorded_by_id=consent.recorded_by_id,
            )
            HistoricalParticipation.objects.create(
                **_fields(participation),
                history_date=now,
                history_type="+",
                history_change_reason=CARRIED_OVER,
                history_user_id=consent.recorded_by_id,
            )
        HistoricalConsent.objects.create(
            **_fields(consent),
            history_date=now,
            history_type="-",
            history_change_reason=MOVED,
            history_user_id=None,
        )
        consent.delete()

    for basis in LawfulBasis.objects.filter(purpose=DELIVERY, status__in=list(BASIS_ENDS)):
        basis.status = BASIS_ENDS[basis.status]
        basis.decision_note = NOT_A_STAND_IN
        basis.save(update_fields=["status", "decision_note"])
        HistoricalLawfulBasis.objects.create(
            **_fields(basis),
            history_date=now,
            history_type="~",
            history_change_reason="Not a stand-in for agreement to take part",
            history_user_id=None,
        )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0006_participation")]

    # Irreversible: which consent rows became agreements is in the history tables.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
