"""Keyset pagination: the next page starts after the last row seen, never at an OFFSET.

A cursor is the ordering values of the last row, signed so a member can't
forge one. The next page is a row comparison, `(a, id) < (x, y)`, which
PostgreSQL answers as a seek into an index on the ordering columns (after the
columns compared for equality, such as the space): page 1,000 costs what page 1
costs. The same condition spelled `a < x OR (a = x AND id < y)` is only a filter,
and the index walk discards every row of the pages before.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core import signing
from django.core.exceptions import BadRequest
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

_SIGNER = signing.Signer(salt="fourc.keyset")
BROKEN = "That page link is broken. Please go back and try again."
# A signed cursor holds only what encode_cursor wrote: short strings and numbers a
# 64-bit column can hold. Anything else is refused before it reaches a query.
INT_RANGE = range(-(2**63), 2**63)  # what a 64-bit column holds
_TEXT_MAX = 64


@dataclass
class Page:
    items: list
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def encode_cursor(values: list) -> str:
    return _SIGNER.sign_object([_plain(value) for value in values], compress=True)


def decode_cursor(cursor: str, length: int) -> list:
    try:
        values = _SIGNER.unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadRequest(BROKEN) from error
    if not isinstance(values, list) or len(values) != length:
        raise BadRequest(BROKEN)
    return values


def cursor_number(value, *, integer: bool = False):
    """A number from a signed cursor, checked for type and range (a 400 if wrong):
    an int a 64-bit column holds, or (unless `integer`) a finite float."""
    if isinstance(value, bool):
        raise BadRequest(BROKEN)
    if isinstance(value, int) and value in INT_RANGE:
        return value
    if not integer and isinstance(value, float) and math.isfinite(value):
        return value
    raise BadRequest(BROKEN)


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _field_value(model, name: str, raw):
    """The column's value from a signed cursor, or a 400: the ordering columns are
    never NULL, so None, lists, objects, booleans and out-of-range values are broken."""
    if isinstance(raw, str):
        if len(raw) > _TEXT_MAX:
            raise BadRequest(BROKEN)
    else:
        raw = cursor_number(raw)
    try:
        value = model._meta.get_field(name).to_python(raw)
    except Exception as error:  # a bad value in a signed cursor: treat as broken
        raise BadRequest(BROKEN) from error
    if value is None or (isinstance(value, datetime) and value.utcoffset() is None):
        raise BadRequest(BROKEN)  # encode_cursor writes instants with their offset
    if isinstance(value, datetime):
        try:
            value = value.astimezone(UTC)  # one a database can hold, not year 10000
        except OverflowError as error:
            raise BadRequest(BROKEN) from error
    if isinstance(value, int) and not isinstance(value, bool) and value not in INT_RANGE:
        raise BadRequest(BROKEN)
    return value


def after(queryset: QuerySet, ordering: tuple[str, ...], values: list) -> QuerySet:
    """Rows strictly after `values` in `ordering` (e.g. ("-created_at", "-id")), as one
    row comparison; every column runs the same way (a row comparison can't mix them)."""
    directions = {name.startswith("-") for name in ordering}
    if len(directions) != 1:
        raise ValueError(f"A keyset ordering runs one way: {ordering}")
    columns = Tuple(*(F(name.lstrip("-")) for name in ordering))
    later = TupleLessThan if directions.pop() else TupleGreaterThan
    return queryset.filter(later(columns, list(values)))


def keyset_page(
    queryset: QuerySet, *, ordering: tuple[str, ...], cursor: str | None, size: int
) -> Page:
    """One page of `queryset` in `ordering`; the last column must be unique (the id)."""
    queryset = queryset.order_by(*ordering)
    if cursor:
        queryset = after(queryset, ordering, cursor_values(queryset.model, ordering, cursor))
    return _page(list(queryset[: size + 1]), ordering=ordering, size=size)


def cursor_values(model, ordering: tuple[str, ...], cursor: str) -> list:
    """The values of `ordering`'s columns a signed cursor holds, each checked (a 400 if
    broken)."""
    raw = decode_cursor(cursor, len(ordering))
    return [
        _field_value(model, name.lstrip("-"), value)
        for name, value in zip(ordering, raw, strict=True)
    ]


def first_page(prepared, *, ordering: tuple[str, ...], size: int, **values) -> Page:
    """keyset_page's first page from a fourc.lib.prepared.Prepared (its SQL built once
    per process, for a list every member opens often) built as
    `queryset.order_by(*ordering)[: size + 1]`; `values` are the Prepared's."""
    return _page(prepared.objects(**values), ordering=ordering, size=size)


def built_page(
    first, following, *, model, ordering: tuple[str, ...], cursor: str | None, size: int, **values
) -> Page:
    """keyset_page from two Prepared: `first` as first_page's, and `following` built as
    `after(queryset.order_by(*ordering), ordering, [at, last])[: size + 1]` for the pages
    after a cursor (an ordering of a moment and the id; a broken cursor is a 400)."""
    if not cursor:
        return first_page(first, ordering=ordering, size=size, **values)
    at, last = cursor_values(model, ordering, cursor)
    return _page(following.objects(**values, at=at, last=last), ordering=ordering, size=size)


def _page(rows: list, *, ordering: tuple[str, ...], size: int) -> Page:
    """A page from up to `size + 1` rows: the extra one says there is a next page."""
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor([getattr(last, name.lstrip("-")) for name in ordering])
    return Page(items=items, next_cursor=next_cursor)
