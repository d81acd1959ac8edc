"""Form pieces shared by the web pages."""

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from core.errors import ConflictError


class DateInputWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()], attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """The GOV.UK date input: day, month and year in three boxes, with clear errors."""

    widget = DateInputWidget
    parts = (("day", 2, "Day"), ("month", 2, "Month"), ("year", 4, "Year"))

    def __init__(self, **kwargs):
        fields = [forms.CharField(required=False) for _ in self.parts]
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            if self.required:
                raise ValidationError(f"Enter the {self.label.lower()}", code="required")
            return None
        missing = [
            label.lower() for (_, _, label), v in zip(self.parts, data_list, strict=True) if not v
        ]
        if missing:
            raise ValidationError(
                f"{self.label} must include a {' and '.join(missing)}", code="incomplete"
            )
        try:
            day, month, year = (int(v) for v in data_list)
            return datetime.date(year, month, day)
        except ValueError as exc:
            raise ValidationError(f"{self.label} must be a real date", code="invalid") from exc


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, field by field where the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields else None
        for item in errors:
            message = " ".join(item.messages)
            if target is None and field not in ("__all__", "non_field_errors"):
                message = f"{field.replace('_', ' ').capitalize()}: {message}"
            form.add_error(target, message)


class ReasonForm(forms.Form):
    """The one question an irreversible step asks: why. ``max_length`` is what the record
    that keeps the reason holds, so a longer one is refused here, not cut short there."""

    reason = forms.CharField(label="Reason", widget=forms.Textarea)

    def __init__(
        self,
        *args,
        label: str = "Reason",
        hint: str = "",
        required_message: str = "Enter the reason",
        max_length: int = 1000,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.label = label
        field.help_text = hint
        field.max_length = max_length
        field.validators.append(MaxLengthValidator(max_length))
        field.error_messages["required"] = required_message
        field.error_messages["max_length"] = f"The reason must be {max_length} characters or fewer"


@dataclass(frozen=True)
class Submission:
    """What posting a form to its service came to: ``done`` with the service's ``result``,
    or the ``status`` the page re-renders with."""

    done: bool
    status: int = 200
    result: object = None


def submit(request, form: forms.Form, run) -> Submission:
    """Post ``form`` to one service call, ``run(cleaned_data)``. Not done: 200 before anything
    is posted, 400 for bad input (the service's own errors put on their fields), 409 for a
    conflict with the record's state. A refused change writes nothing: the service runs in
    a transaction."""
    if request.method != "POST":
        return Submission(done=False)
    if not form.is_valid():
        return Submission(done=False, status=400)
    try:
        result = run(form.cleaned_data)
    except ValidationError as error:
        apply_service_errors(form, error)
        return Submission(done=False, status=400)
    except ConflictError as error:
        form.add_error(None, error.message)
        return Submission(done=False, status=409)
    return Submission(done=True, result=result)
