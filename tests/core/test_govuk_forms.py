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


class Person(forms.Form):
    family_name = forms.CharField(label="Family name")
    nhs_number = forms.CharField(label="NHS number")
    size = forms.ChoiceField(
        label="Size", choices=[("s", "Small"), ("l", "Large")], widget=forms.RadioSelect
    )


def test_an_error_summary_names_each_question_and_links_to_it():
    form = Person(data={"size": "xl"})
    assert not form.is_valid()
    html = Template('{% include "govuk/error_summary.html" %}').render(Context({"form": form}))
    assert '<a href="#id_family_name">Enter family name</a>' in html
    assert '<a href="#id_nhs_number">Enter NHS number</a>' in html
    assert '<a href="#id_size">Select one of the options for size</a>' in html
    assert "This field is required" not in html


def test_a_field_error_says_the_same_as_the_summary():
    html = _render(Questions(data={}), "colours")
    assert "Select colours" in html
    assert "This field is required" not in html


def test_times_are_written_the_gov_uk_way():
    import datetime

    from core.templatetags.govuk import govuk_datetime

    def at(hour, minute):
        return datetime.datetime(2026, 11, 27, hour, minute)

    assert govuk_datetime(at(17, 30)) == "27 November 2026, 5:30pm"
    assert govuk_datetime(at(10, 0)) == "27 November 2026, 10am"
    assert govuk_datetime(at(0, 5)) == "27 November 2026, 12:05am"
    assert govuk_datetime(at(12, 0)) == "27 November 2026, midday"
    assert govuk_datetime(at(0, 0)) == "27 November 2026, midnight"
    assert govuk_datetime(None) == ""


def test_a_multiple_choice_field_declared_with_a_select_still_keeps_every_answer():
    class Team(forms.Form):
        members = forms.MultipleChoiceField(
            label="Members", choices=[("a", "Ann"), ("b", "Bo"), ("c", "Cy")]
        )

    form = Team(data={"members": ["a", "c"]})
    html = _render(form, "members")
    assert html.count('type="checkbox"') == 3
    assert html.count(" checked") == 2
    assert "<select" not in html


def test_dates_are_written_the_gov_uk_way():
    import datetime

    from django.utils import timezone

    from core.templatetags.govuk import govuk_date

    assert govuk_date(datetime.date(2026, 3, 5)) == "5 March 2026"
    # A moment falls on its day in the service's time zone (London), not in UTC.
    late = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC)
    assert govuk_date(late) == govuk_date(timezone.localtime(late).date()) == "2 July 2026"
    assert govuk_date(None) == ""
