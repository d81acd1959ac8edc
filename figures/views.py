"""The figures pages: a home page listing the figure sets, and one page per set with its
filters, each table beside its chart, a text summary and a CSV download. Every number comes
from ``figures.services.figures_read``, as the API's do."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from figures.filters import default_filters
from figures.forms import FiltersForm
from figures.permissions import can, require
from figures.rendering import report_as_csv_rows
from figures.report import figure_set, figure_sets
from figures.services import figures_read
from figures.suppression import NOT_AVAILABLE, SUPPRESSED, current_rule


@login_required
def home(request):
    require(request.user, "figures.view")
    return render(
        request,
        "figures/home.html",
        {
            "sets": figure_sets(),
            "can_import": can(request.user, "figures.measures_import"),
            "rule": current_rule(),
        },
    )


@login_required
def set_page(request, set_key):
    require(request.user, "figures.view")
    chosen = figure_set(set_key)
    if chosen is None:
        raise Http404("No such figure set")
    try:
        report = figures_read(
            actor=request.user, set_key=set_key, query=request.GET, delivered_as="page"
        )
        filters, refusal = report.filters, None
    except ValidationError as error:
        report, filters, refusal = None, default_filters(), error.message_dict
    form = FiltersForm({**filters.as_query(), **request.GET.dict()}, filters=filters)
    form.is_valid()
    if refusal:
        form.add_refusal(refusal)
    query = urlencode(report.filters.as_query()) if report else ""
    return render(
        request,
        "figures/set.html",
        {
            "figure_set": chosen,
            "sets": figure_sets(),
            "report": report,
            "form": form,
            "rule": current_rule(),
            "suppressed": SUPPRESSED,
            "not_available": NOT_AVAILABLE,
            "csv_url": f"{reverse('figures:set-csv', args=[set_key])}?{query}",
            "api_url": f"{reverse('api:figures-set', args=[set_key])}?{query}",
        },
        # Filters the reader chose and that are refused are bad input; the default period
        # refused (a partnership too young or small for it) is simply nothing to show.
        status=400 if refusal and request.GET else 200,
    )


@login_required
def set_csv(request, set_key):
    try:
        report = figures_read(
            actor=request.user, set_key=set_key, query=request.GET, delivered_as="csv"
        )
    except ValidationError as error:
        lines = [
            f"{field}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        ]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    filters = report.filters
    name = f"{set_key}-{filters.first_month:%Y-%m}-to-{filters.last_month:%Y-%m}"
    if filters.area:
        name += f"-{filters.area}"
    if filters.pathway:
        name += f"-{filters.pathway}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    csv.writer(response).writerows(report_as_csv_rows(report))
    return response
