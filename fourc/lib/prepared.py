"""A QuerySet compiled to SQL once per process (and thread), then run with other values.

For the few queries that run on every check-in and that the ORM takes longer to build
than the database takes to answer (bench/engine.py measures it): the QuerySet keeps
the rules it is made of (the community's own QuerySet methods); only the building is
done once.

    facts = Prepared(lambda member, since: Post.objects.visible_to(member)...,
                     member=Prepared.MEMBER, since=Prepared.SINCE)
    rows = facts.run(member=maya, since=a_week_ago)

The QuerySet is built once from stand-in values; every parameter of its SQL equal to a
stand-in is replaced by the real value at each run. So `build` may only hand its values
to filters: a QuerySet that branched on them (a moderator sees more, say) would keep
the stand-in's branch for everyone, and building it twice from different stand-ins
catches that. The SQL is also fixed for the process: nothing in it may depend on the
active time zone or a setting that changes per request. Building it raises if a stand-in
does not reach the SQL as a parameter, so a change that would silently drop a value
fails at once. Rows come back converted as the ORM converts them (aware datetimes on
SQLite too).
"""

import threading
from datetime import UTC, datetime

from django.db import connections


class Prepared:
    MEMBER = object()  # stands for a member: built as an unsaved one with MEMBER_ID
    MEMBER_ID = -987_654_321  # an id nobody has
    SINCE = datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=UTC)  # long before 4C
    # A second set, to prove the SQL never depends on the values (see _compile).
    _OTHER = {
        MEMBER_ID: -123_456_788,
        SINCE: datetime(1902, 3, 4, 5, 6, 7, 890_123, tzinfo=UTC),
    }

    def __init__(self, build, **stand_ins):
        self.build = build
        self.stand_ins = stand_ins
        self._local = threading.local()  # compiled for each thread's own connection

    def _built(self, member_id: int, other: bool) -> dict:
        from community.models import User

        return {
            name: User(pk=member_id)
            if value is self.MEMBER
            else (self._OTHER[value] if other else value)
            for name, value in self.stand_ins.items()
        }

    def _compile(self):
        built = self._built(self.MEMBER_ID, other=False)
        queryset = self.build(**built)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        # Built again from other stand-ins, the SQL must be the same, and the parameters
        # differ only where a value went: a `build` that branched on a value, or bent it
        # (`since - a day`), or that SQL baked in, fails here instead of answering wrong.
        again = self.build(**self._built(self._OTHER[self.MEMBER_ID], other=True))
        other_sql, other_params = again.query.get_compiler(using=again.db).as_sql()
        wanted = {}  # a stand-in's form among the parameters -> (name, adapt the value?)
        for name, value in built.items():
            value = getattr(value, "pk", value)
            wanted[value] = (name, False)
            if isinstance(value, datetime):  # SQLite gets datetimes as text
                wanted.setdefault(
                    compiler.connection.ops.adapt_datetimefield_value(value), (name, True)
                )
        slots = [wanted.get(param) if _hashable(param) else None for param in params]
        missing = set(built) - {slot[0] for slot in slots if slot}
        if missing:
            raise ValueError(f"These values never reach the SQL: {sorted(missing)}")
        moved = [slot is not None for slot in slots]
        if (
            other_sql != sql
            or len(other_params) != len(params)
            or [a != b for a, b in zip(params, other_params, strict=True)] != moved
        ):
            raise ValueError("The SQL depends on the values, not only its parameters.")
        return compiler, sql, list(params), slots

    def run(self, **values) -> list[tuple]:
        """The rows for these values (named as the stand-ins)."""
        compiled = getattr(self._local, "compiled", None)
        if compiled is None or compiled[0].connection is not connections[compiled[0].using]:
            compiled = self._local.compiled = self._compile()
        compiler, sql, params, slots = compiled
        ops = compiler.connection.ops
        for i, slot in enumerate(slots):
            if slot:
                name, adapt = slot
                value = getattr(values[name], "pk", values[name])
                params[i] = ops.adapt_datetimefield_value(value) if adapt else value
        with compiler.connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return list(compiler.results_iter(results=[rows], tuple_expected=True))


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
