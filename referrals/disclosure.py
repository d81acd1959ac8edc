"""What a referral's record carries when it is disclosed, and the rule that permits it.

The data categories are worked out from the record, not asked of whoever shares it:
- identity: always (name, date of birth, contact details, or the referral's reference);
- safeguarding narrative: the referral's reasons, risk factors and the panel's rationale,
  whenever more than identity goes;
- criminal offence: the adult, night-time economy and domestic abuse pathways are about
  alleged violence (UK GDPR Article 10 covers allegations, not only convictions), and so
  are the risk factors naming offending (knife carrying, criminal exploitation, gang
  association, previous violence, domestic abuse history);
- health: a referral made by a health body (an emergency department's navigator, say)
  carries what it learned in treating the person (special category data, Article 9).
"""

from django.utils import timezone

from partners.models import OrganisationType
from referrals.consent import consent_position
from referrals.models import LawfulBasis, LawfulBasisStatus, Referral
from referrals.pathways import Pathway, RiskFactor, age_on
from sharing.services import Permit, disclosure_permit
from sharing.vocabulary import DataCategory

OFFENCE_PATHWAYS = frozenset({Pathway.NTE_ALCOHOL, Pathway.ADULT_18_35, Pathway.DA_KNIFE_REPEAT})
OFFENCE_RISK_FACTORS = frozenset(
    {
        RiskFactor.KNIFE_CARRYING,
        RiskFactor.CRIMINAL_EXPLOITATION,
        RiskFactor.GANG_ASSOCIATION,
        RiskFactor.PREVIOUS_VIOLENCE,
        RiskFactor.DOMESTIC_ABUSE_HISTORY,
    }
)
IDENTITY_ONLY = frozenset({DataCategory.IDENTITY})


def referral_data_categories(referral: Referral) -> frozenset[str]:
    """The categories the referral's record carries (see the module's rules)."""
    categories = {DataCategory.IDENTITY, DataCategory.SAFEGUARDING_NARRATIVE}
    if referral.pathway in OFFENCE_PATHWAYS or OFFENCE_RISK_FACTORS & set(
        referral.risk_factors or []
    ):
        categories.add(DataCategory.CRIMINAL_OFFENCE)
    if referral.organisation.organisation_type == OrganisationType.HEALTH:
        categories.add(DataCategory.HEALTH)
    return frozenset(categories)


def approved_basis_for(referral: Referral, purpose: str) -> LawfulBasis | None:
    """The approved lawful basis ``purpose`` goes ahead on (the latest decided), when it rests
    on one rather than on the person's agreement; ``None`` otherwise. The one answer a case
    share records and a disclosure is checked against."""
    # ``lawful_bases.all()`` so that a list (the agenda) can prefetch them.
    approved = [
        basis
        for basis in referral.lawful_bases.all()
        if basis.purpose == purpose and basis.status == LawfulBasisStatus.APPROVED
    ]
    if not approved:
        return None
    position = consent_position(referral).get(purpose)
    if position is None or position.via != "lawful_basis":
        return None
    return max(approved, key=lambda basis: (basis.decided_at or basis.recorded_at, basis.pk))


def basis_rule_for(referral: Referral, purpose: str) -> str | None:
    """The rule an approved lawful basis relies on, when ``purpose`` goes ahead on that basis
    rather than on the person's agreement; ``None`` when agreement covers it."""
    basis = approved_basis_for(referral, purpose)
    return basis.ground if basis else None


def referral_disclosure_permit(
    referral: Referral, *, discloser, recipient, purpose: str, data_categories=None, in_force=None
) -> Permit:
    """``sharing.services.disclosure_permit`` for what ``referral``'s record carries (or
    ``data_categories``, when less goes), about its person at today's age; ``in_force``: the
    agreements in force, when a page checking many items has loaded them."""
    return disclosure_permit(
        discloser=discloser,
        recipient=recipient,
        data_categories=(
            referral_data_categories(referral) if data_categories is None else data_categories
        ),
        purpose=purpose,
        person_age=age_on(referral.person.date_of_birth, timezone.localdate()),
        basis_rule=basis_rule_for(referral, purpose),
        person_id=referral.person_id,
        in_force=in_force,
    )
