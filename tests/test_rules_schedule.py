"""Sending slots, time zones and periods (``rules/schedule.py``), without Odoo."""

from datetime import date, datetime, timedelta

import pytest

D = date
DT = datetime

# ---------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "now", "weekday", "hour", "expected"),
    [
        # 2026-11-23 is a Monday
        ("weekly", DT(2026, 11, 23, 8), 0, 8, DT(2026, 11, 23, 8)),
        ("weekly", DT(2026, 11, 23, 7, 59), 0, 8, DT(2026, 11, 16, 8)),
        ("weekly", DT(2026, 11, 29, 23, 59), 0, 8, DT(2026, 11, 23, 8)),
        ("weekly", DT(2026, 11, 27, 17, 0, 1), 4, 17, DT(2026, 11, 27, 17)),
        ("weekly", DT(2026, 11, 26, 23), 4, 17, DT(2026, 11, 20, 17)),
        ("weekly", DT(2026, 11, 23, 0, 30), 0, 0, DT(2026, 11, 23, 0)),
        ("daily", DT(2026, 11, 23, 7), 0, 8, DT(2026, 11, 22, 8)),
        ("daily", DT(2026, 11, 23, 8, 0, 1), 0, 8, DT(2026, 11, 23, 8)),
        ("daily", DT(2026, 1, 1, 0, 0), 0, 23, DT(2025, 12, 31, 23)),
        ("business_days", DT(2026, 11, 28, 12), 0, 8, DT(2026, 11, 27, 8)),  # Saturday
        ("business_days", DT(2026, 11, 29, 12), 0, 8, DT(2026, 11, 27, 8)),  # Sunday
        ("business_days", DT(2026, 11, 30, 7), 0, 8, DT(2026, 11, 27, 8)),  # Monday, early
        ("business_days", DT(2026, 11, 24, 9), 0, 8, DT(2026, 11, 24, 8)),
    ],
)
def test_last_slot(rules, schedule, now, weekday, hour, expected):
    assert rules.last_slot(schedule, now, weekday, hour) == expected


@pytest.mark.parametrize(
    ("schedule", "now", "weekday", "hour", "expected"),
    [
        ("weekly", DT(2026, 11, 23, 8), 0, 8, DT(2026, 11, 30, 8)),  # strictly after
        ("weekly", DT(2026, 11, 23, 7, 59), 0, 8, DT(2026, 11, 23, 8)),
        ("weekly", DT(2026, 11, 29, 23), 6, 22, DT(2026, 12, 6, 22)),
        ("daily", DT(2026, 12, 31, 23), 0, 23, DT(2027, 1, 1, 23)),
        ("daily", DT(2026, 12, 31, 22, 59), 0, 23, DT(2026, 12, 31, 23)),
        ("business_days", DT(2026, 11, 27, 9), 0, 8, DT(2026, 11, 30, 8)),  # Friday
        ("business_days", DT(2026, 11, 28, 7), 0, 8, DT(2026, 11, 30, 8)),  # Saturday
        ("business_days", DT(2026, 11, 24, 7), 0, 8, DT(2026, 11, 24, 8)),
    ],
)
def test_next_slot(rules, schedule, now, weekday, hour, expected):
    assert rules.next_slot(schedule, now, weekday, hour) == expected


@pytest.mark.parametrize(
    ("schedule", "weekday", "hour"),
    [("weekly", 0, 8), ("weekly", 6, 0), ("daily", 0, 23), ("business_days", 0, 8)],
)
def test_slots_frame_every_moment(rules, schedule, weekday, hour):
    """Over two weeks, each moment lies between two consecutive slots."""
    start = DT(2026, 11, 16)
    for quarter in range(14 * 24 * 4):
        now = start + timedelta(minutes=15 * quarter)
        last = rules.last_slot(schedule, now, weekday, hour)
        following = rules.next_slot(schedule, now, weekday, hour)
        assert last <= now < following
        assert rules.next_slot(schedule, last, weekday, hour) == following
        assert (last.hour, last.minute, last.second) == (hour, 0, 0)


@pytest.mark.parametrize(
    ("schedule", "weekday", "hour", "message"),
    [
        ("monthly", 0, 8, "unknown schedule"),
        ("", 0, 8, "unknown schedule"),
        # the rule's own messages, not datetime's ("hour must be in 0..23")
        ("weekly", 7, 8, "weekday must be within"),
        ("weekly", -1, 8, "weekday must be within"),
        ("daily", 0, 24, "hour must be within"),
        ("business_days", 0, -1, "hour must be within"),
    ],
)
def test_slot_arguments_are_checked(rules, schedule, weekday, hour, message):
    with pytest.raises(ValueError, match=message):
        rules.last_slot(schedule, DT(2026, 11, 23, 9), weekday, hour)
    with pytest.raises(ValueError, match=message):
        rules.next_slot(schedule, DT(2026, 11, 23, 9), weekday, hour)
    with pytest.raises(ValueError, match=message):
        rules.period_key(schedule, DT(2026, 11, 23, 9), "UTC", weekday, hour)


def test_slot_defaults_are_a_new_policy_s(rules):
    """Weekly on Monday at 8:00, as a new policy."""
    wednesday = DT(2026, 11, 25, 12)
    assert rules.last_slot("weekly", wednesday) == DT(2026, 11, 23, 8)
    assert rules.next_slot("weekly", wednesday) == DT(2026, 11, 30, 8)
    assert list(rules.upcoming_slots("weekly", DT(2026, 11, 30, 8), limit=2)) == [
        DT(2026, 11, 30, 8),
        DT(2026, 12, 7, 8),
    ]


def test_utc_local_conversions(rules):
    assert rules.utc_to_local(DT(2026, 1, 15, 12), "Europe/Brussels") == DT(2026, 1, 15, 13)
    assert rules.utc_to_local(DT(2026, 7, 15, 12), "Europe/Brussels") == DT(2026, 7, 15, 14)
    assert rules.local_to_utc(DT(2026, 7, 15, 14), "Europe/Brussels") == DT(2026, 7, 15, 12)
    assert rules.utc_to_local(DT(2026, 7, 15, 12), "") == DT(2026, 7, 15, 12)
    assert rules.utc_to_local(DT(2026, 7, 15, 12), None) == DT(2026, 7, 15, 12)
    assert rules.local_to_utc(DT(2026, 7, 15, 12), False) == DT(2026, 7, 15, 12)
    for tz in ("Europe/Brussels", "Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata"):
        moment = DT(2026, 11, 22, 23, 30)
        assert rules.local_to_utc(rules.utc_to_local(moment, tz), tz) == moment


def test_midnight_brussels(rules):
    now = DT(2026, 11, 22, 23, 30)  # Sunday in UTC, Monday 00:30 in Brussels
    assert rules.utc_to_local(now, "Europe/Brussels") == DT(2026, 11, 23, 0, 30)
    assert rules.period_key("weekly", now, "Europe/Brussels", 0, 0) == D(2026, 11, 23)
    assert rules.period_key("weekly", now, "UTC", 0, 0) == D(2026, 11, 16)
    assert rules.period_key("weekly", now, "Europe/Brussels", 0, 1) == D(2026, 11, 16)
    assert rules.period_key("daily", now, "Europe/Brussels", 0, 0) == D(2026, 11, 23)
    assert rules.period_key("daily", now, "UTC", 0, 0) == D(2026, 11, 22)
    assert rules.period_key("business_days", now, "Europe/Brussels", 0, 0) == D(2026, 11, 23)
    assert rules.period_key("business_days", now, "UTC", 0, 0) == D(2026, 11, 20)


def test_auckland_and_los_angeles(rules):
    now = DT(2026, 11, 22, 20)  # Sunday 20:00 UTC
    assert rules.utc_to_local(now, "Pacific/Auckland") == DT(2026, 11, 23, 9)  # NZDT +13
    assert rules.utc_to_local(now, "America/Los_Angeles") == DT(2026, 11, 22, 12)  # PST -8
    assert rules.period_key("weekly", now, "Pacific/Auckland") == D(2026, 11, 23)
    assert rules.period_key("weekly", now, "America/Los_Angeles") == D(2026, 11, 16)
    assert rules.period_key("daily", now, "Pacific/Auckland") == D(2026, 11, 23)
    assert rules.period_key("daily", now, "America/Los_Angeles") == D(2026, 11, 22)
    assert rules.period_key("business_days", now, "America/Los_Angeles") == D(2026, 11, 20)
    # the next Monday 08:00 of each company, in UTC
    for tz, expected in (
        ("Pacific/Auckland", DT(2026, 11, 29, 19)),
        ("America/Los_Angeles", DT(2026, 11, 23, 16)),
    ):
        local = rules.next_slot("weekly", rules.utc_to_local(now, tz), 0, 8)
        assert rules.local_to_utc(local, tz) == expected


def test_period_key_constant_over_a_week(rules):
    start = rules.local_to_utc(DT(2026, 11, 23, 8), "Europe/Brussels")
    keys = {
        rules.period_key("weekly", start + timedelta(minutes=m), "Europe/Brussels")
        for m in range(0, 7 * 24 * 60, 10)
    }
    assert keys == {D(2026, 11, 23)}
    assert rules.period_key("weekly", start - timedelta(seconds=1), "Europe/Brussels") == D(
        2026, 11, 16
    )


def test_dst_spring_forward(rules):
    tz = "Europe/Brussels"  # 2026-03-29 02:00 local -> 03:00 (01:00 UTC)
    assert rules.utc_to_local(DT(2026, 3, 29, 0, 59), tz) == DT(2026, 3, 29, 1, 59)
    assert rules.utc_to_local(DT(2026, 3, 29, 1, 0), tz) == DT(2026, 3, 29, 3, 0)
    # 02:30 does not exist: read with the offset before the change (+1)
    assert rules.local_to_utc(DT(2026, 3, 29, 2, 30), tz) == DT(2026, 3, 29, 1, 30)
    # daily 08:00 is 07:00 UTC the day before, 06:00 UTC from the change on
    local = rules.next_slot("daily", rules.utc_to_local(DT(2026, 3, 28, 8), tz), 0, 8)
    assert local == DT(2026, 3, 29, 8)
    assert rules.local_to_utc(local, tz) == DT(2026, 3, 29, 6)
    assert rules.local_to_utc(DT(2026, 3, 28, 8), tz) == DT(2026, 3, 28, 7)
    # a slot in the gap (Sunday 02:00) still opens its period once the clock jumped
    assert rules.period_key("weekly", DT(2026, 3, 29, 0, 59), tz, 6, 2) == D(2026, 3, 22)
    assert rules.period_key("weekly", DT(2026, 3, 29, 1, 0), tz, 6, 2) == D(2026, 3, 29)


def test_dst_fall_back(rules):
    tz = "Europe/Brussels"  # 2026-10-25 03:00 local -> 02:00 (01:00 UTC)
    first, second = DT(2026, 10, 25, 0, 30), DT(2026, 10, 25, 1, 30)
    assert (
        rules.utc_to_local(first, tz) == rules.utc_to_local(second, tz) == DT(2026, 10, 25, 2, 30)
    )
    # the ambiguous 02:30 is read as its first occurrence (fold=0, +2)
    assert rules.local_to_utc(DT(2026, 10, 25, 2, 30), tz) == first
    # the repeated hour stays in one period: no second digest
    assert rules.period_key("daily", first, tz, 0, 2) == D(2026, 10, 25)
    assert rules.period_key("daily", second, tz, 0, 2) == D(2026, 10, 25)
    assert rules.period_key("daily", DT(2026, 10, 24, 23, 59), tz, 0, 2) == D(2026, 10, 24)
    la = "America/Los_Angeles"  # 2026-11-01 02:00 PDT -> 01:00 PST
    assert rules.local_to_utc(DT(2026, 11, 1, 1, 30), la) == DT(2026, 11, 1, 8, 30)
    assert rules.local_to_utc(DT(2026, 11, 2, 1, 30), la) == DT(2026, 11, 2, 9, 30)
