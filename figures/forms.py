"""The figures filter form: it offers whole months only, and leaves the checking to
``figures.filters.parse_filters`` (the API asks the same function)."""

from django import forms

from figures.filters import LONGEST_PERIOD_MONTHS, add_months, this_month
from referrals.models import ReferralArea
from referrals.pathways import Pathway


def _month_choices():
    latest = this_month()
    months = [add_months(latest, -n) for n in range(LONGEST_PERIOD_MONTHS)]
    return [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]


class FiltersForm(forms.Form):
    area = forms.ChoiceField(
        label="Area", required=False, choices=[("", "All areas"), *ReferralArea.choices]
    )
    pathway = forms.ChoiceField(
        label="Pathway", required=False, choices=[("", "All pathways"), *Pathway.choices]
    )

    def __init__(self, *args, filters, **kwargs):
        super().__init__(*args, **kwargs)
        months = _month_choices()
        # "from" and "to" are the API's names too, and not Python identifiers.
        self.fields["from"] = forms.ChoiceField(
            label="From", choices=months, initial=f"{filters.first_month:%Y-%m}"
        )
        self.fields["to"] = forms.ChoiceField(
            label="To", choices=months, initial=f"{filters.last_month:%Y-%m}"
        )
        self.order_fields(["from", "to", "area", "pathway"])
        self.initial.update(
            {
                "from": f"{filters.first_month:%Y-%m}",
                "to": f"{filters.last_month:%Y-%m}",
                "area": filters.area,
                "pathway": filters.pathway,
            }
        )

    # Refusals from parse_filters and the guard name these; the form shows them on a field.
    FIELD_FOR = {"period": "from", "quarter": "from"}

    def add_refusal(self, errors: dict) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add_error(self.FIELD_FOR.get(field, field), message)
