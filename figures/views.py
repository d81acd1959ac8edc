"""The figures pages: a home page listing the figure sets, and one page per set with its
filters, each table beside its chart and a text summary, and a CSV download."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from figures.permissions import can, require
from figures.report import figure_sets


@login_required
def home(request):
    require(request.user, "figures.view")
    return render(
        request,
        "figures/home.html",
        {
            "sets": figure_sets(),
            "can_import": can(request.user, "figures.measures_import"),
        },
    )


@login_required
def set_page(request, set_key):
    raise NotImplementedError


@login_required
def set_csv(request, set_key):
    raise NotImplementedError
