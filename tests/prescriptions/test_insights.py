"""Insights: what lifts a member, as server-rendered SVG with tables, only their own data."""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from prescriptions import insights, selectors, services
from prescriptions.models import Activity, CheckIn, Prescription, Status, Way, WellbeingSurvey
from tests.factories import PrescriptionFactory
from tests.queries import assert_same_queries_for_one_and_many

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]

NOW = datetime(2030, 3, 13, 12, 0, tzinfo=UTC)  # a Wednesday; London is on GMT


def activity(way, n=0):
    return Activity.objects.filter(way=way, is_active=True).order_by("id")[n]


def check_in_at(member, at, mood):
    with time_machine.travel(at, tick=False):
        services.record_check_in(member=member, mood=mood, energy=3)


def step(member, act, *, at, before=None, after=None):
    """A step done by hand at ``at``, with the mood before and after."""
    p = PrescriptionFactory(member=member, activity=act, mood_before=before)
    with time_machine.travel(at, tick=False):
        services.complete_prescription(prescription=p, mood_after=after)
    return p


def has_html(content, snippet) -> bool:
    return parse_html(snippet) in parse_html(content)


def main_of(response) -> str:
    content = response.content.decode()
    return content[content.index("<main") : content.index("</main>")]


@pytest.fixture
def weeks_of_data(consented):
    """Four weeks of check-ins and steps, some this week (from Monday 11 March)."""
    for at, mood in [
        (datetime(2030, 2, 20, 9, tzinfo=UTC), 4),
        (datetime(2030, 2, 27, 9, tzinfo=UTC), 5),
        (datetime(2030, 3, 6, 9, tzinfo=UTC), 6),
        (datetime(2030, 3, 6, 18, tzinfo=UTC), 3),  # the same day: 4.5 on average
        (datetime(2030, 3, 12, 9, tzinfo=UTC), 7),
    ]:
        check_in_at(consented, at, mood)
    connect_a, connect_b = activity(Way.CONNECT, 0), activity(Way.CONNECT, 1)
    give, active = activity(Way.GIVE), activity(Way.BE_ACTIVE)
    notice = activity(Way.TAKE_NOTICE)
    step(consented, connect_a, at=datetime(2030, 2, 20, 10, tzinfo=UTC), before=3, after=5)
    step(consented, connect_b, at=datetime(2030, 3, 6, 10, tzinfo=UTC), before=4, after=5)
    step(consented, give, at=datetime(2030, 3, 10, 20, tzinfo=UTC), before=6, after=6)  # Sunday
    step(consented, connect_a, at=datetime(2030, 3, 11, 10, tzinfo=UTC), before=5, after=7)
    step(consented, give, at=datetime(2030, 3, 12, 10, tzinfo=UTC), before=4, after=5)
    step(consented, active, at=datetime(2030, 3, 13, 9, tzinfo=UTC), before=2, after=5)
    step(consented, notice, at=datetime(2030, 3, 13, 10, tzinfo=UTC))  # no moods: no lift
    # Skipped and open ones never count.
    PrescriptionFactory(member=consented, activity=give, status=Status.SKIPPED, mood_before=1)
    return {"connect_a": connect_a, "connect_b": connect_b, "give": give, "active": active}


def get_insights(client):
    with time_machine.travel(NOW, tick=False):
        return client.get("/insights/")


# --- What the page shows ---------------------------------------------------------------------


def test_every_chart_is_an_image_with_a_title_a_description_and_a_table(
    member_client, weeks_of_data
):
    response = get_insights(member_client)

    assert response.status_code == 200
    page = main_of(response)
    # The mood line is SVG; the bar charts are HTML rows (their words are plain text).
    opening = re.search(
        r'<svg class="chart" role="img" aria-labelledby="mood-chart-title"[^>]*>', page
    )
    assert opening
    assert 'aria-describedby="mood-chart-desc"' in opening.group(0)
    assert re.search(r'<title id="mood-chart-title">[^<]+</title>', page)
    assert re.search(r'<desc id="mood-chart-desc">[^<]+</desc>', page)
    for chart in ["way-lift-chart", "activity-lift-chart", "balance-chart"]:
        opening = re.search(
            rf'<figure class="bars" role="img" aria-labelledby="{chart}-title"[^>]*>', page
        )
        assert opening, chart
        assert f'aria-describedby="{chart}-desc"' in opening.group(0)
        assert re.search(rf'<figcaption id="{chart}-title"[^>]*>[^<]+</figcaption>', page), chart
        assert re.search(rf'<p id="{chart}-desc"[^>]*>[^<]+</p>', page), chart
    assert page.count("<table>") == 4
    assert page.count("The numbers behind this chart") == 4


def test_average_lift_by_way_and_by_activity_match_the_hand_computed_numbers(
    member_client, weeks_of_data
):
    response = get_insights(member_client)
    content = response.content.decode()

    # Connect: +2, +1, +2 -> 5/3 = 1.7 over 3; Give: 0, +1 -> 0.5 over 2; Be active: +3 once.
    ways = {
        lift.way: (insights.one_decimal(lift.mean), lift.times)
        for lift in response.context["way_lifts"]
    }
    assert ways == {"connect": ("1.7", 3), "give": ("0.5", 2), "be_active": ("3.0", 1)}
    assert has_html(content, '<tr><th scope="row">Connect</th><td>+1.7</td><td>3</td></tr>')
    assert has_html(content, '<tr><th scope="row">Give</th><td>+0.5</td><td>2</td></tr>')
    assert has_html(content, '<tr><th scope="row">Be active</th><td>+3.0</td><td>1</td></tr>')
    a = weeks_of_data["connect_a"]
    assert has_html(
        content, f'<tr><th scope="row">{escape(a.title)}</th><td>+2.0</td><td>2</td></tr>'
    )
    b = weeks_of_data["connect_b"]
    assert has_html(
        content, f'<tr><th scope="row">{escape(b.title)}</th><td>+1.0</td><td>1</td></tr>'
    )
    # Best first in the chart too, the ones seen more than once before the one seen once:
    # the rows' numbers, top to bottom.
    chart = content[content.index('aria-labelledby="way-lift-chart-title"') :]
    chart = chart[: chart.index("</figure>")]
    values = re.findall(r'class="bar__value[^"]*">([^<]+)</span>', chart)
    assert values == ["+1.7", "+0.5", "+3.0"]


def test_the_warm_sentence_names_the_best_way_with_at_least_two_data_points(
    member_client, weeks_of_data
):
    content = get_insights(member_client).content.decode()

    # Be active lifted more (+3.0) but only once, so Connecting is the one named.
    assert "Connecting lifted your mood by 1.7 on average, over 3 times." in content
    title = weeks_of_data["connect_a"].title
    assert (
        escape(
            f"Of the steps you've taken more than once, “{title}” helped most: +2.0 on average."
        )
        in content
    )
    assert "This week you&#x27;ve done 4 steps. Small is enough." in content


def test_this_weeks_balance_counts_done_steps_from_monday_in_the_members_zone(
    member_client, weeks_of_data
):
    response = get_insights(member_client)
    content = response.content.decode()

    # Mon 11: connect; Tue 12: give; Wed 13: be active and take notice. Sunday's give is
    # last week's.
    assert response.context["week_counts"] == {
        "connect": 1,
        "be_active": 1,
        "take_notice": 1,
        "keep_learning": 0,
        "give": 1,
    }
    balance = [("Connect", 1), ("Be active", 1), ("Take notice", 1), ("Keep learning", 0)]
    for way, n in [*balance, ("Give", 1)]:
        assert has_html(content, f'<tr><th scope="row">{way}</th><td>{n}</td></tr>'), way
    assert "Since Monday 11 March, in your time zone (Europe/London)." in content


def test_the_mood_line_averages_each_local_day_and_marks_the_days_with_a_step(
    member_client, weeks_of_data
):
    response = get_insights(member_client)
    content = response.content.decode()
    chart = response.context["mood_chart"]

    assert len(chart.points) == 4  # four days with check-ins (two on 6 March)
    assert len(chart.step_dots) == 6  # 20 Feb, 6, 10, 11, 12 and 13 March
    assert has_html(
        content,
        '<tr><th scope="row">Wednesday 6 March</th><td>4.5</td><td>2</td><td>1</td></tr>',
    )
    assert has_html(
        content,
        '<tr><th scope="row">Wednesday 13 March</th><td>no check-in</td><td>0</td><td>2</td></tr>',
    )
    assert "9 steps on 6 days" not in content
    assert "7 steps on 6 days" in content
    assert "between 4.0 and 7.0" in content


def test_a_member_in_kiritimati_has_their_own_monday(client, member, other_member):
    """At 15:00 UTC on Sunday 10 March it is already 05:00 on Monday 11 March in
    Kiritimati (UTC+14): a step at 09:00 UTC (23:00 Sunday there) is last week's, one at
    11:00 UTC (01:00 Monday there) is this week's. In London both are this week's."""
    member.time_zone = "Pacific/Kiritimati"
    member.save(update_fields=["time_zone"])
    now = datetime(2030, 3, 10, 15, tzinfo=UTC)
    for who in (member, other_member):
        services.give_consent(member=who)
        step(
            who, activity(Way.CONNECT), at=datetime(2030, 3, 10, 9, tzinfo=UTC), before=4, after=5
        )
        step(who, activity(Way.GIVE), at=datetime(2030, 3, 10, 11, tzinfo=UTC), before=4, after=6)
        check_in_at(who, datetime(2030, 3, 10, 11, tzinfo=UTC), 6)

    client.force_login(member)
    with time_machine.travel(now, tick=False):
        far = client.get("/insights/")
    client.force_login(other_member)
    with time_machine.travel(now, tick=False):
        london = client.get("/insights/")

    assert far.context["week_counts"]["connect"] == 0
    assert far.context["week_counts"]["give"] == 1
    assert far.context["week_start"].isoformat() == "2030-03-11"
    far_content = far.content.decode()
    assert has_html(far_content, '<tr><th scope="row">Connect</th><td>0</td></tr>')
    assert has_html(far_content, '<tr><th scope="row">Give</th><td>1</td></tr>')
    assert "Since Monday 11 March, in your time zone (Pacific/Kiritimati)." in far_content
    assert has_html(
        far_content,
        '<tr><th scope="row">Monday 11 March</th><td>6.0</td><td>1</td><td>1</td></tr>',
    )
    assert london.context["week_counts"]["connect"] == 1
    assert london.context["week_counts"]["give"] == 1
    assert london.context["week_start"].isoformat() == "2030-03-04"
    assert has_html(
        london.content.decode(),
        '<tr><th scope="row">Sunday 10 March</th><td>6.0</td><td>1</td><td>2</td></tr>',
    )


def test_the_empty_page_is_gentle(member_client):
    response = get_insights(member_client)
    page = main_of(response)

    assert response.status_code == 200
    assert insights.LITTLE_DATA in page
    assert "A new week. Nothing to catch up on; one small step is plenty." in page
    assert "<svg" not in page
    assert 'href="/check-in/"' in page
    assert 'href="/wellbeing/"' in page  # never answered: an invitation


def test_a_little_data_still_says_a_few_more_check_ins(member_client, consented):
    check_in_at(consented, NOW - timedelta(days=1), 5)
    step(consented, activity(Way.CONNECT), at=NOW - timedelta(hours=2), before=4, after=6)

    content = get_insights(member_client).content.decode()

    assert insights.LITTLE_DATA in content  # one data point is not enough to name a Way
    assert "Connecting lifted" not in content
    assert 'aria-labelledby="mood-chart-title"' in content


def test_no_streaks_no_missed_days_no_red_no_inline_style_or_script(
    member_client, consented, weeks_of_data
):
    WellbeingSurvey.objects.create(
        member=consented,
        life_satisfaction=6,
        worthwhile=7,
        happy=5,
        anxious=4,
        created_at=NOW - timedelta(days=3),
    )
    page = main_of(get_insights(member_client))

    lowered = page.lower()
    for word in ["streak", "missed", "failed", "you must", "you should", "don't forget"]:
        assert word not in lowered, word
    assert " style=" not in page
    assert "<script" not in page
    assert "<style" not in page
    colours = re.findall(r'(?:fill|stroke)="([^"]+)"', page)
    assert set(colours) <= {"currentColor", "none"}, set(colours)


def test_activity_titles_are_escaped_in_the_svg_and_the_table(member_client, consented):
    odd = Activity.objects.create(
        slug="odd-one",
        title='<script>alert("hi")</script> & <b>bold</b>',
        how_to="Something small.",
        energy=1,
        way=Way.GIVE,
        technique="activation",
        minutes=5,
        action="none",
    )
    step(consented, odd, at=NOW - timedelta(days=2), before=3, after=5)
    step(consented, odd, at=NOW - timedelta(days=1), before=3, after=4)

    content = get_insights(member_client).content.decode()

    assert "<script>alert" not in content
    assert "<b>bold</b>" not in content
    assert "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in (
        content
    )


# --- Wellbeing on insights -----------------------------------------------------------------------


def test_the_wellbeing_trend_has_four_lines_told_apart_by_shape_and_a_table(
    member_client, consented
):
    for days_ago, answers in [(40, (5, 6, 4, 7)), (10, (6, 7, 6, 3))]:
        WellbeingSurvey.objects.create(
            member=consented,
            life_satisfaction=answers[0],
            worthwhile=answers[1],
            happy=answers[2],
            anxious=answers[3],
            created_at=NOW - timedelta(days=days_ago),
        )

    response = get_insights(member_client)
    content = response.content.decode()

    assert '<svg class="chart" role="img" aria-labelledby="wellbeing-chart-title"' in content
    chart = response.context["wellbeing_chart"]
    assert [s.shape for s in chart.series] == ["circle", "square", "triangle", "diamond"]
    assert len({s.dash for s in chart.series}) == 4
    assert "Anxious yesterday (lower is better)" in content
    assert has_html(
        content,
        '<tr><th scope="row">Friday 1 February</th><td>5</td><td>6</td><td>4</td><td>7</td></tr>',
    )
    assert has_html(
        content,
        '<tr><th scope="row">Sunday 3 March</th><td>6</td><td>7</td><td>6</td><td>3</td></tr>',
    )
    assert "Your next wellbeing check is from Sunday 31 March." in content
    assert 'href="/wellbeing/"' not in main_of(response)


# --- Privacy ------------------------------------------------------------------------------------


def test_another_members_data_never_appears(client, weeks_of_data, other_member):
    client.force_login(other_member)

    response = get_insights(client)
    content = response.content.decode()

    assert response.context["way_lifts"] == []
    assert response.context["mood_chart"] is None
    assert response.context["week_total"] == 0
    assert insights.LITTLE_DATA in content
    assert "Connecting lifted" not in content
    assert escape(weeks_of_data["connect_a"].title) not in content

    # With a step of their own, the numbers are theirs alone.
    services.give_consent(member=other_member)
    step(other_member, activity(Way.KEEP_LEARNING), at=NOW - timedelta(hours=1), before=2, after=3)
    response = get_insights(client)
    assert [(w.way, w.total, w.times) for w in response.context["way_lifts"]] == [
        ("keep_learning", 1, 1)
    ]
    assert response.context["week_counts"]["connect"] == 0
    assert response.context["week_total"] == 1


def test_insights_need_a_login(client):
    response = client.get("/insights/")

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


# --- Query count ---------------------------------------------------------------------------------


def add_history(member, n):
    """n check-ins and n done steps (with moods) spread over eight weeks, plus answers."""
    acts = list(Activity.objects.filter(is_active=True).order_by("id")[:50])
    CheckIn.objects.bulk_create(
        CheckIn(
            member=member, mood=i % 11, energy=1 + i % 5, created_at=NOW - timedelta(hours=25 * i)
        )
        for i in range(n)
    )
    Prescription.objects.bulk_create(
        Prescription(
            member=member,
            activity=acts[i % len(acts)],
            reason="r",
            status=Status.DONE,
            mood_before=i % 8,
            mood_after=(i % 8) + i % 3,
            completed_at=NOW - timedelta(hours=25 * i + 1),
        )
        for i in range(n)
    )
    WellbeingSurvey.objects.bulk_create(
        WellbeingSurvey(
            member=member,
            life_satisfaction=i % 11,
            worthwhile=5,
            happy=6,
            anxious=3,
            created_at=NOW - timedelta(days=28 * i + 1),
        )
        for i in range(min(n, 20))
    )


def test_the_page_costs_the_same_with_1_or_50_check_ins_and_steps(
    member_client, consented, django_assert_num_queries
):
    add_history(consented, 1)
    get_insights(member_client)
    with CaptureQueriesContext(connection) as one:
        first = get_insights(member_client)
    built_once = tuple(
        f"EXECUTE {p.name}_"
        for p in (
            selectors.WEEK_ENDS,
            selectors.TO_TELL,
            selectors.RECENT_WELLBEING,
            insights.LIFT_TOTALS,
            insights.DAILY_MOODS,
            insights.DAILY_STEPS,
        )
    )
    ours = [  # the page's own reads (not the "how do you feel now?" prompt in base.html)
        q["sql"]
        for q in one.captured_queries
        if ("prescriptions_" in q["sql"] and "completed_automatically" not in q["sql"])
        or q["sql"].startswith(built_once)
    ]

    CheckIn.objects.all().delete()
    Prescription.objects.all().delete()
    WellbeingSurvey.objects.all().delete()
    add_history(consented, 50)
    with django_assert_num_queries(len(one)):
        fifty = get_insights(member_client)

    # check-ins by day, steps by day and Way, lifts, wellbeing; a sinking week, and whom
    # the member may tell
    assert len(ours) == 6
    assert first.context["mood_chart"] is not None
    assert len(fifty.context["mood_chart"].points) == 50
    assert len(fifty.context["wellbeing_chart"].series[0].markers) == selectors.WELLBEING_SHOWN
    print(f"insights page: {len(one)} queries with 1 and with 50")  # noqa: T201


def test_reaching_out_in_a_crisis_is_not_counted_as_a_step_done(
    member_client, consented, weeks_of_data
):
    with time_machine.travel(datetime(2030, 3, 13, 9, tzinfo=UTC), tick=False):
        _, plan = services.record_check_in(
            member=consented, mood=1, energy=1, note="I want to die."
        )
        reach_out = Prescription.objects.get(check_in__note="I want to die.")
        assert services.mark_reached_out(prescription=reach_out)

    counts = get_insights(member_client).context["week_counts"]

    assert plan.in_crisis
    assert counts["connect"] == 1  # Monday's, as before: the crisis step isn't one


# --- How the charts are drawn -------------------------------------------------------------------


def chart_of(content, chart_id, end) -> str:
    chart = content[content.index(f'aria-labelledby="{chart_id}-title"') :]
    return chart[: chart.index(end)]


def test_one_data_point_says_one_time_so_far_and_never_fills_a_bar(member_client, consented):
    check_in_at(consented, NOW - timedelta(hours=3), 5)
    step(consented, activity(Way.CONNECT), at=NOW - timedelta(hours=2), before=4, after=6)

    content = get_insights(member_client).content.decode()

    for chart_id in ["way-lift-chart", "activity-lift-chart"]:
        chart = chart_of(content, chart_id, "</figure>")
        assert "one time so far" in chart, chart_id
        assert "bar__fill" not in chart, chart_id  # said in words, no bar at all
        assert "A full bar" not in chart, chart_id  # no bars, so no scale to explain
    # This week's one step is a count: a short bar, a seventh of the track, not all of it.
    balance = chart_of(content, "balance-chart", "</figure>")
    widths = re.findall(r'<rect class="bar__fill" x="[^"]+" y="0" width="([^"]+)"', balance)
    assert widths == ["14.3"]
    assert "A full bar is 7 steps." in balance


def test_lifts_are_drawn_against_a_fixed_scale_not_the_biggest_one(member_client, weeks_of_data):
    content = get_insights(member_client).content.decode()

    chart = chart_of(content, "way-lift-chart", "</figure>")
    # Connect +1.7 and Give +0.5 over a track of 0 to 5 points; Be active, once, in words.
    widths = re.findall(r'<rect class="bar__fill" x="0.0" y="0" width="([^"]+)"', chart)
    assert widths == ["33.3", "10.0"]
    assert "A full bar is a lift of 5 points or more." in chart
    assert chart.count("one time so far") == 1


def test_a_lift_below_zero_grows_left_from_a_marked_zero():
    lifts = [
        insights.Lift("Connect", Way.CONNECT, 4, 2),  # +2.0
        insights.Lift("Give", Way.GIVE, -3, 2),  # -1.5
    ]

    chart = insights.lift_chart(lifts, chart_id="c", title="t", what="way", by_way=True)

    # The track runs from -2 to +5: zero is at 2/7 of it.
    assert chart.zero == "28.6"
    connect, give = chart.bars
    assert (connect.start, connect.width) == ("28.6", "28.6")
    assert (give.start, give.width) == ("7.1", "21.4")
    assert give.value_text == "−1.5"


def test_each_of_the_five_ways_has_its_own_colour_class_beside_its_name(
    member_client, weeks_of_data
):
    content = get_insights(member_client).content.decode()

    balance = chart_of(content, "balance-chart", "</figure>")
    for way in Way:
        row = re.search(rf'<li class="bar way--{way.value}"[^>]*>(.*?)</li>', balance, re.S)
        assert row, way
        assert '<span class="way-swatch"></span>' + way.label in row.group(1), way
    css = (settings.BASE_DIR / "static" / "css" / "fourc.css").read_text()
    colours = set()
    for way in Way:
        prop = "--way-" + way.value.replace("_", "-")
        assert f".way--{way.value} {{ --way: var({prop}); }}" in css, way
        light, dark = re.findall(rf"{prop}:\s*(#[0-9a-f]{{6}});", css)
        colours.add((light, dark))
    assert len({light for light, _ in colours}) == 5
    assert len({dark for _, dark in colours}) == 5


def svg_of(content, chart_id) -> str:
    start = content.rindex("<svg", 0, content.index(f'aria-labelledby="{chart_id}-title"'))
    return content[start : content.index("</svg>", start)]


def test_step_day_marks_never_touch_even_with_a_step_every_day(member_client, consented):
    for days_ago in range(insights.MOOD_DAYS):
        step(consented, activity(Way.GIVE), at=NOW - timedelta(days=days_ago, hours=1))
    check_in_at(consented, NOW - timedelta(hours=1), 6)

    svg = svg_of(get_insights(member_client).content.decode(), "mood-chart")

    marks = sorted(
        (float(x), float(width))
        for x, width in re.findall(
            r'<rect class="chart__step-mark" x="([^"]+)" y="[^"]+" width="([^"]+)"', svg
        )
    )
    assert len(marks) == insights.MOOD_DAYS
    for (x, width), (next_x, _) in itertools.pairwise(marks):
        assert next_x - x >= width + 1, (x, next_x)  # a gap between any two, never overlap
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    assert marks[0][0] >= 0
    assert marks[-1][0] + marks[-1][1] <= width


def text_extents(svg, selector_class="chart__label"):
    """Each x-axis label's left and right edge, at a generous 0.6 em a character."""
    font = float(re.search(r'font-size="([\d.]+)"', svg).group(1))
    group = re.findall(rf'<g class="{selector_class}" text-anchor="middle">(.*?)</g>', svg, re.S)
    labels = re.findall(r'<text x="([^"]+)" y="[^"]+">([^<]+)</text>', group[0])
    return [
        (float(x) - len(text) * font * 0.3, float(x) + len(text) * font * 0.3, text)
        for x, text in labels
    ]


def test_axis_labels_stay_inside_the_chart_and_apart(member_client, consented):
    check_in_at(consented, NOW - timedelta(days=insights.MOOD_DAYS - 1), 4)
    check_in_at(consented, NOW - timedelta(hours=1), 6)
    for days_ago in (40, 3):
        WellbeingSurvey.objects.create(
            member=consented,
            life_satisfaction=5,
            worthwhile=6,
            happy=5,
            anxious=4,
            created_at=NOW - timedelta(days=days_ago),
        )

    content = get_insights(member_client).content.decode()

    for chart_id in ["mood-chart", "wellbeing-chart"]:
        svg = svg_of(content, chart_id)
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
        extents = text_extents(svg)
        assert len(extents) >= 2, chart_id
        first, last = extents[0], extents[-1]
        assert first[0] >= 0, (chart_id, first)
        assert last[1] <= width, (chart_id, last)
        for (_, right, _), (left, _, _) in itertools.pairwise(extents):
            assert left > right, chart_id
    mood_labels = [text for _, _, text in text_extents(svg_of(content, "mood-chart"))]
    assert mood_labels[0] == "17 Jan"  # the first day of the eight weeks
    assert mood_labels[-1] == "Today"


def test_chart_text_is_at_least_12_px_on_a_390_px_phone():
    """The SVG charts scale with their viewBox. On a 390 px screen a chart card's content
    is 390 less the page's side padding (2 x 16), the card's border (2 x 1) and its padding
    (2 x 16): 324 px for a viewBox WIDTH wide. Wider containers get fewer SVG units of font
    (fourc.css, container queries), never less than 12 px, checked at each step."""
    css = (settings.BASE_DIR / "static" / "css" / "fourc.css").read_text()
    assert ".chart-card { max-width: var(--measure); padding: var(--space-3); }" in css
    assert ".chart { display: block; width: 100%; height: auto; font-size: 15px;" in css
    assert insights.FONT == 15
    assert insights.FONT * 324 / insights.WIDTH >= 12
    steps = re.findall(
        r"@container \(min-width: ([\d.]+)rem\) \{ \.chart \{ font-size: ([\d.]+)px", css
    )
    assert steps
    for rem, font in steps:
        assert float(font) * float(rem) * 16 / insights.WIDTH >= 12, (rem, font)


def test_the_page_costs_the_same_for_one_and_fifty_days_of_check_ins_and_steps(
    member_client, consented, django_assert_num_queries
):
    acts = list(Activity.objects.filter(is_active=True).order_by("id")[:10])

    def add_item(i):
        at = NOW - timedelta(days=i % insights.MOOD_DAYS, hours=1 + i // insights.MOOD_DAYS)
        CheckIn.objects.create(member=consented, mood=i % 11, energy=3, created_at=at)
        Prescription.objects.create(
            member=consented,
            activity=acts[i % len(acts)],
            reason="r",
            status=Status.DONE,
            mood_before=3,
            mood_after=3 + i % 4,
            completed_at=at,
        )

    content = assert_same_queries_for_one_and_many(
        member_client, "/insights/", add_item, django_assert_num_queries, at=NOW
    )

    assert content.count('class="chart__step-mark"') == 50
