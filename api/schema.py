"""The OpenAPI description: everything the server enforces, so a generated client can trust it.

drf-standardized-errors lists, per endpoint, the fields and codes its request serializer can
reject. Our rules live in the services, which also name fields (``consent``, ``pathway``
with an eligibility code, ...), so every endpoint documents the general validation error
shape instead: one list of ``{code, detail, attr}``.

Beyond that, each operation states every status it can answer: 401 (no or a bad token), 403
(a rule refuses; every rule lives in a ``permissions.py``), 404, 409 (a stale ``version`` or
an ``Idempotency-Key`` reused with another body), 413 (a body over the cap), 415 (a body
that is not JSON) and 429 (throttled), each in the one error shape.
"""

import re

from drf_spectacular import generators
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiParameter
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import (
    ClientErrorEnum,
    ValidationErrorResponseSerializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from api import strict
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import MAX_KEY_LENGTH, REPLAYED_HEADER
from api.routing import OPTIONAL_SLASH

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class EndpointEnumerator(generators.EndpointEnumerator):
    def get_path_from_regex(self, path_regex):
        # The router's routes end in an optional slash (api.routing), which Django's
        # simplify_regex would print as a slash: the schema's path is the canonical one.
        return super().get_path_from_regex(path_regex.replace(OPTIONAL_SLASH + "$", "$"))


class SchemaGenerator(generators.SchemaGenerator):
    """The generator SPECTACULAR_SETTINGS names: paths as clients should write them."""

    endpoint_inspector_cls = EndpointEnumerator


class CsrfCheckedSessionScheme(SessionScheme):
    """The session sign-in is documented as drf-spectacular documents DRF's (``cookieAuth``):
    only where its CSRF check runs differs (api.authentication)."""

    target_class = "api.authentication.CsrfCheckedSessionAuthentication"


class Error409Serializer(strict.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse409Serializer(strict.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error409Serializer(many=True)


class Error413Serializer(strict.Serializer):
    code = serializers.ChoiceField(choices=[("request_too_large", "request_too_large")])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse413Serializer(strict.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error413Serializer(many=True)


class AutoSchema(StandardizedErrorsAutoSchema):
    def _should_add_validation_error_response(self) -> bool:
        return True

    def _get_serializer_for_validation_error_response(self):
        return ValidationErrorResponseSerializer

    def get_filter_backends(self):
        # A viewset's filters apply to its list only; its other GET actions (agenda,
        # attendance, decisions, timeline...) never read them, so they do not advertise them.
        if getattr(self.view, "action", "list") != "list":
            return []
        return super().get_filter_backends()

    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        if status_code in responses:
            return False
        if status_code in ("409", "413"):
            return self.method in WRITE_METHODS
        return super()._should_add_error_response(responses, status_code)

    def _should_add_http401_error_response(self) -> bool:
        # Every operation but sign-in needs a token; sign-in answers 401 to bad credentials.
        return True

    def _should_add_http403_error_response(self) -> bool:
        # Past authentication, each view asks its rule (``require``), whatever DRF's
        # permission classes say; only sign-in asks none.
        permissions = self.view.get_permissions()
        return not (len(permissions) == 1 and isinstance(permissions[0], AllowAny))

    def _should_add_http415_error_response(self) -> bool:
        return self.method in WRITE_METHODS

    def _handler(self):
        action = getattr(self.view, "action", None)
        return getattr(self.view, action or self.method.lower(), None)

    def _is_idempotent(self) -> bool:
        return self.method in WRITE_METHODS and getattr(self._handler(), "idempotent", False)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_idempotent():
            parameters.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "Any unique string (a UUID) up to "
                        f"{MAX_KEY_LENGTH} characters. A retry with the same key and body "
                        "gets the first answer again, with the "
                        f"`{REPLAYED_HEADER}: true` header, and changes nothing; the same "
                        "key with another body is a 409. Keys are kept for a day."
                    ),
                )
            )
        return parameters

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction=None):
        kwargs = {"media_types": media_types}
        if direction is not None:
            kwargs["direction"] = direction
        response = super()._get_response_for_code(serializer, status_code, **kwargs)
        if str(status_code).startswith("2") and self._is_idempotent():
            response = {
                **response,
                "headers": {
                    REPLAYED_HEADER: {
                        "description": "Present on a replay of an earlier answer to this key.",
                        "schema": {"type": "string", "enum": ["true"]},
                    }
                },
            }
        return response

    def get_description(self):
        description = super().get_description()
        if description:
            return description
        view_doc = (self.view.__class__.__doc__ or "").strip()
        return view_doc or _sentence_for(self.method, self.path)


def _sentence_for(method: str, path: str) -> str:
    resource = path.rstrip("/").split("/")[-1].replace("-", " ")
    return {
        "GET": f"Read {resource}.",
        "POST": f"Create or act: {resource}.",
        "PATCH": f"Change {resource}.",
        "PUT": f"Replace {resource}.",
        "DELETE": f"Remove {resource}.",
    }[method]


TAG_DESCRIPTIONS = {
    "auth": "API tokens: sign in for one, list and revoke them.",
    "me": "Who the token belongs to, and their roles.",
    "users": "Administrators' operations on user accounts.",
    "organisations": "The partner organisations.",
    "memberships": "Who belongs to which organisation in which role (administrators).",
    "people": "People referred, matched before a new record is made.",
    "referrals": "Referrals, their consent, lawful bases, participation, Dash and MARAC.",
    "pathways": "The partnership's four pathways and their eligibility.",
    "panels": "Panel meetings: agenda, attendance, decisions and minutes.",
    "cases": "Cases opened by the panel: notes, shares, risk reviews and outcomes.",
    "interventions": "The catalogue of interventions.",
    "allocations": "Allocations of cases to interventions, contacts and outcomes.",
    "outcome-measures": "The outcome measures recorded against allocations.",
    "figures": "Partnership figures, small numbers suppressed.",
    "audit": "Information governance: the audit trail, flags, disclosures, break-glass.",
    "sharing-agreements": "Information sharing agreements and their signatories.",
    "sharing-approvals": "Approvals to share outside an agreement (IG officers).",
    "sharing-rules": "The partnership's reading of the law on sharing.",
    "notifications": "The caller's own notifications.",
}


def _operations(schema):
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def _require_version_on_patch(schema):
    """A PATCH without ``version`` is refused (optimistic locking): say so. The Patched*
    components are used by PATCH bodies only."""
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        if name.startswith("Patched") and "version" in component.get("properties", {}):
            component["required"] = sorted({*component.get("required", []), "version"})


def _no_unknown_fields(schema):
    """Request bodies refuse fields they do not know (api.strict): say so."""
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and "properties" in component:
            component["additionalProperties"] = False


def _conflicts_in_the_error_shape(schema):
    """Views describe their 409 in words (``OpenApiResponse(description=...)``); the body is
    the one error shape all the same."""
    if "ErrorResponse409" not in schema.get("components", {}).get("schemas", {}):
        return
    for _, _, operation in _operations(schema):
        conflict = operation.get("responses", {}).get("409")
        if conflict is not None and not conflict.get("content"):
            conflict["content"] = {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse409"}}
            }


def _pages_start_at_one(schema):
    """``page`` and ``page_size`` are whole numbers from 1 (api.filters.validated_page_size)."""
    for _, _, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query" and parameter["name"] in ("page", "page_size"):
                parameter["schema"] = {**parameter.get("schema", {}), "minimum": 1}


def _json_only_request_bodies(schema):
    """The API reads JSON (the measures import is a file upload, multipart)."""
    for _, _, operation in _operations(schema):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            for media_type in list(content):
                if media_type != "application/json":
                    del content[media_type]


def _link_created_to_uses(schema):
    """OpenAPI links from each operation that creates a resource (201 with an ``id``) to the
    operations on that resource, so a client (and Schemathesis' stateful phase) can follow
    them: POST /people -> GET/PATCH /people/{id}, POST /referrals -> .../{id}/submit..."""
    operations = list(_operations(schema))
    for path, method, operation in operations:
        if method != "post" or "{" in path:
            continue
        created = operation.get("responses", {}).get("201")
        if not created:
            continue
        links = {}
        parameter = re.compile(re.escape(path) + r"/\{(\w+)\}(?:/|$)")
        for other_path, other_method, other in operations:
            match = parameter.match(other_path)
            if not match or "operationId" not in other:
                continue
            name = match.group(1)
            # Only the resource's own id may be filled in; deeper ids come from elsewhere.
            if other_path.count("{") != 1:
                continue
            links[other["operationId"]] = {
                "operationId": other["operationId"],
                "parameters": {name: "$response.body#/id"},
                "description": f"{other_method.upper()} {other_path} on what was created.",
            }
        if links:
            created["links"] = links


def postprocess(result, generator, request, public):
    _require_version_on_patch(result)
    _json_only_request_bodies(result)
    _no_unknown_fields(result)
    _pages_start_at_one(result)
    _conflicts_in_the_error_shape(result)
    _link_created_to_uses(result)
    used = sorted({tag for _, _, op in _operations(result) for tag in op.get("tags", [])})
    result["tags"] = [
        {"name": tag, "description": TAG_DESCRIPTIONS.get(tag, f"Operations on {tag}.")}
        for tag in used
    ]
    return result
