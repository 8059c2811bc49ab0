"""The Jinja2 cards write what Django's template language writes for the same markup."""

import datetime
import decimal
import zoneinfo
from types import SimpleNamespace

import pytest
from django.template import engines
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

VALUES = [
    "plain",
    "<b>\"quoted\" & 'single'</b>",
    mark_safe("<i>already safe</i>"),
    gettext_lazy("Hug"),
    lazy(lambda: "<a & b>", str)(),
    lazy(lambda: mark_safe("<input>"), SafeString)(),  # as csrf_input is
    0,
    1234567,
    -5,
    True,
    None,
    1.5,
    decimal.Decimal("1234.50"),
    datetime.date(2026, 3, 4),
    datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC),
    ["a", "<b>"],
]


def both(dtl: str, jinja: str, **context) -> tuple[str, str]:
    return (
        engines["django"].from_string(dtl).render(context),
        engines["jinja2"].from_string(jinja).render(context),
    )


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_is_written_as_django_writes_it(value):
    dtl, jinja = both("{{ v }}", "{{ v }}", v=value)
    assert jinja == dtl


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_is_written_as_django_writes_it_with_thousands_separators(settings, value):
    settings.USE_THOUSAND_SEPARATOR = True
    dtl, jinja = both("{{ v }}", "{{ v }}", v=value)
    assert jinja == dtl


def test_times_are_written_in_the_current_time_zone():
    moment = datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):
        dtl, jinja = both(
            "{{ t|date:'c' }} {{ t|date:'l j F Y, H:i' }} {{ t }}",
            "{{ t|date('c') }} {{ t|date('l j F Y, H:i') }} {{ t }}",
            t=moment,
        )
    assert jinja == dtl
    assert "2026-03-05T12:30:00+13:00" in jinja


def test_the_filters_are_djangos():
    then = timezone.now() - datetime.timedelta(days=3, hours=2)
    with translation.override("en-gb"):
        dtl, jinja = both(
            '{{ t|timesince }} {{ n }} repl{{ n|pluralize:"y,ies" }} {{ s|linebreaksbr }}',
            '{{ t|timesince }} {{ n }} repl{{ n|pluralize("y,ies") }} {{ s|linebreaksbr }}',
            t=then,
            n=2,
            s="one <line>\ntwo & three",
        )
    assert jinja == dtl
    assert "one &lt;line&gt;<br>two &amp; three" in jinja


def test_a_list_is_drawn_in_one_call_with_the_pages_csrf_token(rf):
    request = rf.get("/")
    template = engines["django"].from_string(
        "{% load cards %}{% csrf_token %}|"
        '{% render_each "community/cards/role_badge.jinja" badges as="badge" %}|'
        '{% render_jinja "community/cards/role_badge.jinja" badge=one %}'
    )
    html = template.render({"badges": ["Moderator", "", "<Host>"], "one": "Team"}, request)
    token, each, one = html.split("|")
    badge = ' <span class="badge badge--role"><span class="visually-hidden">, 4C </span>{}</span>'
    assert each == badge.format("Moderator") + badge.format("&lt;Host&gt;")
    assert one == badge.format("Team")
    assert token.startswith('<input type="hidden" name="csrfmiddlewaretoken"')


def test_a_name_jinja2_does_not_know_is_one_django_does_not_either():
    """The live region after an htmx answer on a whole page, where no `announce` was set."""
    template = engines["jinja2"].from_string(
        '{{ include_dtl("partials/live_status.html", request=r, announce=announce, messages=m) }}'
    )
    html = template.render({"r": SimpleNamespace(htmx=True), "m": ["Saved."]})
    assert '<div id="live-status" class="visually-hidden" role="status"' in html
    assert ">Saved. </div>" in html


# Dates and timesince keep their words (fourc.jinja2.local_date, local_timesince): what is
# kept must never cross a time zone, a unit or a count.

AGES = [
    datetime.timedelta(seconds=30),
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=59, seconds=30),
    datetime.timedelta(hours=1, minutes=5),
    datetime.timedelta(hours=25),
    datetime.timedelta(days=6, hours=23),
    datetime.timedelta(days=13),
    datetime.timedelta(days=40),
    datetime.timedelta(days=400),
    datetime.timedelta(days=800, hours=5),
    -datetime.timedelta(hours=2),  # not yet: "0 minutes", as Django says
]


@pytest.mark.parametrize("age", AGES, ids=str)
def test_timesince_writes_what_django_writes_at_every_unit(age):
    then = timezone.now() - age
    for _ in range(2):  # the second time from what was kept
        dtl, jinja = both(
            "{{ t|timesince }}|{{ t|timesince:n }}",
            "{{ t|timesince }}|{{ t|timesince(n) }}",
            t=then,
            n=then + age / 2,
        )
        assert jinja == dtl


def test_a_kept_date_is_kept_for_its_time_zone_alone():
    moment = datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC)
    written = {}
    for zone in ["Pacific/Auckland", "Europe/London", "Pacific/Auckland", "America/Lima"]:
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            dtl, jinja = both(
                "{{ t|date:'l j F Y, H:i' }}", "{{ t|date('l j F Y, H:i') }}", t=moment
            )
        assert jinja == dtl
        written.setdefault(zone, jinja)
        assert written[zone] == jinja
    assert len(set(written.values())) == 3  # Thursday 23:30, Friday 12:30, Thursday 18:30


def test_a_kept_date_tells_the_two_half_past_ones_of_a_clock_change_apart():
    first = datetime.datetime(2026, 10, 25, 1, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    second = first.replace(fold=1)  # equal to `first` in Python, an hour later
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        written = [both("{{ t|date:'H:i' }}", "{{ t|date('H:i') }}", t=t) for t in (first, second)]
    assert written == [("00:30", "00:30"), ("01:30", "01:30")]


def test_a_stamped_button_is_the_one_drawn_for_each_reply_with_its_own_key():
    from community.selectors import ReactionButton

    env = engines["jinja2"].env
    buttons = [
        ReactionButton("hear", "I hear you", 3, True),
        ReactionButton("thanks", "Thank you", 0, False),
    ]
    stamped = "".join(
        env.from_string('{{ stamped("community/cards/reaction_button.jinja", k, b) }}').render(
            k=key, b=buttons
        )
        for key in ("reply-7", "reply-8")
    )
    drawn = "".join(
        env.get_template("community/cards/reaction_button.jinja").render(key=key, item=button)
        for key in ("reply-7", "reply-8")
        for button in buttons
    )

    assert stamped == drawn
    assert 'id="react-reply-8-hear" name="reaction" value="hear:0"' in stamped
    assert 'aria-pressed="false">Thank you</button>' in stamped
    # A key is written escaped, as any value is.
    odd = env.from_string('{{ stamped("community/cards/reaction_button.jinja", k, b) }}').render(
        k='x"><b>', b=buttons[:1]
    )
    assert 'id="react-x&quot;&gt;&lt;b&gt;-hear"' in odd
