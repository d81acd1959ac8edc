"""The reporting store: the rebuild command, and folding in the people marked stale."""

import io
import re

import pytest
from django.core.management import call_command

from figures import store
from figures.models import ReferralFact, StaleSubject

pytestmark = pytest.mark.django_db


def test_rebuild_figures_rebuilds_every_fact_and_prints_the_count(partnership_of_eight):
    store.refresh_stale()
    ReferralFact.objects.all().delete()  # as if lost
    out = io.StringIO()

    call_command("rebuild_figures", "--no-progress", stdout=out)

    # Nine people (eight submitted referrals and a draft's person), eight referral facts.
    assert re.search(r"Rebuilt the figures of 9 people \(.*referrals: 8.*\)\.", out.getvalue())
    assert ReferralFact.objects.count() == 8
    assert store.stale_count() == 0


def test_rebuild_figures_shows_its_progress(partnership_of_eight):
    out, err = io.StringIO(), io.StringIO()
    call_command("rebuild_figures", "--batch", "4", stdout=out, stderr=err)
    assert "9/9" in err.getvalue()
    assert "Rebuilt the figures of 9 people" in out.getvalue()


def test_refresh_stale_folds_in_the_people_marked_and_clears_them(partnership_of_eight):
    marked = store.stale_count()
    assert marked == 9  # every person, by the triggers
    assert ReferralFact.objects.count() == 0

    assert store.refresh_stale(batch=4) == marked

    assert ReferralFact.objects.count() == 8
    assert not StaleSubject.objects.exists()
    assert store.refresh_stale() == 0


def test_subjects_are_keyed_pseudonyms_of_the_person(partnership_of_eight):
    store.refresh_stale()
    r1 = partnership_of_eight.referrals["R1"]
    subject = store.subject_of(r1.person_id)
    assert len(subject) == 64
    assert str(r1.person_id) not in subject
    assert ReferralFact.objects.filter(subject=subject).count() == 1
