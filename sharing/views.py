from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from sharing.permissions import require
from sharing.selectors import rules_in_words


@login_required
def rules_page(request):
    require(request.user, "sharing.rules_view")
    return render(request, "sharing/rules.html", {"rules": rules_in_words()})
