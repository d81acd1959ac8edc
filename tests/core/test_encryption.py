"""Personal data is encrypted at rest, keys rotate without loss, and blind indexes match."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from config.keys import generate_key
from core.encryption import DecryptionError, key_id, open_sealed, seal
from referrals.models import Person
from referrals.services import MatchQuery, person_match
from tests.factories import make_person, make_referral

SECRET_DETAILS = {
    "given_name": "Zephaniah",
    "family_name": "Quarrington",
    "date_of_birth": datetime.date(2009, 8, 17),
    "address": "7 Saddler Street, Durham",
    "postcode": "DH1 3NP",
    "nhs_number": "9434765919",
    "police_reference": "DUR/24/551234",
    "unique_pupil_number": "A123456789012",
    "ethnicity": "black_african",
    "disability": "yes",
}


def raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def keys(*raw: bytes):
    return override_settings(FIELD_ENCRYPTION_KEYS=list(raw))


def decoded(key: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(key)


@pytest.mark.django_db
def test_the_database_holds_ciphertext_only(school_caseworker):
    make_person(school_caseworker, **SECRET_DETAILS)

    stored = raw_rows("referrals_person") + raw_rows("referrals_historicalperson")

    for plaintext in [
        "Zephaniah",
        "Quarrington",
        "QUARRINGTON",
        "2009-08-17",
        "17/08/2009",
        "Saddler",
        "DH1 3NP",
        "9434765919",
        "551234",
        "A123456789012",
    ]:
        assert plaintext.lower() not in stored.lower(), plaintext
    # The reporting fields are plain by design.
    assert "DH1" in stored


def test_a_sealed_value_opens_and_detects_tampering(settings):
    sealed = seal("Quarrington")
    assert open_sealed(sealed) == "Quarrington"
    assert seal("Quarrington") != sealed  # a fresh nonce every time

    head, body = sealed.rsplit(".", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(DecryptionError, match="authentication"):
        open_sealed(f"{head}.{flipped}")


def test_a_value_under_a_key_no_longer_configured_is_refused_clearly(settings):
    sealed = seal("Quarrington")
    settings.FIELD_ENCRYPTION_KEYS = [decoded(generate_key())]
    with pytest.raises(DecryptionError, match="no key with id"):
        open_sealed(sealed)


@pytest.mark.django_db
class TestKeyRotation:
    def test_rows_under_an_old_key_read_and_rotate_to_the_new_key_alone(self, school_caseworker):
        old, new = decoded(generate_key()), decoded(generate_key())
        with keys(old):
            person = make_person(school_caseworker, **SECRET_DETAILS)
            person_id = person.pk

        with keys(new, old):
            assert Person.objects.get(pk=person_id).family_name == "Quarrington"
            call_command("rotate_keys", "--no-progress", stdout=StringIO())

        with keys(new):
            rotated = Person.objects.get(pk=person_id)
            history = Person.history.get(id=person_id)
        for name, value in SECRET_DETAILS.items():
            assert getattr(rotated, name) == value, name
            assert getattr(history, name) == value, name
        stored = raw_rows("referrals_person") + raw_rows("referrals_historicalperson")
        assert key_id(old) not in stored
        assert stored.count(f"v1.{key_id(new)}.") == 2 * len(SECRET_DETAILS)

    def test_a_rotation_marks_nobody_stale_but_a_real_change_still_does(
        self, school_caseworker, settings
    ):
        from figures.models import StaleSubject

        old, new = decoded(generate_key()), decoded(generate_key())
        with keys(old):
            referral = make_referral(school_caseworker, person=make_person(school_caseworker))
        StaleSubject.objects.all().delete()  # the creation's marks, folded in

        settings.BLIND_INDEX_KEY = b"a-new-blind-index-key-for-this-test"
        with keys(new, old):
            call_command("rotate_keys", "--blind-indexes", "--no-progress", stdout=StringIO())
            assert raw_rows("referrals_person").count(f"v1.{key_id(new)}.") > 0
            assert not StaleSubject.objects.exists()

            Person.objects.filter(pk=referral.person_id).update(gender="female")
        assert list(StaleSubject.objects.values_list("person_id", flat=True)) == [
            referral.person_id
        ]

    def test_an_interrupted_rotation_finishes_when_run_again(self, school_caseworker, monkeypatch):
        from referrals import key_rotation

        old, new = decoded(generate_key()), decoded(generate_key())
        with keys(old):
            for day in range(1, 6):
                make_person(school_caseworker, date_of_birth=datetime.date(2010, 1, day))

        real_write_batch = key_rotation._write_batch
        calls = {"n": 0}

        def failing_after_two_batches(*args):
            calls["n"] += 1
            if calls["n"] > 2:
                raise RuntimeError("power cut")
            return real_write_batch(*args)

        with keys(new, old):
            monkeypatch.setattr(key_rotation, "_write_batch", failing_after_two_batches)
            with pytest.raises(RuntimeError, match="power cut"):
                call_command("rotate_keys", "--no-progress", "--batch-size=2")
            monkeypatch.setattr(key_rotation, "_write_batch", real_write_batch)
            assert raw_rows("referrals_person").count(f"v1.{key_id(old)}.") > 0

            out = StringIO()
            call_command("rotate_keys", "--no-progress", "--batch-size=2", stdout=out)
            again = StringIO()
            call_command("rotate_keys", "--no-progress", stdout=again)

        assert "Re-encrypted 0 rows" not in out.getvalue()
        assert "Re-encrypted 0 rows" in again.getvalue()
        with keys(new):
            assert sorted(p.date_of_birth.day for p in Person.objects.all()) == [1, 2, 3, 4, 5]

    def test_a_rotation_stopped_in_the_middle_of_a_batch_leaves_every_row_readable_and_resumes(
        self, school_caseworker, monkeypatch
    ):
        """The process dies in the third batch after its UPDATE ran but before it committed:
        the first two batches stay rotated, the third rolls back whole (no row is left
        under a key nothing reads), and the next run rewrites only what is left."""
        from referrals import key_rotation

        old, new = decoded(generate_key()), decoded(generate_key())
        with keys(old):
            for day in range(1, 8):
                make_person(school_caseworker, date_of_birth=datetime.date(2010, 1, day))
        real_write_batch = key_rotation._write_batch
        calls = {"n": 0}

        def dying_after_the_third_write(*args):
            calls["n"] += 1
            real_write_batch(*args)
            if calls["n"] == 3:
                raise KeyboardInterrupt("stopped")

        def rows_under(table, key):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT count(*) FROM {table} WHERE given_name LIKE %s",  # noqa: S608
                    [f"v1.{key_id(key)}.%"],
                )
                return cursor.fetchone()[0]

        with keys(new, old):
            monkeypatch.setattr(key_rotation, "_write_batch", dying_after_the_third_write)
            with pytest.raises(KeyboardInterrupt):
                call_command("rotate_keys", "--no-progress", "--batch-size=2")
            monkeypatch.setattr(key_rotation, "_write_batch", real_write_batch)

            # History rows come first: two batches of two committed, the third rolled back.
            assert rows_under("referrals_historicalperson", new) == 4
            assert rows_under("referrals_historicalperson", old) == 3
            assert rows_under("referrals_person", old) == 7
            assert sorted(p.date_of_birth.day for p in Person.objects.all()) == list(range(1, 8))
            assert len({h.given_name for h in Person.history.all()}) >= 1

            out = StringIO()
            call_command("rotate_keys", "--no-progress", "--batch-size=2", stdout=out)
        assert "Re-encrypted 10 rows" in out.getvalue()
        with keys(new):
            assert sorted(p.date_of_birth.day for p in Person.objects.all()) == list(range(1, 8))
            assert [h.given_name for h in Person.history.all()]
        assert key_id(old) not in raw_rows("referrals_person")
        assert key_id(old) not in raw_rows("referrals_historicalperson")

    def test_a_new_blind_index_key_needs_a_rebuild_and_then_matches(
        self, school_caseworker, settings
    ):
        make_person(school_caseworker, **SECRET_DETAILS)
        query = MatchQuery(family_name="quarrington", date_of_birth=datetime.date(2009, 8, 17))
        assert person_match(actor=school_caseworker, query=query).count() == 1

        settings.BLIND_INDEX_KEY = decoded(generate_key())
        assert person_match(actor=school_caseworker, query=query).count() == 0

        call_command("rotate_keys", "--no-progress", "--blind-indexes", stdout=StringIO())
        assert person_match(actor=school_caseworker, query=query).count() == 1
        by_nhs = MatchQuery(nhs_number="9434765919")
        assert person_match(actor=school_caseworker, query=by_nhs).count() == 1


@pytest.mark.django_db
def test_rotation_covers_every_encrypted_column_of_a_populated_database(
    school_caseworker, coordinator, panel_chair, charity, provider_keyworker
):
    """Add a key, rotate, remove the old key: every sealed value in every table still reads."""
    from cases.services import note_add
    from interventions.services import allocation_create
    from referrals.key_rotation import encrypted_models
    from tests.factories import case_ready_for_delivery, make_intervention

    old, new = decoded(generate_key()), decoded(generate_key())
    with keys(old):
        case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
        note_add(actor=school_caseworker, case=case, text="Sealed note")
        allocation_create(
            actor=school_caseworker,
            case=case,
            intervention=make_intervention(charity),
            request="Sealed request",
        )
        before = {
            model._meta.label: sorted(
                str([getattr(row, name) for name in names]) for row in model._default_manager.all()
            )
            for model, names in encrypted_models()
        }

    with keys(new, old):
        call_command("rotate_keys", "--no-progress", stdout=StringIO())

    with keys(new):
        after = {
            model._meta.label: sorted(
                str([getattr(row, name) for name in names]) for row in model._default_manager.all()
            )
            for model, names in encrypted_models()
        }
    assert after == before
    assert sum(len(rows) for rows in after.values()) > 20
    assert "Sealed note" in str(after["cases.CaseNote"])
