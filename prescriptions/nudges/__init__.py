"""Nudges: the reminder emails 4C sends, in the member's own time, at most once.

How a nudge travels (DESIGN.md, "Nudges"):

1. `schedule.py` (pure) says when each kind is next due for a member, in their local
   time, around their quiet hours and daylight-saving changes, and which period a
   nudge belongs to (a local date, a week, a gathering and its lead...).
2. `services.py` keeps the due instants on `NudgePreferences` current whenever a
   preference, the time zone, a break or a visit changes.
3. `delivery.dispatch` (beat ticks it every five minutes) reads who is due through
   indexed queries on those instants, claims each (member, kind, period) by inserting
   a `NudgeLog` row under a unique constraint, moves the instants on, and enqueues
   sender tasks in batches once the claim has committed.
4. `delivery.send` re-checks everything (still wanted, not paused, not in quiet hours,
   under the daily cap, the crisis rule, a confirmed address), renders through
   `content.py` and `fourc.lib.emails`, sends over one SMTP connection per batch, and
   marks each row sent, skipped (with a reason) or failed.
5. `delivery.sweep` re-enqueues rows claimed but never finished, so a killed worker or
   a lost Redis loses nothing; a row already finished is a no-op for the sender.
"""
