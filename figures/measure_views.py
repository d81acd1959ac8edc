"""The Serious Violence Duty's area measures: the list of imported figures, the CSV upload
(with what each column holds) and a template CSV to fill in. Published statistics, not
personal data: no access events, but the import itself is in the audit trail."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from core.forms import submit
from figures.measures import (
    COLUMNS,
    MAX_BYTES,
    area_measures_for_list,
    area_measures_import,
    template_csv,
)
from figures.permissions import can, require


class MeasuresImportForm(forms.Form):
    csv_file = forms.FileField(
        label="Upload a CSV file",
        help_text="A CSV file saved as UTF-8, with the columns below in its first row.",
        error_messages={
            "required": "Select a CSV file",
            "empty": "The selected file is empty",
            "invalid": "The selected file must be a CSV file",
        },
    )

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The selected file must be smaller than {MAX_BYTES // 1_000_000} MB"
            )
        return upload


@login_required
def measures(request):
    require(request.user, "figures.view")
    return render(
        request,
        "figures/measures.html",
        {
            "measures": area_measures_for_list(),
            "can_import": can(request.user, "figures.measures_import"),
        },
    )


@login_required
def measures_import(request):
    require(request.user, "figures.measures_import")
    posted = request.method == "POST"
    form = MeasuresImportForm(request.POST if posted else None, request.FILES if posted else None)
    submission = submit(
        request,
        form,
        lambda data: area_measures_import(actor=request.user, csv_file=data["csv_file"]),
    )
    if submission.done:
        result = submission.result
        messages.success(
            request,
            f"Imported {result.rows} figures: {result.created} new, {result.replaced} replaced",
        )
        return redirect("figures:measures")
    return render(
        request,
        "figures/measures_import.html",
        {"form": form, "columns": COLUMNS},
        status=submission.status,
    )


@login_required
def measures_template(request):
    require(request.user, "figures.measures_import")
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="area-measures-template.csv"'
    return response
