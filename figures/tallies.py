"""Tallies kept in step with their facts, so that figure sets read a few thousand rows
instead of scanning millions of facts.

A tally is a ``GROUP BY`` of its facts, written once as SQL (``Tally.contributions``: the
rows each fact contributes, one or several, each a key and some numbers to add up). The
same SQL serves the three ways a tally changes, so they cannot disagree:

- a fold (``Tally.replace_facts``'s two halves): the facts of the people being replaced
  are deleted and their contributions subtracted in one statement; once the new facts are
  inserted, theirs are added;
- a rebuild (``Tally.recount``): the whole tally is recounted from the facts, set-based;
- a test: the tally equals its recount after any series of changes.

Exact, not approximate: every column is a count or a sum (of integers, or of decimals in
``numeric``), so differences and sums of them are exact, and medians, means, standard
deviations and overlaps of periods are worked out from them exactly (see each set).

Rows that fall to zero are kept (the key space is small and bounded); readers ignore them.
"""

from dataclasses import dataclass

from django.db import connection

# Any fixed number: folds serialise on it while they change any
# tally, so two cannot deadlock updating the same rows in different orders.
TALLY_LOCK = 7_250_131


@dataclass(frozen=True)
class Tally:
    """``model`` is the tally's table: ``keys`` are its unique key's columns, ``sums`` the
    columns added up. ``contributions`` is a SELECT of those columns, in that order, from
    ``{facts} AS f``: one row or more per fact (a ``CROSS JOIN LATERAL (VALUES ...)`` for
    more; a row whose first key is null contributes nothing)."""

    model: type
    facts: type
    keys: tuple[str, ...]
    sums: tuple[str, ...]
    contributions: str

    def _upsert(self, source: str, *, sign: int) -> str:
        table = self.model._meta.db_table
        keys = ", ".join(self.keys)
        summed = ", ".join(f"{sign} * sum(c.{column})" for column in self.sums)
        updates = ", ".join(
            f"{column} = {table}.{column} + EXCLUDED.{column}" for column in self.sums
        )
        # Table and column names are the models' own, the contributions the builders' own
        # SQL; values are parameters.
        return f"""
            INSERT INTO {table} ({keys}, {", ".join(self.sums)})
            SELECT {", ".join(f"c.{k}" for k in self.keys)}, {summed}
            FROM ({self.contributions.format(facts=source)}) AS c ({keys}, {", ".join(self.sums)})
            WHERE c.{self.keys[0]} IS NOT NULL
            GROUP BY {keys}
            ORDER BY {keys}
            ON CONFLICT ({keys}) DO UPDATE SET {updates}
        """  # noqa: S608

    def delete_facts(self, subjects) -> None:
        """Delete these people's facts and subtract what they contributed, in one statement
        (the caller holds the tally lock: ``replace``)."""
        facts = self.facts._meta.db_table
        with connection.cursor() as cursor:
            # Table and column names are the models' own; the subjects are a parameter.
            cursor.execute(
                f"""
                WITH gone AS (
                    DELETE FROM {facts}
                    WHERE subject = ANY(%s)
                    RETURNING *
                )
                {self._upsert("gone", sign=-1)}
                """,  # noqa: S608
                [list(subjects)],
            )

    def add_facts(self, subjects) -> None:
        """Add what these people's facts (just inserted) contribute."""
        facts = self.facts._meta.db_table
        with connection.cursor() as cursor:
            # A CTE, read as often as the contributions name their facts, with one parameter.
            cursor.execute(
                f"""
                WITH new AS (SELECT * FROM {facts} WHERE subject = ANY(%s))
                {self._upsert("new", sign=1)}
                """,  # noqa: S608
                [list(subjects)],
            )

    def recount(self) -> None:
        """The whole tally again from every fact, set-based. Then analysed: the planner
        would otherwise plan the sets' reads for the tally's size before the rebuild."""
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            cursor.execute(self._upsert(self.facts._meta.db_table, sign=1))
            cursor.execute(f"ANALYZE {table}")

    def replace(self, subjects, build, *, keep_derived: bool) -> None:
        """Replace these people's facts with what ``build()`` inserts, keeping the tally in
        step when ``keep_derived`` (a rebuild recounts it once at the end instead)."""
        # A rebuild emptied the facts first: there is nothing to delete.
        if keep_derived:
            # Taken before anything is read, even for people with no facts yet, so the
            # subtraction and the addition both happen under it.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TALLY_LOCK])
            self.delete_facts(subjects)
        if build() and keep_derived:
            self.add_facts(subjects)
