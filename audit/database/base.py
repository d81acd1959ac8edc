"""PostgreSQL, where a transaction's audit events are written in it just before it commits.

An event about a change (a history row's digest, a disclosure) must commit with the change
or not at all. Written after the commit, as Django's ``on_commit`` would have it, a crash
between the two commits loses the event without a trace, and verification cannot notice a
history row whose event never came. Django has no hook before a commit, so the engine is
where one goes: ``audit.recorder.emit`` holds a transaction's events on its connection, and
they are written in one INSERT as the transaction commits. A savepoint rolled back takes
the events held since it began; a transaction rolled back takes them all.

A test case wraps each test in a transaction that never commits; there, the application's
outermost block is the one right inside the test case's, and its events are written as it
is released, where in production its commit would write them.
"""

from django.db import DatabaseError
from django.db.backends.postgresql import base
from django.utils.functional import cached_property


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The events waiting for this transaction's commit, and where each open savepoint
        # began in that list.
        self.audit_held: list = []
        self._audit_marks: dict[str, int] = {}

    def in_write_transaction(self) -> bool:
        """In an atomic block of the application's own (a test case's never commits)."""
        return self.in_atomic_block and not self._only_test_case_blocks()

    def _only_test_case_blocks(self) -> bool:
        return all(getattr(block, "_from_testcase", False) for block in self.atomic_blocks)

    def _write_held(self, *, then_commit: bool = False):
        if not self.audit_held:
            return
        from audit.recorder import write_events

        events, self.audit_held = self.audit_held, []
        try:
            write_events(events, connection=self, then_commit=then_commit)
        except DatabaseError:
            raise
        except Exception as error:
            # Only a DatabaseError makes the atomic block roll back rather than commit
            # without the events.
            raise DatabaseError(
                f"the transaction's audit events could not be written: {error}"
            ) from error

    def _commit(self):
        # The events and the COMMIT go as one message (a round trip fewer on every write):
        # the driver then sees the transaction ended and sends no COMMIT of its own. If the
        # INSERT fails, the COMMIT in its message is never run and the block rolls back.
        self._write_held(then_commit=self.connection is not None and self._commits_in_a_message)
        self._audit_marks.clear()
        return super()._commit()

    @cached_property
    def _commits_in_a_message(self) -> bool:
        # Several statements go in one message only where values are bound client-side.
        return not self.settings_dict["OPTIONS"].get("server_side_binding")

    def _rollback(self):
        self.audit_held.clear()
        self._audit_marks.clear()
        return super()._rollback()

    def _savepoint(self, sid):
        self._audit_marks[sid] = len(self.audit_held)
        super()._savepoint(sid)

    def _savepoint_rollback(self, sid):
        del self.audit_held[self._audit_marks.get(sid, len(self.audit_held)) :]
        super()._savepoint_rollback(sid)

    def _savepoint_commit(self, sid):
        self._audit_marks.pop(sid, None)
        if self.atomic_blocks and self._only_test_case_blocks():
            self._write_held()
        super()._savepoint_commit(sid)

    def close(self):
        self.audit_held.clear()
        self._audit_marks.clear()
        super().close()
