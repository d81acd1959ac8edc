"""What the cases app holds about a person, for audit's export, retention and erasure."""

from django.conf import settings
from django.utils import timezone

from audit.registry import PersonalData, RetentionFact, Statistic, rows, years_after
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseNote,
    CaseShare,
    CaseStatus,
    CaseUserObjectPermission,
    PanelAction,
    PanelDecision,
    RiskReview,
)
from referrals.models import Referral


class CasesPersonalData(PersonalData):
    label = "cases"
    depends_on = ("referrals",)
    # django-guardian's per-case permission rows go with the case (on_delete=CASCADE).
    models = (
        Case,
        CaseUserObjectPermission,
        CaseGroupObjectPermission,
        CaseShare,
        CaseNote,
        RiskReview,
        PanelDecision,
        PanelAction,
    )
    export_models = {
        "panel_decisions": PanelDecision,
        "cases": Case,
        "case_shares": CaseShare,
        "risk_reviews": RiskReview,
        "notes": CaseNote,
    }
    named_records = {
        "case": (Case, "person_id"),
        "case_share": (CaseShare, "case__person_id"),
        "case_note": (CaseNote, "case__person_id"),
        "risk_review": (RiskReview, "case__person_id"),
    }

    def export(self, person_ids: list) -> dict[str, list[dict]]:
        cases = Case.objects.filter(person_id__in=person_ids)
        return {
            "panel_decisions": rows(
                PanelDecision.objects.filter(referral__person_id__in=person_ids),
                ["referral_id", "outcome", "rationale", "decided_at"],
            ),
            "cases": rows(
                cases.order_by("opened_at"),
                [
                    "id",
                    "person_id",
                    "pathway",
                    "status",
                    "risk_level",
                    "opened_at",
                    "closed_at",
                    "closure_reason",
                    "closure_summary",
                ],
            ),
            "case_shares": rows(
                CaseShare.objects.filter(case__in=cases).select_related("organisation"),
                ["case_id", "organisation", "purpose", "basis", "shared_at", "ended_at"],
            ),
            "risk_reviews": rows(
                RiskReview.objects.filter(case__in=cases),
                ["case_id", "level", "rationale", "reviewed_on", "next_review_date"],
            ),
            "notes": rows(
                CaseNote.objects.filter(case__in=cases),
                ["case_id", "text", "created_at", "corrects_id"],
            ),
        }

    def retention(self):
        policy = settings.RETENTION
        for case in Case.objects.select_related("person").only(
            "id", "person_id", "status", "closed_at", "person__date_of_birth"
        ):
            if case.status != CaseStatus.CLOSED:
                yield RetentionFact(case.person_id, "cases", live=True)
                continue
            closed = timezone.localtime(case.closed_at).date()
            keep_until = max(
                years_after(closed, policy["closed_case"]),
                years_after(case.person.date_of_birth, policy["case_until_age"]),
            )
            yield RetentionFact(case.person_id, "cases", keep_until=keep_until)

    def statistics(self, person_id):
        for case in Case.objects.filter(person_id=person_id):
            yield Statistic(
                record_type="case",
                pathway=case.pathway,
                area=case.area,
                outcome=case.closure_reason,
                year=case.opened_at.year,
            )

    def erase(self, person_id, erasure) -> None:
        cases = Case.objects.filter(person_id=person_id)
        # Records of the same human kept under another person record may point at these.
        PanelDecision.objects.filter(case__in=cases).exclude(referral__person_id=person_id).update(
            case=None
        )
        decisions = PanelDecision.objects.filter(referral__person_id=person_id)
        erasure.delete(PanelAction.objects.filter(decision__in=decisions))
        erasure.delete(decisions)
        erasure.delete(CaseShare.objects.filter(case__in=cases))
        notes = CaseNote.objects.filter(case__in=cases)
        erasure.delete(notes.exclude(corrects=None))
        erasure.delete(notes)
        erasure.delete(RiskReview.objects.filter(case__in=cases))
        # Referrals name the case they started or joined; the person's own go next, with the
        # referrals app, and other people's stay, unlinked.
        Referral.objects.filter(case__in=cases).update(case=None)
        erasure.delete(cases)
