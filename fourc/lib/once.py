"""One submit, one row: what keeps a form that creates something (a post, a check-in, a
gathering) from creating it twice when it is sent twice, by a double tap, by the Back
button and "send" again, or by two requests racing.

The form carries a fresh random key in a hidden field (`SubmitKeyField`), kept when the
form comes back with an error, so the retry is the same submit. The service stores the
key on the row it creates, under a unique constraint on (owner, key) where the key is
set (`key_field`, `unique_key`): it first looks for the row this submit `made` already
(and if so answers with it, doing nothing else), then inserts with `create`, which a
racing twin can't pass: on PostgreSQL the second INSERT waits for the first transaction
and then fails on the index, on SQLite immediate transactions take turns and the second
finds the first row. Side effects (notifications, signals, tasks) follow only a row
that this call created.

A submit without a key (a page from before keys, another client) is written as it
always was: a key made on the server would be new each time and catch nothing, and one
made from the content would merge two honest check-ins with the same mood.
"""

import re
import secrets

from django import forms
from django.db import IntegrityError, models, transaction

KEY_MAX = 64
_KEY = re.compile(rf"[A-Za-z0-9_-]{{16,{KEY_MAX}}}")


def new_key() -> str:
    return secrets.token_urlsafe(16)


class SubmitKeyField(forms.CharField):
    """The form's one-time key, hidden: a new one each time the empty form is drawn, the
    one sent when it is drawn again with an error. Never an error itself: a missing or
    malformed key is no key (None), and the submit is written as a keyless one."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, initial=new_key, **kwargs)

    def clean(self, value) -> str | None:
        value = (value or "").strip()
        return value if _KEY.fullmatch(value) else None


def key_field() -> models.CharField:
    """The model's `submit_key`: the key of the submit that created the row."""
    return models.CharField(max_length=KEY_MAX, null=True, blank=True, editable=False)


def unique_key(owner: str, *, name: str) -> models.UniqueConstraint:
    """One row per owner per key; rows without a key are free."""
    return models.UniqueConstraint(
        fields=[owner, "submit_key"], condition=models.Q(submit_key__isnull=False), name=name
    )


def made(model: type[models.Model], submit_key: str | None, **owner) -> models.Model | None:
    """The row this submit already created for `owner` (e.g. author=member), or None
    (always None without a key)."""
    if submit_key is None:
        return None
    return model.objects.filter(submit_key=submit_key, **owner).first()


def create(
    model: type[models.Model], submit_key: str | None, *, owner: str, **fields
) -> tuple[models.Model, bool]:
    """Inserts model(**fields) with the key, in a savepoint of the caller's transaction;
    returns (row, True). When the same submit got there first (the unique constraint
    says so), returns (its row, False) and the caller's transaction goes on unharmed.
    `owner` names the field in the constraint (fields[owner] is its value)."""
    if submit_key is None:
        return model.objects.create(**fields), True
    try:
        with transaction.atomic():
            return model.objects.create(submit_key=submit_key, **fields), True
    except IntegrityError:
        first = made(model, submit_key, **{owner: fields[owner]})
        if first is None:  # another constraint said no: not ours to answer
            raise
        return first, False
