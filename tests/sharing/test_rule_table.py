"""The disclosure rule table: for each discloser, recipient, data and purpose, the rule that
permits it (with its citations) or a refusal naming why; the limits of PCSC Act 2022 s.16
and Crime and Disorder Act 1998 s.115 as the sections set them out."""

import pytest

from partners.models import Organisation
from sharing.rules import RULES, RULES_BY_ID, Layer
from sharing.services import WITHIN_ORGANISATION, DisclosureRefused, rule_permit
from sharing.vocabulary import DataCategory

ID = DataCategory.IDENTITY
HEALTH = DataCategory.HEALTH
OFFENCE = DataCategory.CRIMINAL_OFFENCE
NARRATIVE = DataCategory.SAFEGUARDING_NARRATIVE

_pk = iter(range(1, 10_000))


def org(kind: str, *, social_care: bool = False) -> Organisation:
    """An organisation of ``kind`` (not saved: the decision reads only its type)."""
    return Organisation(
        pk=next(_pk),
        name=f"A {kind} body",
        organisation_type=kind,
        provides_social_care=social_care,
    )


def citations(permit) -> str:
    return " | ".join(g.citation for g in permit.gateways)


# discloser, recipient, categories, purpose, age, the rule expected (None: refused), and a
# citation the permit must carry (or words the refusal must give).
TABLE = [
    # A child: safeguarding, whoever discloses and whoever receives (2024 advice).
    (
        "school",
        "health",
        {ID, NARRATIVE},
        "panel_discussion",
        14,
        "child-safeguarding",
        "Children Act 2004 s.11",
    ),
    (
        "voluntary",
        "police",
        {ID, NARRATIVE},
        "panel_discussion",
        14,
        "child-safeguarding",
        "Article 6(1)(f)",
    ),
    (
        "partnership",
        "voluntary",
        {ID, HEALTH},
        "intervention_delivery",
        15,
        "child-safeguarding",
        "Schedule 1 paragraph 18",
    ),
    (
        "youth_justice",
        "police",
        {ID, OFFENCE},
        "assessment",
        17,
        "child-safeguarding",
        "Schedule 8 paragraph 4",
    ),
    # An adult: s.16 between the persons it names, for what it does not bar.
    (
        "police",
        "school",
        {ID, OFFENCE, NARRATIVE},
        "information_sharing",
        25,
        "svd-s16",
        "Police, Crime, Sentencing and Courts Act 2022 s.16",
    ),
    (
        "local_authority",
        "school",
        {ID, NARRATIVE},
        "information_sharing",
        30,
        "svd-s16",
        "s.16(1) and (2)",
    ),
    ("police", "probation", {ID, OFFENCE}, "panel_discussion", 30, "svd-s16", "DPA 2018 s.31"),
    # s.115: anyone, to a relevant authority, health data on Schedule 1 paragraph 10.
    (
        "health",
        "police",
        {ID, HEALTH},
        "panel_discussion",
        30,
        "cda-s115",
        "Schedule 1 paragraph 10",
    ),
    (
        "school",
        "police",
        {ID, HEALTH},
        "information_sharing",
        30,
        "cda-s115",
        "Crime and Disorder Act 1998 s.115(1)",
    ),
    (
        "local_authority",
        "probation",
        {ID, NARRATIVE},
        "information_sharing",
        30,
        "cda-s115",
        "s.115(2)",
    ),
    (
        "voluntary",
        "partnership",
        {ID, OFFENCE},
        "panel_discussion",
        30,
        "cda-s115",
        "Article 6(1)(f)",
    ),
    # Delivery: identity and the reasons to a provider, never health.
    (
        "partnership",
        "voluntary",
        {ID},
        "intervention_delivery",
        30,
        "intervention-delivery",
        "PCSC Act 2022 s.13",
    ),
    (
        "police",
        "housing",
        {ID, OFFENCE, NARRATIVE},
        "intervention_delivery",
        22,
        "intervention-delivery",
        "Schedule 1 paragraph 6",
    ),
    # Refused, with the reason.
    ("partnership", "voluntary", {ID, HEALTH}, "intervention_delivery", 30, None, "health data"),
    (
        "police",
        "voluntary",
        {ID, NARRATIVE},
        "panel_discussion",
        25,
        None,
        "s.115 permits disclosure only to a relevant authority",
    ),
    ("health", "school", {ID, HEALTH}, "information_sharing", 30, None, "s.16(4)(b)"),
    ("housing", "voluntary", {ID}, "panel_discussion", 30, None, "s.16(2) names"),
    ("voluntary", "school", {ID}, "information_sharing", 30, None, "relevant authority"),
    ("probation", "housing", {ID}, "information_sharing", 30, None, "for children only"),
    ("voluntary", "voluntary", {ID}, "intervention_delivery", 30, None, "cannot disclose under it"),
]


@pytest.mark.parametrize(
    ("discloser", "recipient", "categories", "purpose", "age", "rule", "words"),
    TABLE,
    ids=[f"{row[0]}-{row[1]}-{row[3]}-{row[4]}-{'+'.join(sorted(row[2]))}" for row in TABLE],
)
def test_the_rule_table(discloser, recipient, categories, purpose, age, rule, words):
    social_care = discloser == "local_authority" and rule == "cda-s115"
    arguments = {
        "discloser": org(discloser, social_care=social_care),
        "recipient": org(recipient),
        "data_categories": categories,
        "purpose": purpose,
        "person_age": age,
    }
    if rule is None:
        with pytest.raises(DisclosureRefused) as refused:
            rule_permit(**arguments)
        assert words in refused.value.reason
        assert refused.value.message_dict["disclosure"] == [refused.value.reason]
        return
    permit = rule_permit(**arguments)
    assert permit.rule.id == rule
    assert permit.basis == rule
    assert words in citations(permit), citations(permit)
    layers = [g.layer for g in permit.gateways]
    assert layers[0] == Layer.ARTICLE_6
    assert (Layer.ARTICLE_9 in layers) == (HEALTH in categories)
    assert (Layer.ARTICLE_10 in layers) == (OFFENCE in categories)
    assert (Layer.PART_3 in layers) == ("police" in (discloser, recipient))
    assert permit.details["citations"]


class TestSection16:
    """PCSC Act 2022 s.16, as the section sets it out, when a lawful basis relies on it."""

    def relying_on_s16(self, discloser, recipient, categories, age=30):
        return rule_permit(
            discloser=discloser,
            recipient=recipient,
            data_categories=categories,
            purpose="information_sharing",
            person_age=age,
            basis_rule="svd-s16",
        )

    def test_it_never_carries_patient_information(self):
        with pytest.raises(DisclosureRefused) as refused:
            self.relying_on_s16(org("police"), org("school"), {ID, HEALTH})
        assert "s.16(4)(a) does not authorise the disclosure of patient information" in (
            refused.value.reason
        )

    def test_a_health_or_social_care_body_cannot_disclose_under_it(self):
        for discloser in (org("health"), org("local_authority", social_care=True)):
            with pytest.raises(DisclosureRefused) as refused:
                self.relying_on_s16(discloser, org("police"), {ID})
            assert "s.16(4)(b)" in refused.value.reason

    @pytest.mark.parametrize("recipient", ["voluntary", "housing"])
    def test_it_is_refused_to_persons_the_section_does_not_name(self, recipient):
        with pytest.raises(DisclosureRefused) as refused:
            self.relying_on_s16(org("police"), org(recipient), {ID})
        assert "s.16(1) permits disclosure only to another person named in s.16(2)" in (
            refused.value.reason
        )

    @pytest.mark.parametrize("discloser", ["voluntary", "housing"])
    def test_persons_the_section_does_not_name_cannot_disclose_under_it(self, discloser):
        with pytest.raises(DisclosureRefused) as refused:
            self.relying_on_s16(org(discloser), org("police"), {ID})
        assert "s.16(2) names" in refused.value.reason

    def test_between_named_persons_it_permits_with_its_citation(self):
        permit = self.relying_on_s16(org("school"), org("youth_justice"), {ID, NARRATIVE})
        assert permit.rule.id == "svd-s16"
        assert "s.16(1) and (2)" in citations(permit)

    def test_relied_on_for_a_child_it_is_checked_alone(self):
        """The basis names s.16: the child safeguarding rule is not tried in its place."""
        with pytest.raises(DisclosureRefused):
            self.relying_on_s16(org("police"), org("voluntary"), {ID}, age=14)


class TestSection115:
    def relying_on_s115(self, recipient, categories=(ID,)):
        return rule_permit(
            discloser=org("voluntary"),
            recipient=recipient,
            data_categories=set(categories),
            purpose="panel_discussion",
            person_age=30,
            basis_rule="cda-s115",
        )

    @pytest.mark.parametrize("recipient", ["school", "voluntary", "housing"])
    def test_it_is_refused_to_a_body_that_is_not_a_relevant_authority(self, recipient):
        with pytest.raises(DisclosureRefused) as refused:
            self.relying_on_s115(org(recipient))
        assert "s.115 permits disclosure only to a relevant authority (s.115(2))" in (
            refused.value.reason
        )

    @pytest.mark.parametrize(
        "recipient", ["police", "local_authority", "probation", "health", "youth_justice"]
    )
    def test_anyone_may_disclose_to_a_relevant_authority(self, recipient):
        permit = self.relying_on_s115(org(recipient), categories=(ID, HEALTH, OFFENCE))
        assert permit.rule.id == "cda-s115"
        assert "Crime and Disorder Act 1998 s.115(1)" in citations(permit)
        assert "UK GDPR Article 6(1)(f)" in citations(permit)  # a charity: not a public task


class TestTheTableItself:
    def test_rules_that_need_a_recorded_judgement_apply_only_on_an_approved_basis(self):
        arguments = {
            "discloser": org("voluntary"),
            "recipient": org("voluntary"),
            "data_categories": {ID, HEALTH},
            "purpose": "information_sharing",
            "person_age": 40,
        }
        with pytest.raises(DisclosureRefused) as refused:
            rule_permit(**arguments)
        assert "applies only where an approved lawful basis" in refused.value.reason
        permit = rule_permit(**arguments, basis_rule="vital-interests")
        assert "UK GDPR Article 9(2)(c)" in citations(permit)

    def test_within_one_organisation_nothing_is_disclosed(self):
        school = org("school")
        permit = rule_permit(
            discloser=school,
            recipient=school,
            data_categories={ID, HEALTH},
            purpose="assessment",
            person_age=40,
        )
        assert (permit.rule, permit.basis) == (None, WITHIN_ORGANISATION)

    def test_an_unknown_rule_on_a_basis_is_refused(self):
        with pytest.raises(DisclosureRefused):
            rule_permit(
                discloser=org("police"),
                recipient=org("school"),
                data_categories={ID},
                purpose="assessment",
                person_age=40,
                basis_rule="consent",
            )

    @pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
    def test_each_rule_is_layered_for_what_it_carries(self, rule):
        assert RULES_BY_ID[rule.id] is rule
        assert rule.article_6.layer == Layer.ARTICLE_6
        if HEALTH in rule.data_categories:
            assert rule.article_9
            assert "Article 9" in rule.article_9.citation
        if OFFENCE in rule.data_categories:
            assert rule.article_10
            assert "s.10(5)" in rule.article_10.citation
        assert all(g.citation for g in rule.gateways())
        assert len(rule.id) <= 40  # the ledger's basis and the lawful basis store it
