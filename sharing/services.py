"""The one decision every disclosure asks: does a rule of ``sharing.rules`` permit it?"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError

from partners.models import Organisation, OrganisationType
from sharing.agreements import Coverage, disclosure_coverage
from sharing.rules import (
    ADULT_AGE,
    NON_PUBLIC_TYPES,
    RULES,
    RULES_BY_ID,
    AgeCondition,
    Gateway,
    Rule,
)
from sharing.vocabulary import DataCategory, Purpose, in_words

WITHIN_ORGANISATION = "within-organisation"


class DisclosureRefused(ValidationError):
    """No rule permits the disclosure: a 400 on ``disclosure`` with the reason, raised before
    anything is written, so the caller's transaction leaves nothing behind."""

    def __init__(self, reason: str):
        super().__init__({"disclosure": ValidationError(reason, code="no_sharing_rule")})
        self.reason = reason


@dataclass(frozen=True)
class Permit:
    """The rule that permits a disclosure, and the gateways it relies on for this one (an
    Article 9 condition only when health data goes, Part 3 only when the police are party)."""

    rule: Rule | None
    gateways: tuple[Gateway, ...] = ()
    coverage: Coverage | None = None

    @property
    def basis(self) -> str:
        """What the ledger's ``basis`` holds: the rule's stable id."""
        return self.rule.id if self.rule else WITHIN_ORGANISATION

    @property
    def details(self) -> dict:
        if self.rule is None:
            return {"rule": WITHIN_ORGANISATION}
        details = {
            "rule": self.rule.id,
            "rule_title": self.rule.title,
            "citations": [f"{g.layer_label}: {g.citation}" for g in self.gateways],
        }
        if self.coverage is not None:
            details["covered_by"] = self.coverage.basis
        return details


def _why_not(rule: Rule, *, discloser, recipient, categories, purpose, age, basis_rule):
    if basis_rule is not None and rule.id != basis_rule:
        return None  # not considered: the approved basis names another rule
    if not rule.standing and rule.id != basis_rule:
        return "applies only where an approved lawful basis on the referral relies on it"
    if purpose not in rule.purposes:
        return f"not for {Purpose(purpose).label.lower()}"
    if rule.age == AgeCondition.CHILD and (age is None or age >= ADULT_AGE):
        return f"for children only, and the person is aged {age}"
    if discloser.organisation_type not in rule.disclosers:
        kind = OrganisationType(discloser.organisation_type).label.lower()
        return f"{discloser} ({kind}) cannot disclose under it: {rule.discloser_limit}"
    if rule.health_or_social_care_bar and discloser.is_health_or_social_care:
        return f"{discloser} is a health or social care body: {rule.health_or_social_care_bar}"
    if recipient.organisation_type not in rule.recipients:
        kind = OrganisationType(recipient.organisation_type).label.lower()
        return f"{recipient} ({kind}) cannot receive under it: {rule.recipient_limit}"
    beyond = set(categories) - rule.data_categories
    if beyond:
        return f"it does not carry {in_words(DataCategory, beyond)} data: {rule.category_limit}"
    return ""


def _gateways(rule: Rule, *, discloser, recipient, categories) -> tuple[Gateway, ...]:
    article_6 = rule.article_6
    if discloser.organisation_type in NON_PUBLIC_TYPES and rule.article_6_non_public:
        article_6 = rule.article_6_non_public
    police = OrganisationType.POLICE in (discloser.organisation_type, recipient.organisation_type)
    layered = [
        article_6,
        rule.article_9 if DataCategory.HEALTH in categories else None,
        rule.article_10 if DataCategory.CRIMINAL_OFFENCE in categories else None,
        rule.part_3 if police else None,
        rule.power,
    ]
    return tuple(g for g in layered if g is not None)


def rule_permit(
    *,
    discloser: Organisation,
    recipient: Organisation,
    data_categories: Iterable[str],
    purpose: str,
    person_age: int | None,
    basis_rule: str | None = None,
) -> Permit:
    """The rule that permits ``discloser`` to give ``recipient`` data of ``data_categories``
    about a person aged ``person_age``, for ``purpose``; or ``DisclosureRefused`` with the
    reason each rule gives.

    ``basis_rule`` names the rule an approved lawful basis relies on, when the purpose goes
    ahead on that basis (the person refused, or was not asked): then that rule alone may
    permit it, checked for this discloser and this recipient, not once for the referrer.

    The rule table alone, in law: ``disclosure_permit`` adds the information sharing
    agreements.
    """
    categories = frozenset(data_categories)
    if discloser.pk == recipient.pk:
        # Not a disclosure: the organisation already holds what it is shown.
        return Permit(rule=None)
    if basis_rule is not None and basis_rule not in RULES_BY_ID:
        raise DisclosureRefused(f"The approved lawful basis names an unknown rule ({basis_rule})")
    reasons = []
    for rule in RULES:
        why_not = _why_not(
            rule,
            discloser=discloser,
            recipient=recipient,
            categories=categories,
            purpose=purpose,
            age=person_age,
            basis_rule=basis_rule,
        )
        if why_not is None:
            continue
        if why_not == "":
            return Permit(
                rule=rule,
                gateways=_gateways(
                    rule, discloser=discloser, recipient=recipient, categories=categories
                ),
            )
        reasons.append(f"{rule.title}: {why_not}")
    prefix = (
        f"No sharing rule permits {discloser} to disclose "
        f"{in_words(DataCategory, categories)} data to {recipient} for "
        f"{Purpose(purpose).label.lower()}"
    )
    raise DisclosureRefused(f"{prefix}. " + "; ".join(reasons) + ".")


def disclosure_permit(
    *,
    discloser: Organisation,
    recipient: Organisation,
    data_categories: Iterable[str],
    purpose: str,
    person_age: int | None,
    basis_rule: str | None = None,
    person_id=None,
    in_force=None,
) -> Permit:
    """The rule that permits the disclosure (``rule_permit``), where it also falls within an
    information sharing agreement in force for both parties, or an information governance
    officer's recorded approval for this person (``sharing.agreements.disclosure_coverage``;
    ``in_force`` passes the agreements a page has already loaded). Raises
    ``DisclosureRefused`` with the reason otherwise."""
    data_categories = frozenset(data_categories)
    permit = rule_permit(
        discloser=discloser,
        recipient=recipient,
        data_categories=data_categories,
        purpose=purpose,
        person_age=person_age,
        basis_rule=basis_rule,
    )
    if permit.rule is None:
        return permit
    coverage = disclosure_coverage(
        discloser=discloser,
        recipient=recipient,
        purpose=purpose,
        data_categories=data_categories,
        person_id=person_id,
        in_force=in_force,
    )
    if not coverage:
        raise DisclosureRefused(
            f"{permit.rule.title} permits it in law, but it is outside an information sharing "
            f"agreement: {coverage.reason}. An information governance officer must approve a "
            "disclosure outside an agreement"
        )
    return replace(permit, coverage=coverage)
