"""The insights page: what lifts a member, drawn as charts with tables.

Only ever the member's own data. The page's reads are a fixed number of queries, whatever
the history: daily aggregates over a bounded eight-week window, per-activity aggregates
(bounded by the catalogue), and the latest few wellbeing answers.

The chart builders are pure: they turn numbers into coordinates and plain-text labels.
The markup (SVG for the lines, HTML rows for the bars) is drawn by templates in Jinja2
(``templates/jinja2/prescriptions/charts/``: a chart writes hundreds of values), so every
label, activity titles included, is escaped on the way out. Nothing here is ever marked
safe. Colours come from fourc.css by class: each of
the Five Ways has its own, always beside its name.

Words follow VOICE.md: no streaks, nothing "missed", no red, nothing that compares.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language

from fourc.lib.prepared import Prepared
from prescriptions import selectors
from prescriptions.models import (
    CRISIS_SLUG,
    MOOD_MAX,
    MOOD_MIN,
    SCALE_MAX,
    SCALE_MIN,
    WELLBEING_FIELDS,
    WELLBEING_SHORT,
    CheckIn,
    Prescription,
    Status,
    Way,
    WellbeingSurvey,
)

MOOD_DAYS = 56  # eight weeks, today included
MIN_TIMES = 2  # data points before a Way is named as what lifts the member
ACTIVITIES_SHOWN = 10

WAY_DOING = {
    Way.CONNECT: "Connecting",
    Way.BE_ACTIVE: "Being active",
    Way.TAKE_NOTICE: "Taking notice",
    Way.KEEP_LEARNING: "Learning something new",
    Way.GIVE: "Giving",
}

LITTLE_DATA = "A few more check-ins and this page will start to show what helps you."


# --- Numbers and words -----------------------------------------------------------------


def one_decimal(value) -> str:
    """1.666 -> "1.7", half away from zero, never "-0.0"."""
    rounded = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(rounded if rounded else Decimal("0.0"))


def signed(value) -> str:
    """A lift as people read it: "+1.7", "−0.5" (a real minus sign), "0.0"."""
    text = one_decimal(value)
    if text.startswith("-"):
        return "−" + text[1:]
    return text if text == "0.0" else "+" + text


def times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def day_label(day: date) -> str:
    return _formatted(day, "j M", get_language())


def long_day(day: date) -> str:
    return _formatted(day, "l j F", get_language())


@lru_cache(maxsize=4096)
def _formatted(day: date, form: str, language: str) -> str:
    """Django's date_format, kept: a chart names each of its ninety days, and the days
    are the same for everyone (the language is part of the key)."""
    return date_format(day, form)


def _n(value: float) -> str:
    """A coordinate: short, no float noise."""
    return f"{value:.1f}"


def _local_midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


# --- Reads (the member's own data only) ----------------------------------------------------


@dataclass(frozen=True)
class Lift:
    label: str
    way: str
    total: int
    times: int

    @property
    def mean(self) -> Decimal:
        return Decimal(self.total) / Decimal(self.times)


@dataclass(frozen=True)
class MoodDay:
    day: date
    total: int
    check_ins: int

    @property
    def mean(self) -> Decimal:
        return Decimal(self.total) / Decimal(self.check_ins)


# The insights page's two daily reads, on every visit: built once per process, the
# member's zone a parameter (Prepared.ZONE), so each is prepared on the server as well.
DAILY_MOODS = Prepared(
    lambda member, start, end, zone: (
        CheckIn.objects.filter(member=member, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(total=Sum("mood"), n=Count("id"))
        .values_list("day", "total", "n")
        .order_by()
    ),
    member=Prepared.MEMBER,
    start=Prepared.SINCE,
    end=Prepared.SINCE_2,
    zone=Prepared.ZONE,
)
DAILY_STEPS = Prepared(
    lambda member, start, end, zone: (
        Prescription.objects.filter(
            member=member, status=Status.DONE, completed_at__gte=start, completed_at__lt=end
        )
        .exclude(activity__slug=CRISIS_SLUG)  # reaching out in a crisis isn't a "step done"
        .annotate(day=TruncDate("completed_at", tzinfo=zone))
        .values("day", "activity__way")
        .annotate(n=Count("id"))
        .values_list("day", "activity__way", "n")
        .order_by()
    ),
    member=Prepared.MEMBER,
    start=Prepared.SINCE,
    end=Prepared.SINCE_2,
    zone=Prepared.ZONE,
)


def daily_moods_and_steps(member, *, first: date, last: date, tz):
    """Per local day from ``first`` to ``last``: the member's check-ins (mood sum and
    count) and done steps per Way. Two queries, at most a row per day (and Way)."""
    window = {
        "member": member,
        "start": _local_midnight(first, tz),
        "end": _local_midnight(last + timedelta(days=1), tz),
        "zone": tz,
    }
    moods = {day: MoodDay(day, total, n) for day, total, n in DAILY_MOODS.run(**window)}
    steps: dict[date, Counter] = defaultdict(Counter)
    for day, way, n in DAILY_STEPS.run(**window):
        steps[day][way] += n
    return moods, steps


# The insights page's lifts, on every visit: built once per process.
_LIFT_FIELDS = ("activity_id", "activity__title", "activity__way", "total", "times")
LIFT_TOTALS = Prepared(
    lambda member: (
        Prescription.objects.filter(member=member).lift_totals().values_list(*_LIFT_FIELDS)
    ),
    member=Prepared.MEMBER,
)


def lifts(member) -> tuple[list[Lift], list[Lift]]:
    """The member's mean mood lift per Way and per activity, with how many times: only
    done steps with a mood before and after. One query, a row per activity."""
    rows = [dict(zip(_LIFT_FIELDS, row, strict=True)) for row in LIFT_TOTALS.run(member=member)]
    _, by_way = selectors.sum_lifts(rows)
    ways = [Lift(Way(way).label, way, total, n) for way, (total, n) in by_way.items()]
    activities = [
        Lift(row["activity__title"], row["activity__way"], row["total"], row["times"])
        for row in rows
    ]

    def best_first(lift: Lift):
        return (-lift.mean, -lift.times, lift.label)

    return sorted(ways, key=best_first), sorted(activities, key=best_first)


# --- Chart builders (pure) ----------------------------------------------------------------------

# The line charts are SVG drawn to a 360-wide viewBox, 324 px wide in a card on a 390 px
# phone, so their FONT units (the templates' font-size) are 13.5 px there; in wider containers
# fourc.css gives them fewer units, so on any screen the text stays near the page's own small
# text. The bar charts are HTML rows, so their words are ordinary text at every width.
WIDTH = 360
FONT = 15
CHAR_EM = 0.6  # a generous average character width: labels are kept apart and inside with it


def label_width(text: str, font: float = FONT) -> float:
    return len(text) * font * CHAR_EM


@dataclass(frozen=True)
class Tick:
    at: str  # the coordinate along the axis (a grid line's, or a label's centre)
    label: str


def fit_labels(
    marks: list[tuple[float, str]], *, low: float, high: float, gap: float = 10.0
) -> tuple[Tick, ...]:
    """Axis labels, left to right, each centred on its mark but moved inward to stay whole
    between ``low`` and ``high``. The last (today) is always kept; one that would come
    within ``gap`` of the label after it is left out (the table has every day)."""
    kept: list[Tick] = []
    edge = high + gap  # the left edge of the label kept last, going right to left
    for at, text in reversed(marks):
        half = label_width(text) / 2
        centre = min(max(at, low + half), high - half)
        if centre + half + gap > edge:
            continue
        kept.append(Tick(_n(centre), text))
        edge = centre - half
    return tuple(reversed(kept))


@dataclass(frozen=True)
class Point:
    x: str
    y: str
    title: str


@dataclass(frozen=True)
class Mark:
    """A small upright mark along the bottom of the mood chart: a day with a step done."""

    x: str  # its left edge
    y: str
    width: str
    height: str
    title: str


@dataclass(frozen=True)
class MoodChart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    plot: dict  # left, right, top, bottom
    line: str  # polyline points
    area: str  # the soft fill under the line, as a path ("" with fewer than two points)
    points: tuple[Point, ...]
    step_dots: tuple[Mark, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    x_label_y: str
    legend_y: str
    rows: tuple[tuple[str, ...], ...]  # the table: date, mood, check-ins, steps done
    columns: tuple[str, ...]
    caption: str


STEP_MARK = 4.0  # a step day's mark is this wide; a day is wider, so marks never touch


def mood_chart(
    moods: dict[date, MoodDay], steps: dict[date, Counter], *, first: date, last: date
) -> MoodChart | None:
    """Mood (0 to 10, the day's average) on each day with a check-in, as a line; along the
    bottom, a small mark on each day a step was done, one mark a day at most."""
    if not moods and not steps:
        return None
    left, right, top, bottom = 30, WIDTH - 6, 10, 130
    span = max((last - first).days, 1)
    day_width = (right - left) / span
    mark = min(STEP_MARK, day_width * 0.7)

    def x(day: date) -> float:
        return left + (day - first).days * day_width

    def y(mood: float) -> float:
        return top + (MOOD_MAX - mood) * (bottom - top) / (MOOD_MAX - MOOD_MIN)

    points = tuple(
        Point(
            _n(x(day)),
            _n(y(float(m.mean))),
            f"{long_day(day)}: mood {one_decimal(m.mean)}",
        )
        for day, m in sorted(moods.items())
    )
    area = ""
    if len(points) > 1:
        area = (
            f"M{points[0].x},{bottom}"
            + "".join(f"L{p.x},{p.y}" for p in points)
            + f"L{points[-1].x},{bottom}Z"
        )
    step_days = sorted(day for day, counts in steps.items() if sum(counts.values()))
    marks = tuple(
        Mark(
            _n(x(day) - mark / 2),
            _n(bottom + 8),
            _n(mark),
            "12",
            f"{long_day(day)}: {sum(steps[day].values())} "
            f"{'step' if sum(steps[day].values()) == 1 else 'steps'} done",
        )
        for day in step_days
    )
    y_ticks = tuple(Tick(_n(y(v)), str(v)) for v in (0, 5, 10))
    # Every fortnight back from today, and the first day if there is room for it.
    x_days = sorted({first, *(last - timedelta(days=d) for d in range(0, span + 1, 14))})
    x_ticks = fit_labels(
        [(x(day), "Today" if day == last else day_label(day)) for day in x_days if day >= first],
        low=0,
        high=WIDTH,
    )
    all_days = sorted(set(moods) | set(step_days))
    rows = tuple(
        (
            long_day(day),
            one_decimal(moods[day].mean) if day in moods else "no check-in",
            str(moods[day].check_ins) if day in moods else "0",
            str(sum(steps[day].values())) if day in steps else "0",
        )
        for day in all_days
    )
    done_total = sum(sum(c.values()) for c in steps.values())
    desc = (
        f"Your mood from 0 to 10 on each day you checked in, from {long_day(first)} "
        f"to {long_day(last)}: {len(moods)} {'day' if len(moods) == 1 else 'days'}"
    )
    if moods:
        lowest = min(m.mean for m in moods.values())
        highest = max(m.mean for m in moods.values())
        desc += f", between {one_decimal(lowest)} and {one_decimal(highest)}"
    desc += (
        f". Small marks along the bottom show the days you did a step: {done_total} "
        f"{'step' if done_total == 1 else 'steps'} on {len(step_days)} "
        f"{'day' if len(step_days) == 1 else 'days'}. The table below has every number."
    )
    return MoodChart(
        id="mood-chart",
        title="Your mood over the last 8 weeks, with the days you did a step",
        desc=desc,
        width=WIDTH,
        height=bottom + 70,
        plot={"left": left, "right": right, "top": top, "bottom": bottom},
        line=" ".join(f"{p.x},{p.y}" for p in points),
        area=area,
        points=points,
        step_dots=marks,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        x_label_y=_n(bottom + 38),
        legend_y=_n(bottom + 62),
        rows=rows,
        columns=("Day", "Average mood (0 to 10)", "Check-ins", "Steps done"),
        caption="Your mood and steps, day by day",
    )


@dataclass(frozen=True)
class Bar:
    label: str
    detail: str  # said quietly after the label: "3 times"
    value_text: str
    title: str
    way: str  # the Way, for its colour; "" for the page's accent colour
    start: str  # where the bar starts along its track, 0 to 100
    width: str  # how long it is, 0 to 100
    note: str  # said instead of a bar: "one time so far"


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    desc: str
    bars: tuple[Bar, ...]
    zero: str  # where zero is along the track, when some bars go below it; else ""
    scale: str  # what a full track means, in words
    rows: tuple[tuple[str, ...], ...]
    columns: tuple[str, ...]
    caption: str


@dataclass(frozen=True)
class BarItem:
    label: str
    detail: str
    value: float
    value_text: str
    title: str
    way: str = ""
    note: str = ""  # when set, no bar: too little to draw


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    items: list[BarItem],
    low: float,
    high: float,
    scale: str,
    rows: tuple[tuple[str, ...], ...],
    columns: tuple[str, ...],
    caption: str,
) -> BarChart:
    """Horizontal bars along a track from ``low`` to ``high`` (fixed by the caller, so one
    number never fills the track by itself). Bars grow from zero: left below it, right
    above it."""

    def at(value: float) -> float:
        return 100 * (min(max(value, low), high) - low) / (high - low)

    zero = at(0.0)
    bars = []
    for item in items:
        end = at(item.value)
        drawn = not item.note and end != zero
        bars.append(
            Bar(
                label=item.label,
                detail=item.detail,
                value_text=item.value_text,
                title=item.title,
                way=item.way,
                start=_n(min(zero, end)) if drawn else "",
                width=_n(abs(end - zero)) if drawn else "",
                note=item.note,
            )
        )
    return BarChart(
        id=chart_id,
        title=title,
        desc=desc,
        bars=tuple(bars),
        zero=_n(zero) if low < 0 else "",
        scale=scale,
        rows=rows,
        columns=columns,
        caption=caption,
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


LIFT_SCALE = 5  # a full bar is a lift of 5 points (half the mood scale) or more
ONCE = "one time so far"


def lift_chart(
    lifts_: list[Lift], *, chart_id: str, title: str, what: str, by_way: bool
) -> BarChart | None:
    """Average lifts as bars on a fixed scale (0 to +5, and below zero as far as needed). A
    lift seen once is said in words, not drawn: one time is too little to measure. Those
    seen more often come first, best first; then the ones seen once."""
    if not lifts_:
        return None
    lifts_ = sorted(lifts_, key=lambda lift: lift.times == 1)  # stable: best first within
    means = [float(lift.mean) for lift in lifts_]
    low = float(min(0, math.floor(min(means))))
    high = float(max(LIFT_SCALE, math.ceil(max(means))))
    items = [
        BarItem(
            label=_short(lift.label),
            detail="" if lift.times == 1 else times(lift.times),
            value=float(lift.mean),
            value_text=signed(lift.mean),
            title=f"{lift.label}: {signed(lift.mean)} on average, {times(lift.times)}",
            way=lift.way if by_way else "",
            note=ONCE if lift.times == 1 else "",
        )
        for lift in lifts_
    ]
    summary = "; ".join(
        f"{lift.label}: {signed(lift.mean)} over {times(lift.times)}" for lift in lifts_
    )
    scale = f"A full bar is a lift of {high:.0f} points{' or more' if high == LIFT_SCALE else ''}."
    if all(lift.times == 1 for lift in lifts_):
        scale = ""  # no bars drawn, nothing to scale
    return bar_chart(
        chart_id=chart_id,
        title=title,
        desc=(
            f"How much your mood changed on average after each {what}, from before to "
            f"after, on a scale of 0 to 10. {summary}. {scale}".rstrip()
        ),
        items=items,
        low=low,
        high=high,
        scale=scale,
        rows=tuple((lift.label, signed(lift.mean), str(lift.times)) for lift in lifts_),
        columns=(what.capitalize(), "Average change in mood", "Times"),
        caption=title,
    )


WEEK_SCALE = 7  # a full bar is a step a day for a Way, or the week's most if more


def balance_chart(counts: Counter, *, week_start: date) -> BarChart:
    ways = [(w, Way(w).label, counts.get(w, 0)) for w in Way.values]
    total = sum(n for _, _, n in ways)
    high = max(WEEK_SCALE, *(n for _, _, n in ways))
    summary = ", ".join(f"{label} {n}" for _, label, n in ways)
    scale = f"A full bar is {high} steps."
    return bar_chart(
        chart_id="balance-chart",
        title=f"Your steps this week across the Five Ways, since Monday {day_label(week_start)}",
        desc=f"Steps done this week for each of the Five Ways: {summary}. {total} in all.",
        items=[
            BarItem(
                label=label,
                detail="",
                value=float(n),
                value_text=str(n),
                title=f"{label}: {n} {'step' if n == 1 else 'steps'}",
                way=way,
            )
            for way, label, n in ways
        ],
        low=0.0,
        high=float(high),
        scale=scale,
        rows=tuple((label, str(n)) for _, label, n in ways),
        columns=("Way", "Steps this week"),
        caption="This week's steps for each of the Five Ways",
    )


@dataclass(frozen=True)
class Marker:
    d: str  # the path of the series' shape
    title: str


@dataclass(frozen=True)
class Series:
    name: str
    label: str
    dash: str  # stroke-dasharray, "" for solid
    line: str
    markers: tuple[Marker, ...]
    shape: str  # circle, square, triangle, diamond
    legend_x: str
    legend_y: str
    legend_line: str  # a short sample of the line, as polyline points
    legend_marker: str  # path d for the legend's marker


@dataclass(frozen=True)
class WellbeingChart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    plot: dict
    series: tuple[Series, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    x_label_y: str
    rows: tuple[tuple[str, ...], ...]
    columns: tuple[str, ...]
    caption: str


SHAPES = {
    "life_satisfaction": ("circle", ""),
    "worthwhile": ("square", "6 3"),
    "happy": ("triangle", "2 3"),
    "anxious": ("diamond", "9 3 2 3"),
}


def marker_path(shape: str, x: float, y: float, r: float = 4.0) -> str:
    """The outline of a series' marker, so shape (not colour) tells the lines apart."""
    if shape == "square":
        return f"M{_n(x - r)},{_n(y - r)}h{_n(2 * r)}v{_n(2 * r)}h{_n(-2 * r)}Z"
    big = r + 1
    if shape == "triangle":
        corners = [(x, y - big), (x + big, y + r), (x - big, y + r)]
    elif shape == "diamond":
        corners = [(x, y - big), (x + big, y), (x, y + big), (x - big, y)]
    else:  # a circle, as two arcs
        arc = f"a{_n(r)},{_n(r)} 0 1,0"
        return f"M{_n(x - r)},{_n(y)}{arc} {_n(2 * r)},0{arc} {_n(-2 * r)},0Z"
    return "M" + "L".join(f"{_n(cx)},{_n(cy)}" for cx, cy in corners) + "Z"


def wellbeing_chart(surveys: list[WellbeingSurvey], *, tz) -> WellbeingChart | None:
    if not surveys:
        return None
    left, right, top, bottom = 30, WIDTH - 12, 10, 130
    count = len(surveys)

    def x(i: int) -> float:
        if count == 1:
            return (left + right) / 2
        return left + i * (right - left) / (count - 1)

    def y(v: int) -> float:
        return top + (SCALE_MAX - v) * (bottom - top) / (SCALE_MAX - SCALE_MIN)

    days = [s.created_at.astimezone(tz).date() for s in surveys]
    series = []
    for k, name in enumerate(WELLBEING_FIELDS):
        shape, dash = SHAPES[name]
        label = WELLBEING_SHORT[name]
        pts = [(x(i), y(getattr(s, name))) for i, s in enumerate(surveys)]
        lx, ly = 8.0, bottom + 50 + k * 20.0
        series.append(
            Series(
                name=name,
                label=label,
                dash=dash,
                line=" ".join(f"{_n(px)},{_n(py)}" for px, py in pts),
                markers=tuple(
                    Marker(
                        marker_path(shape, px, py),
                        f"{day_label(days[i])}: {label} {getattr(surveys[i], name)}",
                    )
                    for i, (px, py) in enumerate(pts)
                ),
                shape=shape,
                legend_x=_n(lx + 32),
                legend_y=_n(ly + 4),
                legend_line=f"{_n(lx)},{_n(ly)} {_n(lx + 22)},{_n(ly)}",
                legend_marker=marker_path(shape, lx + 11, ly),
            )
        )
    latest = surveys[-1]
    desc = (
        f"Your answers to the four wellbeing questions, 0 to 10, {count} "
        f"{'time' if count == 1 else 'times'} from {long_day(days[0])} to "
        f"{long_day(days[-1])}. Latest: "
        + ", ".join(
            f"{WELLBEING_SHORT[n].split(' (')[0]} {getattr(latest, n)}" for n in WELLBEING_FIELDS
        )
        + ". For anxious, lower is better. The table below has every number."
    )
    return WellbeingChart(
        id="wellbeing-chart",
        title="Your wellbeing over time",
        desc=desc,
        width=WIDTH,
        height=int(bottom + 50 + 3 * 20 + 12),
        plot={"left": left, "right": right, "top": top, "bottom": bottom},
        series=tuple(series),
        y_ticks=tuple(Tick(_n(y(v)), str(v)) for v in (0, 5, 10)),
        x_ticks=fit_labels(
            [(x(i), day_label(days[i])) for i in sorted({0, count - 1})], low=0, high=WIDTH
        ),
        x_label_y=_n(bottom + 24),
        rows=tuple(
            (long_day(day), *(str(getattr(s, n)) for n in WELLBEING_FIELDS))
            for day, s in zip(days, surveys, strict=True)
        ),
        columns=("Day", "Life satisfaction", "Worthwhile", "Happy yesterday", "Anxious yesterday"),
        caption="Your wellbeing answers (0 to 10; for anxious, lower is better)",
    )


# --- The page ----------------------------------------------------------------------------------


def sentences(ways: list[Lift], activities: list[Lift], week_total: int) -> list[str]:
    """Warm, plain words about what helps. Something is named only once it has at least
    MIN_TIMES data points. Plain text: the template escapes it (titles included)."""
    said = []
    enough = [lift for lift in ways if lift.times >= MIN_TIMES]
    if enough:
        best = enough[0]  # ways come best first
        if best.mean > 0:
            said.append(
                f"{WAY_DOING[Way(best.way)]} lifted your mood by {one_decimal(best.mean)} "
                f"on average, over {times(best.times)}."
            )
            top = next((a for a in activities if a.times >= MIN_TIMES and a.mean > 0), None)
            if top is not None:
                said.append(
                    f"Of the steps you've taken more than once, “{top.label}” helped most: "
                    f"{signed(top.mean)} on average."
                )
        else:
            said.append(
                "No one kind of step stands out yet. Each one you try helps 4C learn "
                "what suits you."
            )
    else:
        said.append(LITTLE_DATA)
    if week_total:
        said.append(
            f"This week you've done {week_total} {'step' if week_total == 1 else 'steps'}. "
            "Small is enough."
        )
    else:
        said.append("A new week. Nothing to catch up on; one small step is plenty.")
    return said


def insights_for(member, *, now: datetime | None = None) -> dict:
    """Everything the insights page shows, in four queries whatever the history."""
    now = now or timezone.now()
    tz = member.tzinfo
    today = now.astimezone(tz).date()
    first = today - timedelta(days=MOOD_DAYS - 1)
    week_start = today - timedelta(days=today.weekday())  # Monday, in the member's zone

    moods, steps = daily_moods_and_steps(member, first=first, last=today, tz=tz)
    ways, activities = lifts(member)
    surveys = selectors.recent_wellbeing(member)

    week = Counter()
    for day, counts in steps.items():
        if day >= week_start:
            week.update(counts)
    week_total = sum(week.values())
    last_wellbeing = surveys[-1].created_at if surveys else None
    shown = activities[:ACTIVITIES_SHOWN]
    return {
        "sentences": sentences(ways, activities, week_total),
        "mood_chart": mood_chart(moods, steps, first=first, last=today),
        "way_chart": lift_chart(
            ways,
            chart_id="way-lift-chart",
            title="Average change in mood after a step, by Way",
            what="way",
            by_way=True,
        ),
        "activity_chart": lift_chart(
            shown,
            chart_id="activity-lift-chart",
            title="Average change in mood after a step, by activity",
            what="activity",
            by_way=False,
        ),
        "activities_more": len(activities) - len(shown),
        "balance_chart": balance_chart(week, week_start=week_start) if week_total else None,
        "week_start": week_start,
        "week_total": week_total,
        "week_counts": {w: week.get(w, 0) for w in Way.values},
        "way_lifts": ways,
        "activity_lifts": activities,
        "wellbeing_chart": wellbeing_chart(surveys, tz=tz),
        "wellbeing_due": selectors.wellbeing_is_due(last_wellbeing, now),
        "wellbeing_next": selectors.next_wellbeing_at(last_wellbeing),
    }
