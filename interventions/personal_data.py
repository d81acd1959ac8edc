"""What the interventions app holds about a person, for audit's export and erasure.

Allocations, contacts and outcomes hang off a case: the case's retention decides when they go.
"""

from audit.registry import PersonalData, rows
from interventions.models import Allocation, Contact, OutcomeRecord


class InterventionsPersonalData(PersonalData):
    label = "interventions"
    depends_on = ("cases",)
    models = (Allocation, Contact, OutcomeRecord)
    export_models = {"allocations": Allocation, "contacts": Contact, "outcomes": OutcomeRecord}
    named_records = {
        "allocation": (Allocation, "case__person_id"),
        "contact": (Contact, "allocation__case__person_id"),
        "outcome_record": (OutcomeRecord, "case__person_id"),
    }

    def export(self, person_ids: list) -> dict[str, list[dict]]:
        allocations = Allocation.objects.filter(case__person_id__in=person_ids).select_related(
            "intervention"
        )
        return {
            "allocations": rows(
                allocations, ["id", "case_id", "intervention", "status", "request", "created_at"]
            ),
            "contacts": rows(
                Contact.objects.filter(allocation__in=allocations),
                [
                    "allocation_id",
                    "contact_date",
                    "contact_type",
                    "outcome",
                    "duration_minutes",
                    "notes",
                ],
            ),
            "outcomes": rows(
                OutcomeRecord.objects.filter(case__person_id__in=person_ids).select_related(
                    "measure"
                ),
                ["case_id", "measure", "kind", "value", "recorded_on"],
            ),
        }

    def erase(self, person_id, erasure) -> None:
        allocations = Allocation.objects.filter(case__person_id=person_id)
        erasure.delete(Contact.objects.filter(allocation__in=allocations))
        erasure.delete(OutcomeRecord.objects.filter(case__person_id=person_id))
        erasure.delete(allocations)
