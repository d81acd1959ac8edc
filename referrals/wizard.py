"""A new referral, one question per page (django-formtools): the pathway, then only that
pathway's questions, the risk factors on its own checklist, what happened, consent to
sharing, agreement to take part in an intervention (asked apart: HM Government information
sharing advice, 2024), and "Check your answers". Nothing is written until the referrer
submits on the check page; then the same services as the API's create the referral,
record consent and agreement and submit it, in one transaction.

Each step has its own address (``/referrals/new/<person>/<step>/``), so Back and Change
are plain links, and the answers wait, sealed, in the session (``core.wizard_storage``).
"""

import datetime
import re

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from formtools.wizard.views import NamedUrlWizardView

from core.errors import ConflictError
from core.templatetags.govuk import govuk_date
from referrals import forms
from referrals.consent import consent_record
from referrals.marac import dash_record
from referrals.models import DomesticAbuseRole, Gender
from referrals.participation import participation_record
from referrals.pathways import Pathway
from referrals.permissions import require
from referrals.selectors import person_get
from referrals.services import referral_create, referral_submit

OPTIONAL_NOTE = re.compile(r" \((optional|if known|if completed)\)$")
CHECK = "check"
CONSENT = "consent"
TAKING_PART = "taking-part"
STEPS = (
    ("pathway", forms.PathwayStepForm),
    ("incident", forms.IncidentStepForm),
    ("night-time-economy", forms.NightTimeEconomyStepForm),
    ("domestic-abuse", forms.DomesticAbuseStepForm),
    ("previous-incident", forms.PreviousIncidentStepForm),
    ("dash", forms.DashChecklistStepForm),
    ("dash-answers", forms.DashAnswersStepForm),
    ("marac", forms.MaracReasonsStepForm),
    ("outside-focus", forms.OutsideFocusStepForm),
    ("risk", forms.RiskStepForm),
    ("narrative", forms.NarrativeStepForm),
    (CONSENT, forms.ConsentStepForm),
    (TAKING_PART, forms.TakingPartStepForm),
    (CHECK, forms.CheckStepForm),
)
TITLES = {
    "pathway": "Choose the pathway",
    "incident": "The incident or concern",
    "night-time-economy": "The night-time economy",
    "domestic-abuse": "The domestic abuse",
    "previous-incident": "The previous incident",
    "dash": "The Dash risk checklist",
    "dash-answers": "The Dash risk checklist: the victim's answers",
    "marac": "Other reasons to refer to MARAC",
    "outside-focus": "Referring outside the pathway's focus",
    "risk": "Risk",
    "narrative": "What happened",
    CONSENT: "Consent to sharing",
    TAKING_PART: "Agreement to take part",
    CHECK: "Check your answers before submitting the referral",
}

# Questions only one pathway asks. The adults' pathway asks for a reason only when the
# person is not a man (its focus); the rule itself stays in referrals.pathways.
PATHWAY_STEPS = {
    "night-time-economy": lambda pathway, person: pathway == Pathway.NTE_ALCOHOL,
    "domestic-abuse": lambda pathway, person: pathway == Pathway.DA_KNIFE_REPEAT,
    "previous-incident": lambda pathway, person: pathway == Pathway.DA_KNIFE_REPEAT,
    "outside-focus": lambda pathway, person: (
        pathway == Pathway.ADULT_18_35 and person.gender != Gender.MALE
    ),
}
# Steps whose questions depend on the pathway chosen.
TAKES_PATHWAY = {"incident", "risk"}
# The Dash checklist and the MARAC reasons: asked of victims only (SafeLives' checklist is
# completed with the victim), recorded through referrals.marac, not as referral fields.
DASH_STEPS = ("dash", "dash-answers", "marac")

# Where the referrer answers what an eligibility reason is about (its code), so that the
# reason links to the page that fixes it; other reasons are about the pathway itself.
REASON_STEPS = {
    "not_night_time_economy": "night-time-economy",
    "incident_time_and_place_required": "night-time-economy",
    "alcohol_not_a_factor": "risk",
    "not_domestic_abuse": "domestic-abuse",
    "no_knife_or_sharp_instrument": "domestic-abuse",
    "role_required": "domestic-abuse",
    "not_repeat": "previous-incident",
    "outside_focus_reason_required": "outside-focus",
}


def _asked(step: str):
    def condition(wizard) -> bool:
        return PATHWAY_STEPS[step](wizard.chosen_pathway(), wizard.person)

    return condition


def _asked_of_victims(wizard) -> bool:
    if wizard.chosen_pathway() != Pathway.DA_KNIFE_REPEAT:
        return False
    answers = wizard.get_cleaned_data_for_step("domestic-abuse") or {}
    return answers.get("domestic_abuse_role") == DomesticAbuseRole.VICTIM


def _shown(field: django_forms.BoundField, value) -> str | list[str]:
    """An answer as the referrer would say it: labels, not codes; GOV.UK dates."""
    if value in (None, "", []):
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, datetime.date):
        return govuk_date(value)
    choices = dict(getattr(field.field, "choices", ()) or ())
    if isinstance(value, list):
        return [str(choices.get(item, item)) for item in value]
    return str(choices.get(value, value))


def detail_steps(pathway: str, person) -> list[tuple]:
    """The steps a referral on ``pathway`` asks about itself (not the pathway, not consent):
    (step, title, form class, the form's keyword arguments). Editing a draft asks them."""
    return [
        (step, TITLES[step], form_class, {"pathway": pathway} if step in TAKES_PATHWAY else {})
        for step, form_class in STEPS
        if step not in ("pathway", CONSENT, TAKING_PART, CHECK, *DASH_STEPS)
        and (step not in PATHWAY_STEPS or PATHWAY_STEPS[step](pathway, person))
    ]


class ReferralWizard(NamedUrlWizardView):
    storage_name = "core.wizard_storage.SealedSessionStorage"
    form_list = STEPS
    condition_dict = {
        **{step: _asked(step) for step in PATHWAY_STEPS},
        **{step: _asked_of_victims for step in DASH_STEPS},
    }
    template_name = "referrals/wizard/step.html"

    def dispatch(self, request, *args, **kwargs):
        # Refused before anything is asked: the rule first, then whether the person is seen.
        require(request.user, "referral.create")
        self.person = person_get(request.user, kwargs["person_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request, *args, **kwargs):
        # One flow per person, so two referrals started in two tabs do not mix answers.
        return f"new_referral_{kwargs['person_id']}"

    def get_step_url(self, step):
        return reverse(self.url_name, kwargs={"person_id": self.person.pk, "step": step})

    def get_template_names(self):
        return [
            f"referrals/wizard/{self.steps.current.replace('-', '_')}.html",
            self.template_name,
        ]

    def chosen_pathway(self) -> str:
        answers = self.get_cleaned_data_for_step("pathway") or {}
        return answers.get("pathway", "")

    def get_form_kwargs(self, step=None):
        if step == "dash-answers":
            return {"checklist": (self.get_cleaned_data_for_step("dash") or {}).get("checklist")}
        return {"pathway": self.chosen_pathway()} if step in TAKES_PATHWAY else {}

    def first_unanswered(self) -> str | None:
        for step in self.get_form_list():
            if step != CHECK and self.get_cleaned_data_for_step(step) is None:
                return step
        return None

    def get(self, request, *args, **kwargs):
        step = kwargs.get("step")
        if step is None:
            # "Refer this person" starts afresh.
            self.storage.reset()
            self.storage.current_step = self.steps.first
            return redirect(self.get_step_url(self.steps.first))
        if step in self.get_form_list():
            # No skipping ahead: a later page needs the answers it builds on.
            order = list(self.get_form_list())
            missing = self.first_unanswered()
            if missing is not None and order.index(missing) < order.index(step):
                return redirect(self.get_step_url(missing))
            if step == CHECK:
                # From now on, a changed answer comes back here.
                self.storage.extra_data = {**self.storage.extra_data, "checking": True}
        elif step == self.done_step_name:
            return redirect(self.get_step_url(CHECK))
        return super().get(request, *args, **kwargs)

    def process_step(self, form):
        if self.steps.current == "pathway" and form.cleaned_data["pathway"] != (
            self.chosen_pathway()
        ):
            # Another pathway has another checklist: its risk factors are asked again.
            self.storage.set_step_data("risk", None)
        if self.steps.current == "dash" and form.cleaned_data["checklist"] != (
            (self.get_cleaned_data_for_step("dash") or {}).get("checklist")
        ):
            # Another checklist has other questions: its answers are asked again.
            self.storage.set_step_data("dash-answers", None)
        return super().process_step(form)

    def render_next_step(self, form, **kwargs):
        if self.storage.extra_data.get("checking"):
            return redirect(self.get_step_url(self.first_unanswered() or CHECK))
        return super().render_next_step(form, **kwargs)

    def back_url(self) -> str:
        step = self.steps.current
        if step != CHECK and self.storage.extra_data.get("checking"):
            return self.get_step_url(CHECK)
        previous = self.steps.prev
        if previous is None:
            return reverse("referrals:new")
        return self.get_step_url(previous)

    def answers(self) -> list[dict]:
        """Every answer, page by page in the order asked, with the page that changes it."""
        sections = []
        for step in self.get_form_list():
            if step == CHECK:
                continue
            form = self.get_form(step=step, data=self.storage.get_step_data(step))
            if not form.is_valid():
                continue
            rows = []
            for name, field in form.fields.items():
                value = _shown(form[name], form.cleaned_data.get(name))
                # "(optional)" helps while answering, not while checking.
                label = OPTIONAL_NOTE.sub("", str(field.label))
                rows.append({"label": label, "value": value, "many": isinstance(value, list)})
            sections.append(
                {"step": step, "title": TITLES[step], "href": self.get_step_url(step), "rows": rows}
            )
        return sections

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context.update(
            person=self.person,
            title=TITLES[self.steps.current],
            back_url=self.back_url(),
            step_number=self.steps.step1,
        )
        if self.steps.current == CHECK:
            context["answers"] = self.answers()
        return context

    def render_done(self, form, **kwargs):
        """Check every answer again, then write it all or nothing. Unlike formtools' own,
        the answers are kept when the services refuse, so the referrer can put it right."""
        final = {}
        for step in self.get_form_list():
            step_form = self.get_form(step=step, data=self.storage.get_step_data(step))
            if not step_form.is_valid():
                return self.render_revalidation_failure(step, step_form, **kwargs)
            final[step] = step_form
        try:
            referral = self.done(list(final.values()), form_dict=final)
        except ValidationError as error:
            return self.render(form, service_errors=self.service_errors(error, final))
        except ConflictError as error:
            return self.render(form, service_errors=[{"text": error.message, "href": None}])
        self.storage.reset()
        if self.saving_draft():
            messages.success(
                self.request,
                "Draft saved: record an approved lawful basis or the consent still needed on "
                "this page, then check and submit it",
            )
        else:
            messages.success(self.request, "Referral submitted: a coordinator will screen it")
        return redirect("referrals:detail", referral_id=referral.pk)

    def saving_draft(self) -> bool:
        # Without consent for panel discussion the referral cannot be submitted yet: it is
        # kept as a draft while a lawful basis is recorded and approved.
        return "save_draft" in self.request.POST

    def done(self, form_list, form_dict=None, **kwargs):
        details = {}
        for step, step_form in form_dict.items():
            if step not in (CONSENT, TAKING_PART, CHECK, *DASH_STEPS):
                details.update(step_form.cleaned_data)
        actor = self.request.user
        consent = form_dict[CONSENT].cleaned_data
        with transaction.atomic():
            referral = referral_create(actor=actor, person_id=self.person.pk, **details)
            if "dash-answers" in form_dict:
                dash_record(
                    actor=actor,
                    referral=referral,
                    checklist=form_dict["dash"].cleaned_data["checklist"],
                    answers=form_dict["dash-answers"].answers(),
                    **form_dict["marac"].cleaned_data,
                )
            consent_record(actor=actor, referral=referral, **consent)
            # Decided in the same conversation as consent, so on the same date.
            taking_part = form_dict[TAKING_PART].participation(consent["decided_on"])
            if taking_part is not None:
                try:
                    participation_record(actor=actor, referral=referral, **taking_part)
                except ValidationError as error:
                    raise _as_taking_part(error) from error
            if self.saving_draft():
                return referral
            return referral_submit(actor=actor, referral=referral)

    def service_errors(self, error: ValidationError, final: dict) -> list[dict]:
        """Each of the services' errors, named by its question and linked to its page."""
        where = {
            name: (step, step_form.fields[name].label)
            for step, step_form in final.items()
            for name in step_form.fields
        }
        where["consent"] = (CONSENT, TITLES[CONSENT])
        where["taking_part_decided_on"] = (CONSENT, final[CONSENT].fields["decided_on"].label)
        shown = []
        by_field = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
        for field, items in by_field.items():
            for item in items:
                step, label = where.get(field, (None, None))
                if field == "pathway" and REASON_STEPS.get(item.code) in final:
                    step = REASON_STEPS[item.code]
                text = " ".join(item.messages)
                shown.append(
                    {
                        "text": f"{label}: {text}" if label else text,
                        "href": self.get_step_url(step) if step else None,
                    }
                )
        return shown


# The agreement's service names its fields as the consent's do; on this flow they are the
# "taking part" page's questions.
TAKING_PART_FIELDS = {
    "decision": "taking_part",
    "given_by": "taking_part_given_by",
    "method": "taking_part_method",
    "giver_name": "taking_part_giver_name",
    "decided_on": "taking_part_decided_on",
}


def _as_taking_part(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {TAKING_PART_FIELDS.get(field, field): items for field, items in error.error_dict.items()}
    )


new_referral = login_required(ReferralWizard.as_view(url_name="referrals:new-step"))
