"""A QuerySet compiled to SQL once per process (and thread), then run with other values.

For the few queries that run on every check-in, and the first pages members open most,
that the ORM takes longer to build than the database takes to answer (bench/engine.py
measures it; building Needs a reply's query took 5.8 ms of its 7.8): the QuerySet keeps
the rules it is made of (the community's own QuerySet methods); only the building is
done once.

    facts = Prepared(lambda member, since: Post.objects.visible_to(member)...,
                     member=Prepared.MEMBER, since=Prepared.SINCE)
    rows = facts.run(member=maya, since=a_week_ago)    # tuples
    posts = facts.objects(member=maya, since=a_week_ago)  # model instances

The stand-ins: MEMBER (a member), SINCE, SINCE_2 and SINCE_3 (moments), ID and ID_2
(other rows' ids), TEXT (words) and IDS and IDS_2 (ids, for `= ANY(%s)` in RawSQL and
given as lists, which psycopg2 writes as arrays: their number may vary and the SQL stays
the same, prepared on the server too; PostgreSQL alone), and ZONE (a time zone, for
`TruncDate(..., tzinfo=zone)`: Django writes the zone's name as a parameter, and a run
takes any tzinfo, e.g. a member's `tzinfo`).
`sql()` gives the SQL and its parameters to run inside a larger statement; `exists()`
whether a QuerySet built with `[:1]` finds a row. A build that branches on
`member.is_authenticated` builds the member's branch: callers run it for members and
build the QuerySet for visitors.

The QuerySet is built once from stand-in values; every parameter of its SQL equal to a
stand-in is replaced by the real value at each run. So `build` may only hand its values
to filters: a QuerySet that branched on them (a moderator sees more, say) would keep
the stand-in's branch for everyone, and building it twice from different stand-ins
catches that. The SQL is also fixed for the process: nothing in it may depend on the
active time zone or a setting that changes per request. Building it raises if a stand-in
does not reach the SQL as a parameter, so a change that would silently drop a value
fails at once. Rows come back converted as the ORM converts them (aware datetimes on
SQLite too).

On PostgreSQL the statement is also prepared on the server (`PREPARE`), once per
database connection, and run with `EXECUTE`: the server parses and plans it once
(`plan_cache_mode=force_generic_plan` on the connection, in settings, which touches
prepared statements alone), and planning the check-in's queries cost more than running
them: their time in SQL fell from 4.1 to 2.1 ms at a million posts (bench/engine.py).
The constants are written into the statement; only the stand-ins' values travel. The
preparation is not counted among a page's queries (it happens once per connection). Off
with `PREPARED_STATEMENTS=false` (behind PgBouncer in transaction mode, where a
statement prepared on one server connection is missing on the next); a statement the
server will not prepare runs as plain SQL, and says so once in the log.
"""

import copy
import itertools
import logging
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.utils import split_tzname_delta
from django.db.models.query import ModelIterable, QuerySet

logger = logging.getLogger(__name__)
_names = itertools.count()


class _NamedZone(tzinfo):
    """A stand-in time zone: its name alone, which is all Django's date functions write
    into the SQL (`AT TIME ZONE %s`); never used to convert a time."""

    def __init__(self, name: str):
        self.name = name

    def tzname(self, dt):
        return self.name

    def utcoffset(self, dt):
        raise TypeError("A stand-in time zone converts no time.")


def zone_name(zone: tzinfo) -> str:
    """The name Django writes for a tzinfo (django.utils.timezone._get_timezone_name): an
    IANA name for a member's zone. A fixed offset named "+05:00" is refused: Django turns
    its sign round for PostgreSQL as it builds the SQL, which a run does not."""
    name = zone.tzname(None) or str(zone)
    if split_tzname_delta(name)[2]:
        raise ValueError(f"A zone by its name, not an offset: {name!r}")
    return name


class Prepared:
    MEMBER = object()  # stands for a member: built as an unsaved one with MEMBER_ID
    MEMBER_ID = -987_654_321  # an id nobody has
    SINCE = datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=UTC)  # long before 4C
    SINCE_2 = datetime(1903, 4, 5, 6, 7, 8, 901_234, tzinfo=UTC)  # a second moment
    SINCE_3 = datetime(1905, 6, 7, 8, 9, 10, 123_456, tzinfo=UTC)  # and a third
    ID = -987_654_320  # stands for another row's id (a space's, a post's)
    ID_2 = -987_654_319  # and a second (where a page's cursor stops)
    TEXT = "\x00fourc: a text"  # stands for words (what a member searched for)
    IDS = (-987_654_318,)  # stands for ids, `= ANY(%s)` in RawSQL (given as a list)
    IDS_2 = (-987_654_317,)  # and a second set
    ZONE = _NamedZone("\x00fourc: a zone")  # stands for a time zone (a member's)
    # A second set, to prove the SQL never depends on the values (see _compile).
    _OTHER = {
        MEMBER_ID: -123_456_788,
        SINCE: datetime(1902, 3, 4, 5, 6, 7, 890_123, tzinfo=UTC),
        SINCE_2: datetime(1904, 5, 6, 7, 8, 9, 12_345, tzinfo=UTC),
        SINCE_3: datetime(1906, 7, 8, 9, 10, 11, 234_567, tzinfo=UTC),
        ID: -123_456_787,
        ID_2: -123_456_786,
        TEXT: "\x00fourc: other words",
        IDS: (-123_456_785,),
        IDS_2: (-123_456_784,),
        ZONE: _NamedZone("\x00fourc: another zone"),
    }

    def __init__(self, build, *, on_server: bool = True, **stand_ins):
        self.build = build
        self.stand_ins = stand_ins
        # Prepared on the server too, with one plan for every value: off for a query
        # whose best plan depends on the values (a search for a word in most posts or
        # in a few): then only the building is saved, and it is planned each time.
        self.on_server = on_server
        self._local = threading.local()  # compiled for each thread's own connection
        self.name = f"fourc_prepared_{next(_names)}"  # its names on the server begin so
        self._refused = False  # the server would not prepare it: plain SQL from then on

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
            value = _param(value)
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
        compiler, statement, arguments = self._statement(values)
        with self._forgotten_if_gone(compiler.connection), compiler.connection.cursor() as cursor:
            cursor.execute(statement, arguments)
            rows = cursor.fetchall()
        return list(compiler.results_iter(results=[rows], tuple_expected=True))

    def objects(self, **values) -> list:
        """The model instances for these values, as iterating the QuerySet gives them
        (its select_related objects and annotations included), from the SQL built once:
        Django's own ModelIterable reads the rows, through a copy of the compiler that
        answers with this statement instead of building one."""
        compiler, statement, arguments = self._statement(values)
        answering = copy.copy(compiler)
        answering.as_sql = lambda *args, **kwargs: (statement, arguments)
        with self._forgotten_if_gone(compiler.connection):
            return list(ModelIterable(_Answered(answering)))

    def exists(self, **values) -> bool:
        """Whether the QuerySet finds a row for these values (build it with `[:1]`)."""
        return bool(self.run(**values))

    def sql(self, **values) -> tuple[str, list]:
        """The SQL and its parameters for these values, to run inside a larger statement
        (a Prepared made with `on_server=False`)."""
        if self.on_server:
            raise ValueError("Only a statement not prepared on the server gives its SQL.")
        _, sql, params = self._filled(values)
        return sql, params

    def _statement(self, values) -> tuple:
        """(compiler, SQL, its arguments) for these values: `EXECUTE name(...)` once the
        statement is prepared on this connection, plain SQL otherwise."""
        compiler, sql, params, slots = self._filled(values, with_slots=True)
        connection = compiler.connection
        with connection.cursor() as cursor:
            execute = self._prepared_on(connection, cursor, sql, params, slots)
        if execute is None:
            return compiler, sql, params
        return compiler, execute, [params[i] for i in self._firsts(slots)]

    def _filled(self, values, *, with_slots: bool = False) -> tuple:
        """(compiler, SQL, parameters with these values in the stand-ins' places)."""
        compiled = getattr(self._local, "compiled", None)
        if compiled is None or compiled[0].connection is not connections[compiled[0].using]:
            compiled = self._local.compiled = self._compile()
        compiler, sql, params, slots = compiled
        params = list(params)
        ops = compiler.connection.ops
        for i, slot in enumerate(slots):
            if slot:
                name, adapt = slot
                value = _param(values[name])
                params[i] = ops.adapt_datetimefield_value(value) if adapt else value
        return (compiler, sql, params, slots) if with_slots else (compiler, sql, params)

    @contextmanager
    def _forgotten_if_gone(self, connection):
        """A statement gone from the server (DISCARD, a pooler) or whose plan is stale (a
        column changed type) is prepared again, under a new name, on this connection's
        next run; this run fails as any query would."""
        try:
            yield
        except DatabaseError:
            known = getattr(connection, "_fourc_prepared", None)
            if known is not None:
                known[1].pop(self, None)
            raise

    @staticmethod
    def _firsts(slots) -> list[int]:
        """Where each stand-in first stands among the parameters, in the order of $1, $2..."""
        seen: dict[str, int] = {}
        for i, slot in enumerate(slots):
            if slot and slot[0] not in seen:
                seen[slot[0]] = i
        return list(seen.values())

    def _prepared_on(self, connection, cursor, sql, params, slots) -> str | None:
        """`EXECUTE name(%s, ...)` once the statement is prepared on this database
        connection (preparing it now, the first time); None for plain SQL."""
        if (
            self._refused
            or not self.on_server
            or connection.vendor != "postgresql"
            or not getattr(settings, "PREPARED_STATEMENTS", False)
        ):
            return None
        raw = connection.connection
        known = getattr(connection, "_fourc_prepared", None)
        if known is None or known[0] is not raw:  # a new connection knows none
            known = connection._fourc_prepared = (raw, {})  # {Prepared: its name there}
        firsts = self._firsts(slots)
        name = known[1].get(self)
        if name is None:
            name = self._prepare(connection, cursor, sql, params, slots, firsts)
            if name is None:
                return None
            known[1][self] = name
        arguments = ", ".join(["%s"] * len(firsts))
        return f"EXECUTE {name}({arguments})" if firsts else f"EXECUTE {name}"

    def _prepare(self, connection, cursor, sql, params, slots, firsts) -> str | None:
        """PREPAREs the statement under a name new on this connection; None when the
        server refuses the SQL itself (it runs as plain SQL from then on). Any other error
        (a lost connection, a cancel) is raised as Django raises it."""
        from psycopg2 import NotSupportedError, ProgrammingError  # PostgreSQL only

        order = {slots[i][0]: n for n, i in enumerate(firsts, start=1)}
        values = [
            _Placeholder(f"${order[slot[0]]}") if slot else value
            for slot, value in zip(slots, params, strict=True)
        ]
        name = f"{self.name}_{next(_names)}"
        raw_cursor = cursor.cursor  # once per connection: not one of a page's queries
        in_transaction = not connection.get_autocommit()
        with connection.wrap_database_errors:
            statement = raw_cursor.mogrify(sql, values).decode()  # the constants written in
            if in_transaction:  # a refusal must not break the caller's transaction
                raw_cursor.execute("SAVEPOINT fourc_prepare")
            try:
                raw_cursor.execute(f"PREPARE {name} AS {statement}")
            except (ProgrammingError, NotSupportedError):
                if in_transaction:
                    raw_cursor.execute("ROLLBACK TO SAVEPOINT fourc_prepare")
                logger.warning("The server would not prepare %s; it runs as plain SQL.", name)
                self._refused = True
                name = None
            if in_transaction:
                raw_cursor.execute("RELEASE SAVEPOINT fourc_prepare")
        return name


class _Answered:
    """What ModelIterable reads of a QuerySet, with the query answering through a
    compiler that already holds its SQL (Prepared.objects)."""

    def __init__(self, compiler):
        self.db = compiler.using
        self.model = compiler.klass_info["model"]
        self._fetch_mode = QuerySet(self.model)._fetch_mode  # the default
        self._known_related_objects = {}
        self.query = _AnsweringQuery(compiler)


class _AnsweringQuery:
    def __init__(self, compiler):
        self.compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self.compiler


class _Placeholder:
    """A parameter of the prepared statement ($1...), written into it as it stands."""

    def __init__(self, text: str):
        self.text = text

    def __conform__(self, protocol):
        from psycopg2.extensions import AsIs

        return AsIs(self.text)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _param(value):
    """A value as it stands among the SQL's parameters: a row's id, a zone's name."""
    if isinstance(value, tzinfo):
        return zone_name(value)
    return getattr(value, "pk", value)
