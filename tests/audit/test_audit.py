"""The audit trail: tamper-evident, reviewed by IG, and the person's own rights."""

import datetime
import hashlib
import json
import threading
import uuid
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from audit import recorder
from audit.chain import seal, unsealed_count, verify_chain
from audit.describe import describe
from audit.models import AuditEvent, BreakGlassGrant, ChainHead, EventKind, ReviewFlag
from audit.recorder import build_event, canonical, event_fields
from partners.models import OrganisationType
from partners.roles import Role
from referrals.models import Person, Referral
from referrals.services import referral_create, referral_submit
from tests.factories import (
    REFERRAL_DEFAULTS,
    case_ready_for_delivery,
    give_consent,
    make_member,
    make_organisation,
    make_person,
    make_referral,
    opened_case,
    panel_meeting,
    submitted_referral,
    years_ago,
)
from tests.support import tamper


def write_events(user, count, *, sealed=True):
    for n in range(count):
        build_event(
            kind="access", user=user, action="view", object_type="person", object_id=str(n)
        ).save()
    if sealed:
        seal()


def refused(statement, params=(), match="append-only"):
    with connection.cursor() as cursor:
        # Settle the deferred foreign keys, or TRUNCATE is refused for them instead.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match=match), transaction.atomic():
            cursor.execute(statement, params)


@pytest.mark.django_db
class TestTheChain:
    @pytest.fixture
    def school_caseworker(self, settings):
        """A caseworker whose school and account were made with the trail off: each test's
        chain holds only the events it writes."""
        settings.AUDIT_ENABLED = False
        school = make_organisation(
            name="Riverside Academy", organisation_type=OrganisationType.SCHOOL
        )
        user = make_member(school, Role.REFERRER, username="school-caseworker")
        settings.AUDIT_ENABLED = True
        return user

    def test_events_are_chained_in_order_and_verify(self, school_caseworker):
        write_events(school_caseworker, 5)
        seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, 6))
        result = verify_chain()
        assert result.ok, result.problem
        assert result.checked == 5

    def test_update_and_delete_are_refused_by_the_database(self, school_caseworker):
        write_events(school_caseworker, 1)
        for statement in (
            "UPDATE audit_auditevent SET action = 'x'",
            "DELETE FROM audit_auditevent",
            "TRUNCATE audit_auditevent CASCADE",
        ):
            refused(statement)
        assert AuditEvent.objects.get().action == "view"

    def test_an_insert_stores_the_event_unsealed_and_takes_no_lock_on_the_head(
        self, school_caseworker
    ):
        write_events(school_caseworker, 3, sealed=False)
        assert (
            list(AuditEvent.objects.values_list("seq", "prev_hash", "hash"))
            == [(None, None, None)] * 3
        )
        assert not ChainHead.objects.filter(seq__gt=0).exists()
        # Unsealed events are not a break: verification reports them as waiting.
        result = verify_chain()
        assert (result.ok, result.checked, result.unsealed) == (True, 0, 3)

        assert seal() == 3
        events = list(AuditEvent.objects.order_by("id").values_list("seq", "prev_hash", "hash"))
        assert [seq for seq, _, _ in events] == [1, 2, 3]
        assert events[0][1] == ""
        assert [prev for _, prev, _ in events[1:]] == [hash_ for _, _, hash_ in events[:-1]]
        head = ChainHead.objects.get()
        assert (head.seq, head.hash) == (3, events[-1][2])
        assert seal() == 0
        assert verify_chain().checked == 3

    def test_the_seal_is_the_formula_of_the_old_per_insert_trigger(self, school_caseworker):
        write_events(school_caseworker, 2)
        previous = ""
        for event in AuditEvent.objects.order_by("seq"):
            expected = hashlib.sha256(f"{previous}|{event.seq}|{event.content}".encode())
            assert (event.prev_hash, event.hash) == (previous, expected.hexdigest())
            previous = event.hash

    def test_sealing_in_batches_continues_the_chain(self, school_caseworker):
        write_events(school_caseworker, 7, sealed=False)
        assert seal(max_rows=3) == 3
        assert unsealed_count() == 4
        assert seal(batch=2) == 4
        assert verify_chain().checked == 7

    def test_an_insert_cannot_arrive_sealed(self, school_caseworker):
        write_events(school_caseworker, 1)
        sealed = AuditEvent.objects.get()
        insert = (
            "INSERT INTO audit_auditevent (kind, occurred_at, role, action, object_type,"
            " object_id, channel, purpose, data_categories, basis, content, seq, prev_hash,"
            " hash) VALUES ('access', now(), '', 'view', 'person', 'x', '', '', '', '', %s,"
            " %s, %s, %s)"
        )
        for seq, prev_hash, hash_ in ((2, None, None), (None, sealed.hash, sealed.hash)):
            refused(
                insert,
                [sealed.content, seq, prev_hash, hash_],
                match="sealed by the sequencer",
            )
        assert AuditEvent.objects.count() == 1

    def test_an_unsealed_entry_cannot_be_altered_removed_or_sealed_falsely(self, school_caseworker):
        write_events(school_caseworker, 1, sealed=False)
        event = AuditEvent.objects.get()
        true_hash = hashlib.sha256(f"|1|{event.content}".encode()).hexdigest()
        for statement, params in (
            ("UPDATE audit_auditevent SET action = 'x'", []),
            ("DELETE FROM audit_auditevent", []),
            ("TRUNCATE audit_auditevent CASCADE", []),
            # A seal whose hash is not the formula's.
            ("UPDATE audit_auditevent SET seq = 1, prev_hash = '', hash = %s", ["0" * 64]),
            # The true seal, but with a column changed on the way.
            (
                "UPDATE audit_auditevent SET seq = 1, prev_hash = '', hash = %s, action = 'x'",
                [true_hash],
            ),
            # Content changed with a hash recomputed to match it.
            (
                "UPDATE audit_auditevent SET seq = 1, prev_hash = '', content = 'forged',"
                " hash = encode(sha256(convert_to('|1|forged', 'UTF8')), 'hex')",
                [],
            ),
        ):
            refused(statement, params)
        assert AuditEvent.objects.get().seq is None
        assert seal() == 1

    def test_a_sealed_entry_cannot_be_sealed_again(self, school_caseworker):
        write_events(school_caseworker, 2)
        event = AuditEvent.objects.get(seq=2)
        rehash = hashlib.sha256(f"|5|{event.content}".encode()).hexdigest()
        refused(
            "UPDATE audit_auditevent SET seq = 5, prev_hash = '', hash = %s WHERE id = %s",
            [rehash, event.pk],
        )
        refused("UPDATE audit_auditevent SET seq = NULL, prev_hash = NULL, hash = NULL")
        assert verify_chain().ok

    def test_verify_finds_a_truncated_trail(self, school_caseworker):
        write_events(school_caseworker, 3)
        tamper("TRUNCATE audit_auditevent CASCADE")
        result = verify_chain()
        assert (result.ok, result.seq) == (False, 3)
        assert "removed" in result.problem

    def test_verify_finds_an_altered_entry(self, school_caseworker):
        write_events(school_caseworker, 5)
        tamper("UPDATE audit_auditevent SET object_id = 'other' WHERE seq = 3")
        result = verify_chain()
        assert (result.ok, result.seq) == (False, 3)
        with pytest.raises(CommandError, match="BROKEN at entry 3"):
            call_command("audit_verify", "--no-progress", stdout=StringIO())

    def test_verify_finds_altered_content_even_with_a_recomputed_hash_elsewhere(
        self, school_caseworker
    ):
        write_events(school_caseworker, 4)
        tamper(
            "UPDATE audit_auditevent SET content = replace(content, %s, %s) WHERE seq = 2",
            ['"view"', '"edit"'],
        )
        assert verify_chain().seq == 2

    def test_verify_finds_a_removed_entry(self, school_caseworker):
        write_events(school_caseworker, 5)
        tamper("DELETE FROM audit_auditevent WHERE seq = 2")
        result = verify_chain()
        assert (result.ok, result.seq) == (False, 3)
        assert "removed" in result.problem

    def test_verify_finds_entries_cut_from_the_end(self, school_caseworker):
        write_events(school_caseworker, 5)
        tamper("DELETE FROM audit_auditevent WHERE seq = 5")
        result = verify_chain()
        assert not result.ok
        assert "removed" in result.problem

    def test_verify_finds_an_inserted_entry(self, school_caseworker):
        write_events(school_caseworker, 3)
        forged = AuditEvent.objects.get(seq=2)
        tamper(
            "INSERT INTO audit_auditevent (seq, kind, occurred_at, role, action, object_type,"
            " object_id, channel, purpose, data_categories, basis, content, prev_hash, hash)"
            " VALUES (%s, 'access', now(), '', 'view', 'person', 'x', '', '', '', '', %s, %s, %s)",
            [4, forged.content, forged.hash, forged.hash],
        )
        result = verify_chain()
        assert (result.ok, result.seq) == (False, 4)

    def test_verify_finds_an_altered_history_row(
        self, school_caseworker, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            make_person(school_caseworker)
        assert AuditEvent.objects.filter(kind="change", object_type="referrals.Person").exists()
        seal()
        assert verify_chain().ok
        with connection.cursor() as cursor:
            cursor.execute("UPDATE referrals_historicalperson SET gender = 'female'")
        result = verify_chain()
        assert not result.ok
        assert "history row" in result.problem

    def test_verify_finds_a_removed_history_row(
        self, school_caseworker, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            make_person(school_caseworker)
        seal()
        tamper("DELETE FROM referrals_historicalperson")
        result = verify_chain()
        assert not result.ok
        assert "referrals.HistoricalPerson" in result.problem
        assert "removed" in result.problem

    def test_postgresql_judges_plain_rows_alone(self, school_caseworker, monkeypatch):
        # With and without an IP address, a user, a person: no row goes back to Python.
        write_events(school_caseworker, 3)
        build_event(kind="access", user=None, action="sign_in_locked").save()
        seal()

        def doubted(seq):
            raise AssertionError(f"entry {seq} was doubted")

        monkeypatch.setattr("audit.chain._columns_match", doubted)
        assert verify_chain().ok

    def test_columns_postgresql_cannot_rebuild_are_judged_by_python(self, school_caseworker):
        # A quote, a backslash and non-ASCII text are escaped in the canonical JSON, so
        # PostgreSQL's rebuilt text doubts the row and Python's own comparison decides.
        for object_id in ('say "hi"', "back\\slash", "Zoë"):
            build_event(
                kind="access", user=school_caseworker, action="view", object_id=object_id
            ).save()
        seal()
        assert verify_chain().ok
        tamper("UPDATE audit_auditevent SET object_id = 'Zoe' WHERE object_id = 'Zoë'")
        result = verify_chain()
        assert not result.ok
        assert "columns altered" in result.problem


@pytest.mark.django_db(transaction=True)
def test_the_chain_holds_under_many_concurrent_writers(school_caseworker):
    writers, each = 6, 25
    barrier = threading.Barrier(writers)

    def write():
        try:
            barrier.wait(timeout=10)
            write_events(school_caseworker, each)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    seal()
    result = verify_chain()
    assert result.ok, result.problem
    assert AuditEvent.objects.filter(kind="access").count() == writers * each


@pytest.mark.django_db(transaction=True)
def test_sealers_running_at_once_seal_each_event_once(school_caseworker):
    write_events(school_caseworker, 60, sealed=False)
    waiting = unsealed_count()  # the 60, and the history digests of the user's creation
    sealers = 3
    barrier = threading.Barrier(sealers)
    sealed = []

    def run():
        try:
            barrier.wait(timeout=10)
            sealed.append(seal(batch=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(sealers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(sealed) == waiting
    result = verify_chain()
    assert (result.ok, result.checked, result.unsealed) == (True, waiting, 0)


def new_person_referral() -> dict:
    """A draft referral of someone not recorded yet."""
    return REFERRAL_DEFAULTS | {
        "incident_date": years_ago(0) - datetime.timedelta(days=3),
        "new_person": {
            "given_name": "Casey",
            "family_name": "Hartley",
            "date_of_birth": years_ago(14),
            "gender": "male",
        },
    }


def change_events(model_label: str) -> list[tuple[str, int]]:
    """(record id, history id) of each change event about records of ``model_label``."""
    return [
        (event.object_id, json.loads(event.content)["details"]["history_id"])
        for event in AuditEvent.objects.filter(kind="change", object_type=model_label)
    ]


class Undone(Exception):
    pass


def person_made_then_undone(actor):
    with transaction.atomic():
        make_person(actor, given_name="Undone")
        raise Undone


def committed_change_events(model_label: str) -> int:
    """Change events about ``model_label`` as another connection sees them: committed."""
    return (
        AuditEvent.objects.using("replica").filter(kind="change", object_type=model_label).count()
    )


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
class TestChangeEventsCommitWithTheChange:
    """A history row's change event is written in the history row's own transaction, as it
    commits (audit/database/base.py): never after the commit, where a crash between two
    commits would lose it without a trace."""

    def test_the_events_are_committed_by_the_time_the_transaction_is(self, school_caseworker):
        seen_at_commit = {}

        def look():
            seen_at_commit["person"] = committed_change_events("referrals.Person")
            seen_at_commit["referral"] = committed_change_events("referrals.Referral")

        with transaction.atomic():
            # Registered before the change: under ``on_commit`` writing, this would look
            # before the events were written.
            transaction.on_commit(look)
            referral_create(actor=school_caseworker, **new_person_referral())
            assert committed_change_events("referrals.Referral") == 0
        assert seen_at_commit == {"person": 1, "referral": 1}
        seal()
        assert verify_chain().ok

    def test_a_later_change_commits_its_event_with_it(self, school_caseworker):
        referral = make_referral(school_caseworker)
        give_consent(school_caseworker, referral)
        seen_at_commit = []
        with transaction.atomic():
            transaction.on_commit(
                lambda: seen_at_commit.append(committed_change_events("referrals.Referral"))
            )
            referral_submit(actor=school_caseworker, referral=referral)
        assert seen_at_commit == [2]

    def test_a_rolled_back_transaction_takes_its_events_with_it(self, school_caseworker):
        with pytest.raises(Undone):
            person_made_then_undone(school_caseworker)
        assert committed_change_events("referrals.Person") == 0

    @pytest.mark.parametrize(
        "failing",
        [
            # The events and the COMMIT go in one message: a failed INSERT never commits.
            "person_made_with_an_event_too_long",
            # A deferred foreign key is checked by the COMMIT sent after the events' INSERT.
            "person_made_with_a_missing_organisation",
        ],
    )
    def test_a_commit_that_fails_takes_the_change_and_its_events(self, school_caseworker, failing):
        with pytest.raises(DatabaseError):
            globals()[failing](school_caseworker)
        assert committed_change_events("referrals.Person") == 0
        assert not Person.objects.exists()
        # The connection goes on: the next transaction commits with its events.
        make_person(school_caseworker)
        assert committed_change_events("referrals.Person") == 1


def person_made_with_an_event_too_long(actor):
    with transaction.atomic():
        make_person(actor, given_name="Unwritten")
        connection.audit_held.append(
            build_event(kind=EventKind.SECURITY, user=None, action="x" * 41)
        )


def person_made_with_a_missing_organisation(actor):
    with transaction.atomic():
        person = make_person(actor)
        Person.objects.filter(pk=person.pk).update(created_by_organisation_id=-1)


@pytest.mark.django_db
class TestChangeEvents:
    def test_a_refused_referral_leaves_no_change_event(self, school_caseworker):
        details = new_person_referral()
        details["incident_date"] = datetime.date.today() + datetime.timedelta(days=1)
        with pytest.raises(ValidationError):
            referral_create(actor=school_caseworker, **details)
        assert change_events("referrals.Person") == []
        assert change_events("referrals.Referral") == []

    def test_rows_made_in_bulk_have_their_change_events_too(
        self, coordinator, panel_chair, panel_member
    ):
        meeting = panel_meeting(coordinator, panel_chair, members=[panel_member], start=False)
        invited = list(meeting.attendance.values_list("pk", flat=True))
        assert invited
        assert sorted(int(pk) for pk, _ in change_events("cases.PanelAttendance")) == sorted(
            invited
        )
        seal()
        assert verify_chain().ok

    def test_a_change_reads_on_the_trail_as_a_sentence(self, school):
        event = AuditEvent.objects.get(
            kind="change", object_type="partners.Organisation", object_id=str(school.pk)
        )
        assert describe(event) == "The service created an organisation"

    def test_a_change_rolled_back_in_a_savepoint_takes_its_event_with_it(self, school_caseworker):
        with transaction.atomic():
            kept = make_person(school_caseworker)
            with pytest.raises(Undone):
                person_made_then_undone(school_caseworker)
        assert change_events("referrals.Person") == [(str(kept.pk), kept.history.get().history_id)]


@pytest.mark.django_db
class TestAccessEvents:
    def test_a_view_and_a_denied_attempt_are_recorded_with_who_how_and_from_where(
        self, api, school_caseworker, police_officer
    ):
        person = make_person(school_caseworker)
        api(school_caseworker).get(f"/api/v1/people/{person.pk}/", REMOTE_ADDR="10.1.2.3")
        api(police_officer).get(f"/api/v1/people/{person.pk}/")

        seen = AuditEvent.objects.get(kind=EventKind.ACCESS, user=school_caseworker)
        denied = AuditEvent.objects.get(kind=EventKind.DENIED, user=police_officer)
        assert (seen.person_id, seen.channel, seen.ip_address, seen.role) == (
            person.pk,
            "api",
            "10.1.2.3",
            "referrer",
        )
        assert seen.organisation.name == "Riverside Academy"
        assert denied.object_id == str(person.pk)
        # IG sees whom the refused attempt was about; the refused user learns nothing.
        assert denied.person_id == person.pk

    def test_a_list_records_each_record_returned(self, api, school_caseworker):
        for name in ("A", "B", "C"):
            make_referral(
                school_caseworker,
                person=make_person(
                    school_caseworker, family_name=name, date_of_birth=years_ago(14)
                ),
            )
        api(school_caseworker).get("/api/v1/referrals/")
        listed = AuditEvent.objects.filter(action="list", object_type="referral")
        assert listed.count() == 3
        # Each vouches for its own record and person, in what the chain seals.
        referrals = {str(r.pk): r.person_id for r in Referral.objects.all()}
        assert {e.object_id: e.person_id for e in listed} == referrals
        for event in listed:
            content = json.loads(event.content)
            assert {k: v for k, v in content.items() if k != "details"} == json.loads(
                canonical(event_fields(event))
            )
            assert content["object_id"] == event.object_id

    def test_sharing_a_case_is_a_disclosure(
        self, api, school_caseworker, coordinator, panel_chair, police, ig_officer
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        api(school_caseworker).post(
            f"/api/v1/cases/{case.pk}/shares/",
            {"organisation": police.pk, "purpose": "information_sharing"},
            format="json",
        )
        disclosures = (
            api(ig_officer)
            .get("/api/v1/audit/disclosures/", {"person_id": str(case.person_id)})
            .json()
        )
        recipients = {d["recipient_organisation"] for d in disclosures["results"]}
        assert recipients == {"Riverside Academy", "Durham Constabulary"}
        assert {d["purpose"] for d in disclosures["results"]} == {"information_sharing"}


@pytest.mark.django_db
class TestBreakGlass:
    def test_break_glass_gives_time_limited_access_and_raises_a_flag(
        self, api, school_caseworker, coordinator, panel_chair, police_officer, ig_officer
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        officer = api(police_officer)
        assert officer.get(f"/api/v1/cases/{case.pk}/").status_code == 404

        short = officer.post(
            f"/api/v1/people/{case.person_id}/break-glass/", {"reason": "urgent"}, format="json"
        )
        granted = officer.post(
            f"/api/v1/people/{case.person_id}/break-glass/",
            {"reason": "Knife incident tonight; need to know who the lead professional is"},
            format="json",
        )

        assert short.status_code == 400
        assert granted.status_code == 201
        assert officer.get(f"/api/v1/cases/{case.pk}/").status_code == 200
        assert officer.get(f"/api/v1/people/{case.person_id}/").status_code == 200
        assert (
            officer.post(
                f"/api/v1/cases/{case.pk}/notes/", {"text": "x"}, format="json"
            ).status_code
            == 403
        )
        flag = ReviewFlag.objects.get(kind="break_glass")
        assert flag.user == police_officer

        BreakGlassGrant.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        assert officer.get(f"/api/v1/cases/{case.pk}/").status_code == 404

        ig = api(ig_officer)
        listed = ig.get("/api/v1/audit/flags/", {"kind": "break_glass"}).json()["results"]
        reviewed = ig.post(
            f"/api/v1/audit/flags/{listed[0]['id']}/review/",
            {"outcome": "appropriate", "note": "Confirmed with the duty inspector", "version": 1},
            format="json",
        )
        assert reviewed.status_code == 200
        assert reviewed.json()["reviewed_by"] is not None

    def test_an_ig_officer_cannot_review_their_own_flag(self, api, school_caseworker, ig_officer):
        person = make_person(school_caseworker)
        client = api(ig_officer)
        client.post(
            f"/api/v1/people/{person.pk}/break-glass/",
            {"reason": "Subject access request check"},
            format="json",
        )
        flag = ReviewFlag.objects.get()
        response = client.post(
            f"/api/v1/audit/flags/{flag.pk}/review/",
            {"outcome": "appropriate", "note": "ok", "version": 1},
            format="json",
        )
        assert response.status_code == 403


@pytest.mark.django_db
class TestFlags:
    def test_denied_attempts_are_flagged(self, api, school_caseworker, police_officer, ig_officer):
        person = make_person(school_caseworker)
        api(police_officer).get(f"/api/v1/people/{person.pk}/")
        flags = api(ig_officer).get("/api/v1/audit/flags/").json()["results"]
        assert [(f["kind"], f["user"]) for f in flags] == [("denied", str(police_officer))]

    def test_many_people_in_a_day_are_flagged_once(
        self, api, school_caseworker, ig_officer, settings
    ):
        settings.AUDIT_DAILY_PEOPLE_LIMIT = 2
        people = [make_person(school_caseworker, family_name=n) for n in ("A", "B", "C", "D")]
        client = api(school_caseworker)
        for person in people:
            client.get(f"/api/v1/people/{person.pk}/")
        kinds = [f["kind"] for f in api(ig_officer).get("/api/v1/audit/flags/").json()["results"]]
        assert kinds.count("volume") == 1

    def test_access_out_of_hours_is_flagged(self, school_caseworker, ig_officer, api):
        event = build_event(
            kind="access", user=school_caseworker, action="view", object_type="person"
        )
        event.occurred_at = timezone.make_aware(
            datetime.datetime(2026, 11, 21, 23, 30)
        )  # a Saturday
        event.content = canonical(event_fields(event) | {"details": {}})
        event.save()
        flags = api(ig_officer).get("/api/v1/audit/flags/").json()["results"]
        assert [f["kind"] for f in flags] == ["out_of_hours"]


@pytest.mark.django_db
class TestSearch:
    """The IG page and the API filter the trail with the one FilterSet (audit.filters)."""

    def events(self, school_caseworker, police_officer):
        person = make_person(school_caseworker)
        build_event(
            kind="access",
            user=school_caseworker,
            action="view",
            object_type="person",
            object_id=str(person.pk),
            person_id=person.pk,
        ).save()
        build_event(
            kind="access", user=police_officer, action="view", object_type="case", object_id="x"
        ).save()
        return person

    def test_the_page_filters_by_person_user_kind_and_dates(
        self, client, school_caseworker, police_officer, ig_officer
    ):
        person = self.events(school_caseworker, police_officer)
        client.force_login(ig_officer)
        today = timezone.localdate().isoformat()

        def shown(**params):
            page = client.get("/audit/", params).context["page"]
            return {(e.user.username, e.object_id) for e in page.items}

        assert shown(person_id=str(person.pk)) == {(school_caseworker.username, str(person.pk))}
        assert shown(username=police_officer.username) == {(police_officer.username, "x")}
        assert shown(username=police_officer.username, kind="denied") == set()
        assert shown(username=police_officer.username, occurred_after=today) == {
            (police_officer.username, "x")
        }
        assert shown(username=police_officer.username, occurred_before="2000-01-01") == set()

    def test_the_api_filters_with_the_same_names(
        self, api, school_caseworker, police_officer, ig_officer
    ):
        person = self.events(school_caseworker, police_officer)
        client = api(ig_officer)

        def shown(**params):
            results = client.get("/api/v1/audit/events/", params).json()["results"]
            return {(e["user"], e["object_id"]) for e in results}

        assert shown(person_id=str(person.pk)) == {(str(school_caseworker), str(person.pk))}
        assert shown(username=police_officer.username, object_type="case") == {
            (str(police_officer), "x")
        }
        assert shown(user=police_officer.pk, occurred_before="2000-01-01") == set()


@pytest.mark.django_db
class TestIgOnly:
    @pytest.mark.parametrize(
        "url",
        [
            "/api/v1/audit/events/",
            "/api/v1/audit/disclosures/",
            "/api/v1/audit/flags/",
            "/api/v1/audit/verify/",
        ],
    )
    @pytest.mark.parametrize("who", ["school_caseworker", "coordinator", "analyst", "admin_user"])
    def test_others_are_refused(self, api, request, url, who):
        assert api(request.getfixturevalue(who)).get(url).status_code == 403

    def test_the_verify_endpoint_reports_the_chain(self, api, ig_officer, school_caseworker):
        write_events(school_caseworker, 2)
        body = api(ig_officer).get("/api/v1/audit/verify/").json()
        assert body["ok"] is True
        assert body["checked"] >= 2

    def test_ig_officers_do_not_see_case_narratives(
        self, api, school_caseworker, coordinator, panel_chair, ig_officer
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        client = api(ig_officer)
        assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
        assert client.get(f"/api/v1/referrals/{case.referrals.get().pk}/").status_code == 404


@pytest.mark.django_db
class TestSubjectAccess:
    def test_the_export_holds_every_record_type_and_nothing_about_anyone_else(
        self,
        api,
        school_caseworker,
        coordinator,
        panel_chair,
        charity,
        provider_keyworker,
        ig_officer,
    ):
        from cases.services import note_add
        from interventions.models import OutcomeMeasure
        from interventions.services import (
            allocation_create,
            allocation_offer,
            allocation_transition,
            contact_record,
            outcome_record,
        )
        from tests.factories import make_intervention

        case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
        note_add(actor=school_caseworker, case=case, text="Met at school with mum")
        allocation = allocation_create(
            actor=school_caseworker,
            case=case,
            intervention=make_intervention(charity),
            request="Mentoring",
        )
        allocation_offer(actor=school_caseworker, allocation=allocation)
        allocation_transition(actor=provider_keyworker, allocation=allocation, action="accept")
        allocation_transition(actor=provider_keyworker, allocation=allocation, action="start")
        contact_record(
            actor=provider_keyworker,
            allocation=allocation,
            contact_date=timezone.localdate(),
            contact_type="phone",
            outcome="attended",
        )
        outcome_record(
            actor=school_caseworker,
            case=case,
            measure=OutcomeMeasure.objects.get(code="feeling_safe"),
            kind="baseline",
            value=3,
            recorded_on=timezone.localdate(),
        )
        someone_else = submitted_referral(
            school_caseworker,
            person=make_person(
                school_caseworker,
                given_name="Zara",
                family_name="Okonkwo",
                date_of_birth=years_ago(13),
            ),
            narrative="A different child entirely",
        )

        api(school_caseworker).get(f"/api/v1/cases/{case.pk}/")
        response = api(ig_officer).get(f"/api/v1/people/{case.person_id}/subject-access-export/")

        assert response.status_code == 200
        export = response.json()
        for section in (
            "people",
            "referrals",
            "consents",
            "panel_decisions",
            "cases",
            "case_shares",
            "notes",
            "allocations",
            "contacts",
            "outcomes",
            "disclosures",
            "access_history",
        ):
            assert export[section], section
        assert export["people"][0]["family_name"] == "Fletcher"
        text = json.dumps(export)
        assert "Okonkwo" not in text
        assert "A different child entirely" not in text
        assert str(someone_else.pk) not in text
        assert AuditEvent.objects.filter(kind="export", person_id=case.person_id).exists()

    def test_only_ig_officers_export(self, api, school_caseworker):
        person = make_person(school_caseworker)
        assert (
            api(school_caseworker)
            .get(f"/api/v1/people/{person.pk}/subject-access-export/")
            .status_code
            == 403
        )


@pytest.mark.django_db
class TestRetention:
    def closed_case_of_an_adult(self, referrer, coordinator, chair, *, years_closed):
        from cases.models import Case
        from cases.services import case_close

        person = make_person(
            referrer, family_name=f"Closed{years_closed}", date_of_birth=years_ago(30)
        )
        case = opened_case(
            referrer,
            coordinator,
            chair,
            person=person,
            pathway="adult_18_35",
            risk_factors=["knife_carrying"],
        )
        case_close(actor=referrer, case=case, reason="goals_met", summary="Done")
        Case.objects.filter(pk=case.pk).update(
            closed_at=timezone.now() - datetime.timedelta(days=365 * years_closed + 2)
        )
        return case

    def test_dry_run_counts_and_changes_nothing_then_erasure_keeps_statistics_and_the_chain(
        self, school_caseworker, coordinator, panel_chair
    ):
        from audit.models import RetentionStatistic
        from cases.models import Case
        from referrals.models import Person, Referral

        old = self.closed_case_of_an_adult(
            school_caseworker, coordinator, panel_chair, years_closed=7
        )
        recent = self.closed_case_of_an_adult(
            school_caseworker, coordinator, panel_chair, years_closed=1
        )
        out = StringIO()

        call_command("apply_retention", "--dry-run", stdout=out)
        assert "Would erase 1 people, 1 referrals, 1 cases" in out.getvalue()
        assert Case.objects.count() == 2

        call_command("apply_retention", stdout=StringIO())

        assert not Person.objects.filter(pk=old.person_id).exists()
        assert not Person.history.filter(id=old.person_id).exists()
        assert not Referral.history.filter(person_id=old.person_id).exists()
        assert not Case.history.filter(id=old.pk).exists()
        assert Case.objects.filter(pk=recent.pk).exists()
        assert RetentionStatistic.objects.filter(record_type="case", outcome="goals_met").exists()
        tombstone = AuditEvent.objects.get(kind="tombstone")
        assert str(old.person_id) in tombstone.content
        seal()
        result = verify_chain()
        assert result.ok, result.problem
        assert (result.checked, result.unsealed) == (AuditEvent.objects.count(), 0)

    def test_a_legal_hold_stops_erasure(
        self, school_caseworker, coordinator, panel_chair, ig_officer
    ):
        from audit.services import legal_hold_place
        from referrals.models import Person

        old = self.closed_case_of_an_adult(
            school_caseworker, coordinator, panel_chair, years_closed=7
        )
        legal_hold_place(actor=ig_officer, person=old.person, reason="Civil claim pending")
        call_command("apply_retention", stdout=StringIO())
        assert Person.objects.filter(pk=old.person_id).exists()

    def test_a_young_persons_case_is_kept_until_25(
        self, school_caseworker, coordinator, panel_chair
    ):
        from audit.retention import retention_plan
        from cases.models import Case
        from cases.services import case_close

        case = opened_case(school_caseworker, coordinator, panel_chair)  # aged 14
        case_close(actor=school_caseworker, case=case, reason="goals_met", summary="Done")
        Case.objects.filter(pk=case.pk).update(
            closed_at=timezone.now() - datetime.timedelta(days=365 * 7)
        )
        assert retention_plan().counts["people"] == 0
        later = years_ago(-12)
        assert retention_plan(today=later).counts["people"] == 1

    def test_a_declined_referral_goes_after_two_years(self, school_caseworker, coordinator):
        from audit.retention import retention_plan
        from referrals.services import referral_screen

        referral = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(14))
        )
        referral_screen(actor=coordinator, referral=referral, outcome="declined", note="Not for us")
        assert retention_plan(today=years_ago(-2, days=-2)).counts["people"] == 0
        assert retention_plan(today=years_ago(-2, days=2)).counts["people"] == 1


@pytest.mark.django_db
def test_a_list_s_events_are_written_as_built_and_verify(school_caseworker):
    """Each event of a list carries its own record in its canonical text, byte for byte as
    built whole; the one INSERT stores every column as it was (none cut short) in order."""
    event = build_event(
        kind="access", user=school_caseworker, action="list", object_type="thing", purpose="Zoë"
    )
    targets = [('say "hi"', None), ("back\\slash", uuid.uuid4()), ("Zoë", uuid.uuid4()), ("", None)]
    events = recorder._each_of(event, targets)
    for one in events:
        assert one.content == canonical(event_fields(one) | {"details": {}})
    recorder.write_events(events)
    stored = list(AuditEvent.objects.filter(object_type="thing").order_by("id"))
    assert [(e.object_id, e.person_id) for e in stored] == targets
    assert [e.content for e in stored] == [e.content for e in events]
    assert {(e.occurred_at, e.user_id, e.organisation_id, e.role) for e in stored} == {
        (event.occurred_at, event.user_id, event.organisation_id, event.role)
    }
    seal()
    assert verify_chain().ok

    too_long = build_event(kind="access", user=school_caseworker, action="x" * 41)
    with pytest.raises(DatabaseError), transaction.atomic():
        recorder.write_events([too_long])
