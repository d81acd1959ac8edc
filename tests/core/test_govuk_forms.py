"""The GOV.UK field tag renders each question as the component its answers need."""

from django import forms
from django.template import Context, Template


class Questions(forms.Form):
    colours = forms.MultipleChoiceField(
        label="Colours",
        choices=[("red", "Red"), ("blue", "Blue"), ("green", "Green")],
        widget=forms.CheckboxSelectMultiple,
    )
    size = forms.ChoiceField(
        label="Size", choices=[("s", "Small"), ("l", "Large")], widget=forms.RadioSelect
    )


def _render(form, name):
    template = Template("{% load govuk %}{% govuk_field field %}")
    return template.render(Context({"field": form[name]}))


def test_a_multiple_choice_question_is_checkboxes_and_keeps_every_answer():
    form = Questions(data={"colours": ["red", "green"], "size": "s"})
    html = _render(form, "colours")
    assert html.count('type="checkbox"') == 3
    assert 'type="radio"' not in html
    assert html.count(" checked") == 2
    assert form.is_valid()
    assert form.cleaned_data["colours"] == ["red", "green"]


def test_a_single_choice_question_is_radios():
    html = _render(Questions(), "size")
    assert html.count('type="radio"') == 2
    assert 'type="checkbox"' not in html
