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
the stand-in's branch for everyone. Building it raises if a stand-in
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

    def __init__(self, build, **stand_ins):
        self.build = build
        self.stand_ins = stand_ins
        self._local = threading.local()  # compiled for each thread's own connection

    def _compile(self):
        from community.models import User

        built = {
            name: User(pk=self.MEMBER_ID) if value is self.MEMBER else value
            for name, value in self.stand_ins.items()
        }
        queryset = self.build(**built)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
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
