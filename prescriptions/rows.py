"""One shape for the rows a check-in reads about its member, so that several kinds come
back from one query (a UNION ALL): their steps (selectors), their recent words and
check-ins (crisis), the ids the targets need and their friends' posts (targets).

At a million posts each kind takes under 0.1 ms on the server; what costs is the round
trip and its handling, about 0.3-0.5 ms each (bench/engine.py), so a check-in asks once.

Every branch gives `kind`, then the same named columns (Row), each a field of its own
rows or NULL of the column's type (PostgreSQL types a UNION's columns from its first
branch, so a bare NULL would not do).
"""

from typing import NamedTuple

from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    IntegerField,
    Value,
)
from django.db.models.functions import Cast

COLUMNS = {
    "at": DateTimeField(),
    "ref": BigIntegerField(),
    "number": IntegerField(),
    "flag": BooleanField(),
    "way": CharField(),
    "status": CharField(),
    "skip_reason": CharField(),
    "title": CharField(),
    "space": CharField(),
    "intent": CharField(),
    "time_zone": CharField(),
    "first": BooleanField(),
    "author": BigIntegerField(),
}


class Row(NamedTuple):
    kind: str
    at: object  # datetime | None
    ref: int | None
    number: int | None
    flag: bool | None
    way: str | None
    status: str | None
    skip_reason: str | None
    title: str | None
    space: str | None
    intent: str | None
    time_zone: str | None
    first: bool | None
    author: int | None


def branch(queryset, kind: str, **columns):
    """`queryset` as rows of this shape, tagged `kind`: each of `columns` (by Row's
    names) a field name or an expression of its rows, the others NULL."""
    unknown = columns.keys() - COLUMNS.keys()
    if unknown:
        raise ValueError(f"Not columns of a Row: {sorted(unknown)}")
    return queryset.values_list(
        Value(kind, output_field=CharField()),
        *(
            columns[name] if name in columns else Cast(Value(None), field)
            for name, field in COLUMNS.items()
        ),
    )


def union(*branches):
    """The branches in one query, every row kept."""
    first, *rest = branches
    return first.union(*rest, all=True)


def read(rows) -> list[Row]:
    return [Row(*row) for row in rows]
