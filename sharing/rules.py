"""The disclosure rule table: who may disclose what to whom, for which purpose, and on which
gateways, encoded once, with citations, for information governance to review.

Every disclosure the system makes (a case shared, an allocation offered to a provider, an
agenda item shown to another organisation, an export) is checked against this table by
``sharing.services.disclosure_permit``; the ledger records the rule that permitted it.

Each rule is layered as the law is, never one list mixing the layers:

- a UK GDPR Article 6 basis (public task for public bodies; legitimate interests for
  voluntary and housing organisations, which are not public authorities);
- an Article 9 condition with its DPA 2018 Schedule 1 paragraph, where health (special
  category) data is disclosed; a rule without one cannot carry health data;
- the Article 10 / DPA 2018 s.10(5) condition, where criminal offence data is disclosed;
- DPA 2018 Part 3, where the police disclose or receive for law enforcement purposes;
- the statutory power to disclose, where one is relied on (Crime and Disorder Act 1998
  s.115, PCSC Act 2022 s.16, the Children Act duties), within its own limits.

Consent is not a gateway here. HM Government, "Information sharing: advice for
practitioners providing safeguarding services to children, young people, parents and
carers" (May 2024): consent as a lawful basis under data protection law "is not usually
the appropriate legal basis for sharing information to safeguard children"; agreement to
take part in a service is a separate matter (recorded elsewhere).

Exports: panel minutes, on the page, as JSON and as CSV, are checked item by item for the
reader's organisation (``cases.disclosures.release_minutes``). A subject access release
(``audit``) is not a disclosure to another organisation: it goes to the data subject under
UK GDPR Article 15, so no rule here applies; what it withholds (third parties' data, DPA
2018 Schedule 2 paragraph 16; serious harm, Schedule 3) is IG's judgement at release.

Rules are tried in table order; the first that permits the disclosure is the one recorded.
A rule that is not ``standing`` (vital interests, an adult at risk) depends on a judgement
about the person the system cannot make, so it applies only where an approved lawful basis
on the referral names it.
"""

from dataclasses import dataclass, field

from django.db import models

from partners.models import OrganisationType
from sharing.vocabulary import DataCategory, Purpose

T = OrganisationType
C = DataCategory
P = Purpose

ADULT_AGE = 18


class Layer(models.TextChoices):
    ARTICLE_6 = "article_6", "UK GDPR Article 6 lawful basis"
    ARTICLE_9 = "article_9", "Article 9 condition (special category data)"
    ARTICLE_10 = "article_10", "Article 10 condition (criminal offence data)"
    PART_3 = "part_3", "DPA 2018 Part 3 (police processing for law enforcement)"
    POWER = "power", "Power or duty to disclose"


class AgeCondition(models.TextChoices):
    ANY = "any", "Any age"
    CHILD = "child", "Children only (under 18)"


@dataclass(frozen=True)
class Gateway:
    layer: str
    title: str
    citation: str

    @property
    def layer_label(self) -> str:
        return Layer(self.layer).label


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    summary: str
    disclosers: frozenset
    recipients: frozenset
    data_categories: frozenset
    purposes: frozenset
    article_6: Gateway
    age: str = AgeCondition.ANY
    # Voluntary and housing organisations are not public authorities: no public task.
    article_6_non_public: Gateway | None = None
    article_9: Gateway | None = None
    article_10: Gateway | None = None
    part_3: Gateway | None = None
    power: Gateway | None = None
    standing: bool = True
    # Why a discloser, recipient or category outside the rule is refused, in the words of
    # the authority that limits it.
    discloser_limit: str = ""
    recipient_limit: str = ""
    category_limit: str = ""
    # The discloser is refused when it is a health or social care body (the organisation's
    # ``is_health_or_social_care``), with this reason.
    health_or_social_care_bar: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def gateways(self) -> list[Gateway]:
        return [
            g
            for g in (
                self.article_6,
                self.article_6_non_public,
                self.article_9,
                self.article_10,
                self.part_3,
                self.power,
            )
            if g is not None
        ]


NON_PUBLIC_TYPES = frozenset({T.VOLUNTARY, T.HOUSING})
ALL_TYPES = frozenset(T.values)
ALL_CATEGORIES = frozenset(C.values)
ALL_PURPOSES = frozenset(P.values)

# PCSC Act 2022 s.16(2): "(a) a specified authority; (b) a local policing body; (c) an
# educational authority; (d) a prison authority; (e) a youth custody authority."
# Specified authorities (s.11, Schedule 1): chief officers of police, local authorities,
# youth offending teams, providers of probation services, integrated care boards (the health
# partner of the duty), fire and rescue authorities. Schools are educational authorities
# (s.17). The partnership team is taken to be the violence reduction unit of the local
# policing body (s.16(2)(b)) that convenes the partnership: IG should confirm this per area.
# Voluntary and housing organisations are none of these.
S16_PERSONS = frozenset(
    {T.POLICE, T.LOCAL_AUTHORITY, T.YOUTH_JUSTICE, T.PROBATION, T.HEALTH, T.SCHOOL, T.PARTNERSHIP}
)

# Crime and Disorder Act 1998 s.115(2) relevant authorities: chief officers of police, local
# authorities, providers of probation services, health bodies (integrated care boards,
# NHS bodies named there); youth offending teams are established by local authorities under
# s.39 and act on their behalf; the partnership team acts on behalf of the community safety
# partnership's responsible authorities (s.115(1)(b)). Not schools, housing providers or
# voluntary organisations.
S115_RELEVANT_AUTHORITIES = frozenset(
    {T.POLICE, T.LOCAL_AUTHORITY, T.PROBATION, T.HEALTH, T.YOUTH_JUSTICE, T.PARTNERSHIP}
)

PUBLIC_TASK = Gateway(
    Layer.ARTICLE_6,
    "Public task",
    "UK GDPR Article 6(1)(e); DPA 2018 s.8 (a function conferred by an enactment)",
)
LEGITIMATE_INTERESTS = Gateway(
    Layer.ARTICLE_6,
    "Legitimate interests (organisations that are not public authorities)",
    "UK GDPR Article 6(1)(f)",
)
POLICE_LAW_ENFORCEMENT = Gateway(
    Layer.PART_3,
    "Police processing for the prevention and detection of criminal offences",
    "DPA 2018 s.31 (law enforcement purposes); s.35(2)(b) (necessary for a task carried out "
    "for that purpose by a competent authority); s.35(5) and Schedule 8 for sensitive "
    "processing; s.36(4) where the data goes on to be processed for another purpose",
)


RULES: tuple[Rule, ...] = (
    Rule(
        id="child-safeguarding",
        title="Safeguarding a child (Children Act 2004 s.11; Children Act 1989 s.47)",
        summary=(
            "Any partner may share what is needed to safeguard a child with the partners who "
            "safeguard them, including the providers who work with the child."
        ),
        disclosers=ALL_TYPES,
        recipients=ALL_TYPES,
        data_categories=ALL_CATEGORIES,
        purposes=ALL_PURPOSES,
        age=AgeCondition.CHILD,
        article_6=PUBLIC_TASK,
        article_6_non_public=LEGITIMATE_INTERESTS,
        article_9=Gateway(
            Layer.ARTICLE_9,
            "Substantial public interest: safeguarding of children and of individuals at risk",
            "UK GDPR Article 9(2)(g); DPA 2018 s.10(3) and Schedule 1 paragraph 18",
        ),
        article_10=Gateway(
            Layer.ARTICLE_10,
            "Safeguarding of children and of individuals at risk",
            "UK GDPR Article 10; DPA 2018 s.10(5) and Schedule 1 paragraph 18 (with paragraph 36)",
        ),
        part_3=Gateway(
            Layer.PART_3,
            "Police processing for law enforcement: safeguarding of children",
            "DPA 2018 s.31; s.35(5) and Schedule 8 paragraph 4 (safeguarding of children "
            "and of individuals at risk)",
        ),
        power=Gateway(
            Layer.POWER,
            "Duty to safeguard and promote the welfare of children; child protection enquiries",
            "Children Act 2004 s.11(2); Children Act 1989 s.47 (enquiries by the local "
            "authority, which the bodies in s.47(11) must assist); Education Act 2002 s.175 "
            "for schools; HM Government, Information sharing advice (2024)",
        ),
        notes=(
            "The 2024 advice: protecting a child from harm takes priority over protecting "
            "their privacy; consent is not usually the right basis for safeguarding sharing.",
        ),
    ),
    Rule(
        id="svd-s16",
        title="Serious Violence Duty gateway (PCSC Act 2022 s.16)",
        summary=(
            "A person named in PCSC Act 2022 s.16(2) may disclose information it holds to "
            "another so named, for that person's functions under the Serious Violence Duty. "
            "Not patient information; not personal information held by health or social "
            "care."
        ),
        disclosers=S16_PERSONS,
        recipients=S16_PERSONS,
        data_categories=frozenset({C.IDENTITY, C.CRIMINAL_OFFENCE, C.SAFEGUARDING_NARRATIVE}),
        purposes=ALL_PURPOSES,
        article_6=PUBLIC_TASK,
        article_10=Gateway(
            Layer.ARTICLE_10,
            "Statutory and government purposes",
            "UK GDPR Article 10; DPA 2018 s.10(5) and Schedule 1 paragraph 6",
        ),
        part_3=POLICE_LAW_ENFORCEMENT,
        power=Gateway(
            Layer.POWER,
            "Serious Violence Duty information gateway",
            "Police, Crime, Sentencing and Courts Act 2022 s.16(1) and (2), within "
            "s.16(4)(a) to (d)",
        ),
        discloser_limit=(
            "PCSC Act 2022 s.16(2) names specified authorities, local policing bodies, "
            "educational, prison and youth custody authorities only"
        ),
        recipient_limit=(
            "PCSC Act 2022 s.16(1) permits disclosure only to another person named in s.16(2)"
        ),
        category_limit=(
            "PCSC Act 2022 s.16(4)(a) does not authorise the disclosure of patient information"
        ),
        health_or_social_care_bar=(
            "PCSC Act 2022 s.16(4)(b) does not authorise the disclosure of personal "
            "information by a health or social care authority"
        ),
    ),
    Rule(
        id="cda-s115",
        title="Disclosure to a relevant authority (Crime and Disorder Act 1998 s.115)",
        summary=(
            "Anyone may disclose to a relevant authority (or a person acting on its behalf) "
            "where the disclosure is necessary or expedient for the Crime and Disorder Act "
            "1998, including the partnership strategies of s.6, which cover serious "
            "violence."
        ),
        disclosers=ALL_TYPES,
        recipients=S115_RELEVANT_AUTHORITIES,
        data_categories=ALL_CATEGORIES,
        purposes=ALL_PURPOSES,
        article_6=PUBLIC_TASK,
        article_6_non_public=LEGITIMATE_INTERESTS,
        article_9=Gateway(
            Layer.ARTICLE_9,
            "Substantial public interest: preventing or detecting unlawful acts",
            "UK GDPR Article 9(2)(g); DPA 2018 s.10(3) and Schedule 1 paragraph 10",
        ),
        article_10=Gateway(
            Layer.ARTICLE_10,
            "Preventing or detecting unlawful acts",
            "UK GDPR Article 10; DPA 2018 s.10(5) and Schedule 1 paragraph 10 (with paragraph 36)",
        ),
        part_3=POLICE_LAW_ENFORCEMENT,
        power=Gateway(
            Layer.POWER,
            "Power to disclose to a relevant authority",
            "Crime and Disorder Act 1998 s.115(1), relevant authorities as s.115(2); "
            "purposes of s.6 (strategies, including serious violence, as amended by PCSC "
            "Act 2022 s.20) and s.17",
        ),
        recipient_limit=(
            "Crime and Disorder Act 1998 s.115 permits disclosure only to a relevant "
            "authority (s.115(2)) or a person acting on its behalf"
        ),
    ),
    Rule(
        id="intervention-delivery",
        title="Delivering an intervention the panel allocated (PCSC Act 2022 s.13)",
        summary=(
            "The partners who run the panel may give a provider what it needs to deliver "
            "the intervention allocated: who the person is and why they were referred; "
            "no health data."
        ),
        disclosers=frozenset(
            {
                T.PARTNERSHIP,
                T.LOCAL_AUTHORITY,
                T.POLICE,
                T.YOUTH_JUSTICE,
                T.PROBATION,
                T.SCHOOL,
                T.HEALTH,
            }
        ),
        recipients=ALL_TYPES,
        data_categories=frozenset({C.IDENTITY, C.CRIMINAL_OFFENCE, C.SAFEGUARDING_NARRATIVE}),
        purposes=frozenset({P.INTERVENTION_DELIVERY}),
        article_6=Gateway(
            Layer.ARTICLE_6,
            "Public task: the specified authorities' duty to prevent and reduce serious violence",
            "UK GDPR Article 6(1)(e); DPA 2018 s.8; PCSC Act 2022 s.13",
        ),
        article_10=Gateway(
            Layer.ARTICLE_10,
            "Statutory and government purposes",
            "UK GDPR Article 10; DPA 2018 s.10(5) and Schedule 1 paragraph 6",
        ),
        part_3=POLICE_LAW_ENFORCEMENT,
        discloser_limit=(
            "only the public bodies that allocate interventions under the Serious Violence "
            "Duty (PCSC Act 2022 s.13) disclose for delivery"
        ),
        category_limit=(
            "no Article 9 condition covers giving a provider health data for delivery; "
            "health data stays with the partners"
        ),
    ),
    Rule(
        id="adult-at-risk",
        title="Safeguarding an adult at risk (DPA 2018 Schedule 1 para 18; Care Act 2014 s.42)",
        summary=(
            "Where an approved lawful basis records that the adult is at risk (care and "
            "support needs, at risk of harm, unable to protect themselves), partners may "
            "share with those who safeguard them."
        ),
        disclosers=ALL_TYPES,
        recipients=frozenset(
            {T.LOCAL_AUTHORITY, T.POLICE, T.HEALTH, T.PARTNERSHIP, T.PROBATION, T.HOUSING}
        ),
        data_categories=ALL_CATEGORIES,
        purposes=ALL_PURPOSES,
        article_6=PUBLIC_TASK,
        article_6_non_public=LEGITIMATE_INTERESTS,
        article_9=Gateway(
            Layer.ARTICLE_9,
            "Substantial public interest: safeguarding of individuals at risk",
            "UK GDPR Article 9(2)(g); DPA 2018 s.10(3) and Schedule 1 paragraph 18(1)(b) and (3)",
        ),
        article_10=Gateway(
            Layer.ARTICLE_10,
            "Safeguarding of individuals at risk",
            "UK GDPR Article 10; DPA 2018 s.10(5) and Schedule 1 paragraph 18 (with paragraph 36)",
        ),
        part_3=Gateway(
            Layer.PART_3,
            "Police processing for law enforcement: safeguarding of individuals at risk",
            "DPA 2018 s.31; s.35(5) and Schedule 8 paragraph 4",
        ),
        power=Gateway(
            Layer.POWER,
            "Safeguarding enquiries by the local authority",
            "Care Act 2014 s.42 and s.45",
        ),
        standing=False,
        recipient_limit="only the partners who safeguard adults (Care Act 2014 s.6, s.42)",
    ),
    Rule(
        id="vital-interests",
        title="Protecting someone's life (vital interests, UK GDPR Article 6(1)(d))",
        summary=(
            "Where an approved lawful basis records a risk to life and that the person "
            "cannot consent, what is needed to protect them may be shared with anyone who "
            "can."
        ),
        disclosers=ALL_TYPES,
        recipients=ALL_TYPES,
        data_categories=ALL_CATEGORIES,
        purposes=ALL_PURPOSES,
        article_6=Gateway(Layer.ARTICLE_6, "Vital interests", "UK GDPR Article 6(1)(d)"),
        article_9=Gateway(
            Layer.ARTICLE_9,
            "Vital interests of a person incapable of giving consent",
            "UK GDPR Article 9(2)(c)",
        ),
        article_10=Gateway(
            Layer.ARTICLE_10,
            "Protecting an individual's vital interests",
            "UK GDPR Article 10; DPA 2018 s.10(5) and Schedule 1 paragraph 30",
        ),
        part_3=Gateway(
            Layer.PART_3,
            "Police processing for law enforcement: protecting an individual's vital interests",
            "DPA 2018 s.31; s.35(5) and Schedule 8 paragraph 3",
        ),
        standing=False,
    ),
)

RULES_BY_ID = {rule.id: rule for rule in RULES}

# For a choice field naming the rule an approved lawful basis relies on.
RULE_CHOICES = [(rule.id, rule.title) for rule in RULES]


def rule_title(rule_id: str) -> str:
    rule = RULES_BY_ID.get(rule_id)
    return rule.title if rule else rule_id
