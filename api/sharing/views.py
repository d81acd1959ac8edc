from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api.sharing.serializers import SharingRuleSerializer
from sharing.permissions import require
from sharing.selectors import rules_in_words


class SharingRuleListView(APIView):
    """The disclosure rule table, in the order rules are tried, each with its layered
    gateways and their citations, for information governance to review. Every disclosure
    is checked against it; the disclosure ledger's ``basis`` is the permitting rule's id."""

    pagination_class = None

    @extend_schema(responses=SharingRuleSerializer(many=True))
    def get(self, request):
        require(request.user, "sharing.rules_view")
        return Response(SharingRuleSerializer(rules_in_words(), many=True).data)
