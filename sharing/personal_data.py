"""What the sharing app holds about a person: IG's approvals of disclosures about them made
outside an information sharing agreement. Agreements and their signatories are about
organisations and their staff, not the people referred.

An approval is IG's record of its own decision: it goes with the person record
(``on_delete=CASCADE``), and keeps no one on file by itself."""

from audit.registry import PersonalData, rows
from sharing.models import OutsideAgreementApproval


class SharingPersonalData(PersonalData):
    label = "sharing"
    depends_on = ("referrals",)
    models = (OutsideAgreementApproval,)
    export_models = {"outside_agreement_approvals": OutsideAgreementApproval}
    named_records = {"outside_agreement_approval": (OutsideAgreementApproval, "person_id")}

    def export(self, person_ids: list) -> dict[str, list[dict]]:
        return {
            "outside_agreement_approvals": rows(
                OutsideAgreementApproval.objects.filter(person_id__in=person_ids)
                .select_related("discloser", "recipient", "approved_by")
                .order_by("approved_at"),
                [
                    "discloser",
                    "recipient",
                    "purpose",
                    "data_categories",
                    "reason",
                    "approved_by",
                    "approved_at",
                    "valid_until",
                ],
            )
        }

    def erase(self, person_id, erasure) -> None:
        erasure.delete(OutsideAgreementApproval.objects.filter(person_id=person_id))
