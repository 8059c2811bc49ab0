"""iCalendar (RFC 5545) for gatherings: one event per gathering, in UTC instants.

UIDs are stable per gathering, SEQUENCE grows with every change, and a
cancelled gathering stays in feeds with STATUS:CANCELLED so calendars drop it.
Join links are never written here: they show on 4C only near the start.
"""

import re
import unicodedata
from datetime import UTC

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from community.models import Gathering, GatheringFormat

PRODID = "-//4C//Gatherings//EN"

_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _no_controls(text: str) -> str:
    """RFC 5545 TEXT allows no control characters but tab: every other one goes,
    so nothing stored (however old, whatever slipped past a form) breaks a calendar."""
    return "".join(
        char for char in text if char == "\t" or unicodedata.category(char) not in ("Cc", "Cs")
    )


def one_line(text: str) -> str:
    """A single-line field (a title, a place, the calendar's name): line breaks become
    spaces, other control characters go."""
    return " ".join(_no_controls(_BREAKS.sub(" ", text)).split())


def lines(text: str) -> str:
    """A multi-line field (the description): line breaks become plain newlines, which
    the icalendar library escapes as \\n; other control characters go."""
    return "\n".join(_no_controls(line) for line in _BREAKS.split(text))


def _uid(gathering: Gathering) -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "4c.localhost"
    return f"gathering-{gathering.pk}@{host}"


def _event(gathering: Gathering, stamp) -> Event:
    url = settings.SITE_URL + gathering.get_absolute_url()
    event = Event()
    event.add("uid", _uid(gathering))
    event.add("dtstamp", stamp)
    event.add("dtstart", gathering.starts_at.astimezone(UTC))
    event.add("dtend", gathering.ends_at.astimezone(UTC))
    event.add("summary", one_line(gathering.title))
    event.add("description", f"{lines(gathering.description)}\n\nDetails: {url}")
    if gathering.format == GatheringFormat.ONLINE:
        event.add("location", "Online: the join link appears on 4C 15 minutes before the start")
    else:
        event.add("location", one_line(gathering.place))
    event.add("url", url)
    event.add("sequence", gathering.sequence)
    event.add("last-modified", gathering.updated_at.astimezone(UTC))
    event.add("status", "CANCELLED" if gathering.is_cancelled else "CONFIRMED")
    return event


def build_calendar(gatherings, *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", one_line(name))
    stamp = timezone.now().astimezone(UTC)
    for gathering in gatherings:
        calendar.add_component(_event(gathering, stamp))
    return calendar.to_ical()
