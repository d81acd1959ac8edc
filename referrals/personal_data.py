"""What the referrals app holds about a person, for audit's export, retention and erasure.

The person record itself is here, so this provider also finds people, matches the records
of the same human kept under other person records (blind indexes), and says how long a
person recorded but never referred is kept.
"""

from django.conf import settings
from django.utils import timezone

from audit.registry import (
    PersonalDataOfPeople,
    PersonSummary,
    RetainedPerson,
    RetentionFact,
    Statistic,
    rows,
    years_after,
)
from referrals.models import (
    Consent,
    DashRecord,
    GillickAssessment,
    LawfulBasis,
    MaracReferral,
    Participation,
    Person,
    PersonGroupObjectPermission,
    PersonUserObjectPermission,
    Referral,
    ReferralStatus,
    VictimPerpetratorLink,
)
from referrals.selectors import same_person_condition
from referrals.services import MatchQuery, people_matching

# A referral that ends here closes the person's involvement without a case.
CLOSED_WITHOUT_CASE = (
    ReferralStatus.DECLINED,
    ReferralStatus.SIGNPOSTED,
    ReferralStatus.NO_FURTHER_ACTION,
    ReferralStatus.WITHDRAWN,
)

PERSON_FIELDS = [
    "id",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "address",
    "postcode",
    "nhs_number",
    "police_reference",
    "unique_pupil_number",
    "ethnicity",
    "disability",
    "created_at",
]
REFERRAL_FIELDS = [
    "id",
    "person_id",
    "pathway",
    "status",
    "area",
    "referral_date",
    "incident_date",
    "incident_place",
    "narrative",
    "risk_factors",
    "risk_level",
    "legacy_dash_score",
    "marac_referral_required",
    "screening_note",
    "return_questions",
    "referrer_answer",
    "withdrawal_reason",
    "submitted_at",
]


def _summary(person: Person) -> PersonSummary:
    return PersonSummary(
        id=person.pk,
        name=person.full_name,
        date_of_birth=person.date_of_birth,
    )


def _with_rows(queryset, fields):
    """Each record with its export row, for a section that words a field itself."""
    records = list(queryset)
    return zip(records, rows(records, fields), strict=True)


class ReferralsPersonalData(PersonalDataOfPeople):
    label = "referrals"
    person_model = Person
    # django-guardian's per-person permission rows go with the person (on_delete=CASCADE).
    models = (
        Person,
        PersonUserObjectPermission,
        PersonGroupObjectPermission,
        Referral,
        Consent,
        GillickAssessment,
        LawfulBasis,
        Participation,
        DashRecord,
        VictimPerpetratorLink,
        MaracReferral,
    )
    export_models = {
        "people": Person,
        "referrals": Referral,
        "consents": Consent,
        "gillick_assessments": GillickAssessment,
        "lawful_bases": LawfulBasis,
        "agreements_to_take_part": Participation,
        "dash_records": DashRecord,
        "perpetrator_links": VictimPerpetratorLink,
        "marac_referrals": MaracReferral,
    }
    named_records = {
        "person": (Person, "pk"),
        "referral": (Referral, "person_id"),
        "consent": (Consent, "referral__person_id"),
        "gillick_assessment": (GillickAssessment, "referral__person_id"),
        "lawful_basis": (LawfulBasis, "referral__person_id"),
        "participation": (Participation, "referral__person_id"),
        "dash_record": (DashRecord, "referral__person_id"),
        # Named by the victim's referral: the perpetrator is never named to the victim's side.
        "perpetrator_link": (VictimPerpetratorLink, "referral__person_id"),
        "marac_referral": (MaracReferral, "referral__person_id"),
    }

    def find(self, person_id):
        return Person.objects.filter(pk=person_id).first()

    def find_people(
        self, *, family_name="", date_of_birth=None, nhs_number="", police_reference=""
    ):
        query = MatchQuery(
            family_name=family_name,
            date_of_birth=date_of_birth,
            nhs_number=nhs_number,
            police_reference=police_reference,
        )
        return [_summary(person) for person in people_matching(query).order_by("created_at")]

    def summaries(self, person_ids):
        ids = {pk for pk in person_ids if pk}
        if not ids:
            return {}
        return {person.pk: _summary(person) for person in Person.objects.filter(pk__in=ids)}

    def same_people(self, person) -> list:
        return list(
            Person.objects.filter(same_person_condition(person))
            .order_by("created_at")
            .values_list("pk", flat=True)
        )

    def people(self):
        years = settings.RETENTION["referral_closed_without_case"]
        for person in Person.objects.all().only("id", "created_at"):
            recorded = timezone.localtime(person.created_at).date()
            yield RetainedPerson(id=person.pk, kept_until_alone=years_after(recorded, years))

    def export(self, person_ids: list) -> dict[str, list[dict]]:
        referrals = Referral.objects.filter(person_id__in=person_ids)
        return {
            "people": rows(
                Person.objects.filter(pk__in=person_ids).order_by("created_at"), PERSON_FIELDS
            ),
            "referrals": rows(referrals.order_by("created_at"), REFERRAL_FIELDS),
            "consents": rows(
                Consent.objects.filter(referral__in=referrals),
                ["referral_id", "purpose", "given_by", "decision", "decided_on", "method", "note"],
            ),
            "gillick_assessments": rows(
                GillickAssessment.objects.filter(referral__in=referrals),
                ["referral_id", "competent", "assessed_on", "rationale"],
            ),
            "lawful_bases": rows(
                LawfulBasis.objects.filter(referral__in=referrals),
                ["referral_id", "purpose", "ground", "justification", "status"],
            ),
            "agreements_to_take_part": rows(
                Participation.objects.filter(referral__in=referrals),
                ["referral_id", "given_by", "decision", "decided_on", "method", "note"],
            ),
            "dash_records": [
                {**row, "answers": record.answers_in_words()}
                for record, row in _with_rows(
                    DashRecord.objects.filter(referral__in=referrals),
                    [
                        "referral_id",
                        "checklist",
                        "score",
                        "band",
                        "professional_judgement_reason",
                        "police_callouts_last_12_months",
                        "escalation_reason",
                        "completed_on",
                    ],
                )
            ],
            # The victim's side only, without the other party: a subject access request by
            # one party never discloses the other.
            "perpetrator_links": rows(
                VictimPerpetratorLink.objects.filter(referral__in=referrals),
                ["referral_id", "recorded_at"],
            ),
            "marac_referrals": rows(
                MaracReferral.objects.filter(referral__in=referrals),
                ["referral_id", "referred_on", "criteria", "repeat", "meeting_date", "outcome"],
            ),
        }

    def retention(self):
        years = settings.RETENTION["referral_closed_without_case"]
        for referral in Referral.objects.all().only(
            "id", "person_id", "status", "screened_at", "status_changed_at"
        ):
            if referral.status in CLOSED_WITHOUT_CASE:
                decided = timezone.localtime(referral.screened_at or referral.status_changed_at)
                keep_until = years_after(decided.date(), years)
                yield RetentionFact(referral.person_id, "referrals", keep_until=keep_until)
            elif referral.status == ReferralStatus.CASE_OPENED:
                # Its case says how long: a closed case outlives the referral.
                yield RetentionFact(referral.person_id, "referrals")
            else:
                # Draft, submitted, returned or on the panel's agenda.
                yield RetentionFact(referral.person_id, "referrals", live=True)

    def statistics(self, person_id):
        for referral in Referral.objects.filter(person_id=person_id):
            yield Statistic(
                record_type="referral",
                pathway=referral.pathway,
                area=referral.area,
                outcome=referral.status,
                year=referral.referral_date.year,
            )

    def erase(self, person_id, erasure) -> None:
        referrals = Referral.objects.filter(person_id=person_id)
        # Other people's referrals may cite one of these as their previous incident.
        Referral.objects.filter(previous_incident_referral__in=referrals).exclude(
            person_id=person_id
        ).update(previous_incident_referral=None)
        erasure.delete(Consent.objects.filter(referral__in=referrals))
        erasure.delete(GillickAssessment.objects.filter(referral__in=referrals))
        erasure.delete(LawfulBasis.objects.filter(referral__in=referrals))
        erasure.delete(Participation.objects.filter(referral__in=referrals))
        erasure.delete(DashRecord.objects.filter(referral__in=referrals))
        erasure.delete(MaracReferral.objects.filter(referral__in=referrals))
        # Links naming this person as the perpetrator on others' referrals go; those
        # referrals' MARAC referrals keep the pair's blind index for the repeat rule.
        as_perpetrator = VictimPerpetratorLink.objects.filter(perpetrator_id=person_id)
        MaracReferral.objects.filter(link__in=as_perpetrator).update(link=None)
        erasure.delete(as_perpetrator)
        erasure.delete(VictimPerpetratorLink.objects.filter(referral__in=referrals))
        referrals.exclude(previous_incident_referral=None).update(previous_incident_referral=None)
        erasure.delete(referrals)
        erasure.delete(Person.objects.filter(pk=person_id))
