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
from sharing.rules import ADULT_AGE
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
    # A list (the agenda) may read with its rows the purposes an approved basis covers: a
    # referral with none for ``purpose`` has nothing to load. Otherwise
    # ``lawful_bases.all()``, so that the list can prefetch them.
    approved_purposes = getattr(referral, "approved_basis_purposes", None)
    if approved_purposes is not None and purpose not in approved_purposes:
        return None
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
    referral: Referral,
    *,
    discloser,
    recipient,
    purpose: str,
    data_categories=None,
    in_force=None,
    permits: dict | None = None,
) -> Permit:
    """``sharing.services.disclosure_permit`` for what ``referral``'s record carries (or
    ``data_categories``, when less goes), about its person at today's age; ``in_force``: the
    agreements in force, when a page checking many items has loaded them. ``permits``: a
    page's answers so far, by all the rule and agreements depend on (the parties, the
    categories, the purpose, whether a child, the approved basis's rule), so that items alike are
    checked once; an answer that rests on an IG approval for one person is never reused."""
    categories = frozenset(
        referral_data_categories(referral) if data_categories is None else data_categories
    )
    age = age_on(referral.person.date_of_birth, timezone.localdate())
    basis_rule = basis_rule_for(referral, purpose)
    # A permit found depends on the age only as child or adult (a refusal names the age,
    # and is never reused).
    child = age is not None and age < ADULT_AGE
    key = (discloser.pk, recipient.pk, categories, purpose, child, basis_rule)
    if permits is not None and key in permits:
        return permits[key]
    permit = disclosure_permit(
        discloser=discloser,
        recipient=recipient,
        data_categories=categories,
        purpose=purpose,
        person_age=age,
        basis_rule=basis_rule,
        person_id=referral.person_id,
        in_force=in_force,
    )
    if permits is not None and (permit.coverage is None or permit.coverage.approval is None):
        permits[key] = permit
    return permit
