"""When digests go out: the sending slots of a schedule, in the company's time
zone, the period a slot identifies, the forewarning before a run."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SCHEDULE_WEEKLY = "weekly"
SCHEDULE_DAILY = "daily"
SCHEDULE_BUSINESS_DAYS = "business_days"
SCHEDULES = (SCHEDULE_WEEKLY, SCHEDULE_DAILY, SCHEDULE_BUSINESS_DAYS)


# ---------------------------------------------------------------------------
# Slots
# ---------------------------------------------------------------------------


def _check_schedule(schedule: str, weekday: int, hour: int) -> None:
    """Raise ValueError on an unknown schedule, weekday or hour."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}")
    if not 0 <= int(weekday) <= 6:
        raise ValueError(f"weekday must be within 0..6, not {weekday!r}")
    if not 0 <= int(hour) <= 23:
        raise ValueError(f"hour must be within 0..23, not {hour!r}")


def _is_slot_day(schedule: str, day: date, weekday: int) -> bool:
    """Whether the schedule sends on ``day``."""
    if schedule == SCHEDULE_WEEKLY:
        return day.weekday() == weekday
    if schedule == SCHEDULE_BUSINESS_DAYS:
        return day.weekday() < 5
    return True


def last_slot(schedule: str, now_local: datetime, weekday: int = 0, hour: int = 8) -> datetime:
    """The most recent sending slot at or before ``now_local`` (naive local time).

    >>> last_slot("weekly", datetime(2026, 11, 24, 9), 0, 8)
    datetime.datetime(2026, 11, 23, 8, 0)
    >>> last_slot("business_days", datetime(2026, 11, 23, 7, 59))
    datetime.datetime(2026, 11, 20, 8, 0)
    """
    _check_schedule(schedule, weekday, hour)
    slot = now_local.replace(hour=int(hour), minute=0, second=0, microsecond=0)
    if slot > now_local:
        slot -= timedelta(days=1)
    while not _is_slot_day(schedule, slot.date(), int(weekday)):
        slot -= timedelta(days=1)
    return slot


def next_slot(schedule: str, now_local: datetime, weekday: int = 0, hour: int = 8) -> datetime:
    """The first sending slot strictly after ``now_local`` (naive local time).

    >>> next_slot("weekly", datetime(2026, 11, 23, 8), 0, 8)
    datetime.datetime(2026, 11, 30, 8, 0)
    """
    _check_schedule(schedule, weekday, hour)
    slot = now_local.replace(hour=int(hour), minute=0, second=0, microsecond=0)
    if slot <= now_local:
        slot += timedelta(days=1)
    while not _is_slot_day(schedule, slot.date(), int(weekday)):
        slot += timedelta(days=1)
    return slot


# ---------------------------------------------------------------------------
# Time zones and periods
# ---------------------------------------------------------------------------


def utc_to_local(utc_naive: datetime, tz_name: str | None) -> datetime:
    """Naive UTC to naive local time of ``tz_name`` (UTC when empty).

    >>> utc_to_local(datetime(2026, 11, 22, 23, 30), "Europe/Brussels")
    datetime.datetime(2026, 11, 23, 0, 30)
    """
    aware = utc_naive.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(ZoneInfo(tz_name or "UTC")).replace(tzinfo=None)


def local_to_utc(local_naive: datetime, tz_name: str | None) -> datetime:
    """Naive local time of ``tz_name`` (UTC when empty) to naive UTC.

    Ambiguous or missing local times (DST folds and gaps) are read with
    ``fold=0``, i.e. with the offset in force before the transition.
    """
    aware = local_naive.replace(tzinfo=ZoneInfo(tz_name or "UTC"), fold=0)
    return aware.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def period_key(
    schedule: str, now_utc: datetime, tz_name: str | None, weekday: int = 0, hour: int = 8
) -> date:
    """The local date of the current slot at ``now_utc``: identifies the period."""
    return last_slot(schedule, utc_to_local(now_utc, tz_name), weekday, hour).date()


def period_allowed(slot_utc: datetime, activated_at: datetime | None) -> bool:
    """Whether the period starting at ``slot_utc`` may send anything.

    Nothing is sent for a period that began before reminders were switched on
    (``activated_at``, naive UTC; None: never switched on): no catch-up across
    an activation.

    >>> period_allowed(datetime(2026, 11, 30, 8), datetime(2026, 11, 24, 18))
    True
    >>> period_allowed(datetime(2026, 11, 23, 8), datetime(2026, 11, 24, 18))
    False
    >>> period_allowed(datetime(2026, 11, 23, 8), None)
    False
    """
    return activated_at is not None and slot_utc >= activated_at


def upcoming_slots(
    schedule: str, first_local: datetime, weekday: int = 0, hour: int = 8, limit: int = 400
) -> Iterable[datetime]:
    """``first_local`` then the following sending slots, ``limit`` at most.

    >>> [s.day for s in upcoming_slots("weekly", datetime(2026, 11, 30, 8), 0, 8, 3)]
    [30, 7, 14]
    """
    slot = first_local
    for _index in range(limit):
        yield slot
        slot = next_slot(schedule, slot, weekday, hour)


# ---------------------------------------------------------------------------
# Forewarning
# ---------------------------------------------------------------------------


def forewarning_due(
    now_utc: datetime, send_at: datetime | None, hours: int, already_sent: bool
) -> bool:
    """Whether the forewarning of a run sending at ``send_at`` goes out now.

    >>> forewarning_due(datetime(2026, 11, 29, 9), datetime(2026, 11, 30, 8), 24, False)
    True
    >>> forewarning_due(datetime(2026, 11, 29, 7), datetime(2026, 11, 30, 8), 24, False)
    False
    >>> forewarning_due(datetime(2026, 11, 29, 9), datetime(2026, 11, 30, 8), 24, True)
    False
    """
    if not send_at or hours <= 0 or already_sent:
        return False
    return send_at - timedelta(hours=hours) <= now_utc < send_at
