"""Every record about a person is known to audit's registry, and audit imports no domain app.

Subject access export, retention and erasure reach a person's records only through the
providers the domain apps register (``audit.registry``). A model that holds a foreign key
to a person, or to a record that is itself tied to a person, and that no provider covers
would be left out of the export and would block (or survive) erasure: these tests fail
when one appears.
"""

import pytest
from django.apps import apps
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from audit.registry import PersonalData, Registry, registry


def _is_history(model) -> bool:
    return hasattr(model, "instance_type") and model._meta.app_label == (
        model.instance_type._meta.app_label
    )


def person_tied_models(all_models, person_model) -> set:
    """Models with a foreign key to the person model, or to a model that is itself tied."""
    tied = {person_model}
    changed = True
    while changed:
        changed = False
        for model in all_models:
            if model in tied:
                continue
            for field in model._meta.get_fields():
                if (
                    field.concrete
                    and (field.many_to_one or field.one_to_one)
                    and field.related_model in tied
                ):
                    tied.add(model)
                    changed = True
                    break
    return tied


def uncovered_models(the_registry: Registry, all_models) -> list[str]:
    """The person-tied models no provider covers.

    - django-simple-history's historical models (``Historical<Model>``) are covered by the
      provider of the model they record: erasure deletes a record's history rows with it
      (``audit.retention.Erasure.delete``), and the export shows the live record.
    - django-guardian's direct foreign-key permission tables (``<Model>UserObjectPermission``)
      say who may see a record, hold nothing about the person, and go with the record
      (``on_delete=CASCADE``); the provider of that record lists them so this test still
      notices a new one, and ``test_guardian_tables_go_with_their_record`` holds them to
      the cascade.
    - Many-to-many tables Django makes for a model are covered with the model that declares
      the relation.
    """
    covered = the_registry.covered_models()
    missing = []
    for model in sorted(
        person_tied_models(all_models, the_registry.people.person_model),
        key=lambda m: m._meta.label,
    ):
        if _is_history(model):
            owner = model.instance_type
        elif model._meta.auto_created:
            owner = model._meta.auto_created
        else:
            owner = model
        if owner not in covered:
            missing.append(model._meta.label)
    return missing


def all_models():
    return list(apps.get_models(include_auto_created=True))


def test_every_model_tied_to_a_person_is_covered_by_a_provider():
    assert uncovered_models(registry, all_models()) == []


def test_the_coverage_check_notices_a_model_no_provider_covers():
    partial = Registry()
    partial.register(registry.people, people=True)
    missing = uncovered_models(partial, all_models())
    assert "cases.Case" in missing
    assert "cases.HistoricalCaseNote" in missing
    assert "interventions.Contact" in missing
    assert "referrals.Consent" not in missing


def test_guardian_tables_go_with_their_record():
    for model in registry.covered_models():
        if issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase):
            field = model._meta.get_field("content_object")
            assert field.remote_field.on_delete is models.CASCADE, model._meta.label


def test_no_model_is_covered_twice_and_every_provider_is_registered_once():
    covered = registry.covered_models()  # raises on a model covered twice
    assert {provider.label for provider in registry.providers()} == set(covered.values())


def test_erasure_removes_records_before_the_records_they_point_at():
    order = [provider.label for provider in registry.erasure_order()]
    assert order.index("interventions") < order.index("cases") < order.index("referrals")
    # Notifications name records by id: they go while those records can still be found.
    assert order.index("notifications") < order.index("interventions")
    assert order.index("notifications") < order.index("sharing")


def test_a_provider_that_depends_on_a_missing_one_is_refused():
    class Orphan(PersonalData):
        label = "orphan"
        depends_on = ("nowhere",)

    lonely = Registry()
    lonely.register(Orphan())
    with pytest.raises(LookupError):
        lonely.providers()


def test_providers_that_depend_on_each_other_are_refused():
    class One(PersonalData):
        label = "one"
        depends_on = ("two",)

    class Two(PersonalData):
        label = "two"
        depends_on = ("one",)

    circle = Registry()
    circle.register(One())
    circle.register(Two())
    with pytest.raises(ValueError, match="depend on each other"):
        circle.providers()
