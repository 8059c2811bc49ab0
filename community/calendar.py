"""iCalendar (RFC 5545) for gatherings: one event per gathering, in UTC instants.

UIDs are stable per gathering, SEQUENCE grows with every change, and a
cancelled gathering stays in feeds with STATUS:CANCELLED so calendars drop it.
Join links are never written here: they show on 4C only near the start.
"""

from datetime import UTC

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from community.models import Gathering, GatheringFormat

PRODID = "-//4C//Gatherings//EN"


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
    event.add("summary", gathering.title)
    event.add("description", f"{gathering.description}\n\nDetails: {url}")
    if gathering.format == GatheringFormat.ONLINE:
        event.add("location", "Online: the join link appears on 4C 15 minutes before the start")
    else:
        event.add("location", gathering.place)
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
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(UTC)
    for gathering in gatherings:
        calendar.add_component(_event(gathering, stamp))
    return calendar.to_ical()
