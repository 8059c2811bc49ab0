"""Keyset pagination: the next page starts after the last row seen, never at an OFFSET.

A cursor is the ordering values of the last row, signed so a member can't
forge one. With an index on the ordering columns, page 1,000 costs what
page 1 costs.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.exceptions import BadRequest
from django.db.models import Q, QuerySet

_SIGNER = signing.Signer(salt="fourc.keyset")


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
        raise BadRequest("That page link is broken. Please go back and try again.") from error
    if not isinstance(values, list) or len(values) != length:
        raise BadRequest("That page link is broken. Please go back and try again.")
    return values


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _field_value(model, name: str, raw):
    if raw is None:
        return None
    try:
        return model._meta.get_field(name).to_python(raw)
    except Exception as error:  # a bad value in a signed cursor: treat as broken
        raise BadRequest("That page link is broken.") from error


def after(queryset: QuerySet, ordering: tuple[str, ...], values: list) -> QuerySet:
    """Rows strictly after `values` in `ordering` (e.g. ("-created_at", "-id"))."""
    condition = Q()
    equal = Q()
    for name, value in zip(ordering, values, strict=True):
        column = name.lstrip("-")
        lookup = "lt" if name.startswith("-") else "gt"
        condition |= equal & Q(**{f"{column}__{lookup}": value})
        equal &= Q(**{column: value})
    return queryset.filter(condition)


def keyset_page(
    queryset: QuerySet, *, ordering: tuple[str, ...], cursor: str | None, size: int
) -> Page:
    """One page of `queryset` in `ordering`; the last column must be unique (the id)."""
    queryset = queryset.order_by(*ordering)
    if cursor:
        raw = decode_cursor(cursor, len(ordering))
        values = [
            _field_value(queryset.model, name.lstrip("-"), value)
            for name, value in zip(ordering, raw, strict=True)
        ]
        queryset = after(queryset, ordering, values)
    rows = list(queryset[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor([getattr(last, name.lstrip("-")) for name in ordering])
    return Page(items=items, next_cursor=next_cursor)
