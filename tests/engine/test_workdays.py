"""Tests for app.engine.workdays (China working-day calendar for SLAs)."""
from __future__ import annotations

import time as _time
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from app.engine.workdays import DAY_KINDS, WorkCalendar, default_calendar
from tests.data import cn_official_2025_2026 as ref

SH = ZoneInfo("Asia/Shanghai")


def dt(y, mo, d, h=0, mi=0, s=0, tz=None):
    return datetime(y, mo, d, h, mi, s, tzinfo=tz)


def sh(y, mo, d, h=0, mi=0):
    """Expected (aware, Asia/Shanghai) datetime."""
    return datetime(y, mo, d, h, mi, tzinfo=SH)


@pytest.fixture
def cal():
    return WorkCalendar()


# --------------------------------------------------------------------------
# Official calendar table: every date of 2025 and 2026 vs the State Council notices
# --------------------------------------------------------------------------
class TestOfficialTable:
    def test_reference_data_is_self_consistent(self):
        for year in (2025, 2026):
            for d in ref.MAKEUP_WORKDAYS[year]:
                assert d.weekday() >= 5, f"make-up day {d} is not a weekend"
                assert d not in ref.holiday_dates(year)
        assert len(ref.holiday_dates(2025)) == 1 + 8 + 3 + 5 + 3 + 8  # 28 days off
        assert len(ref.holiday_dates(2026)) == 3 + 9 + 3 + 5 + 3 + 3 + 7  # 33 days off

    def test_chinese_calendar_agrees_with_official_notices(self):
        """Direct check of the library against the notices; lists every disagreement."""
        disagreements = [
            (d.isoformat(), "official", ref.expected_is_workday(d), "chinese_calendar", chinese_calendar.is_workday(d))
            for year in (2025, 2026) for d in ref.all_dates(year)
            if chinese_calendar.is_workday(d) != ref.expected_is_workday(d)
        ]
        assert disagreements == []

    @pytest.mark.parametrize("year", [2025, 2026])
    def test_every_date_is_working_day(self, cal, year):
        wrong = [d for d in ref.all_dates(year) if cal.is_working_day(d) != ref.expected_is_workday(d)]
        assert wrong == []
        assert len(ref.all_dates(year)) == 365

    @pytest.mark.parametrize("year", [2025, 2026])
    def test_every_date_day_kind(self, cal, year):
        holidays, makeups = ref.holiday_dates(year), set(ref.MAKEUP_WORKDAYS[year])
        for d in ref.all_dates(year):
            if d in holidays:
                expected = "holiday"
            elif d in makeups:
                expected = "makeup_workday"
            else:
                expected = "weekend" if d.weekday() >= 5 else "workday"
            assert cal.day_kind(d) == expected, d

    @pytest.mark.parametrize("year", [2025, 2026])
    def test_working_day_totals(self, cal, year):
        # Hand count: 261 Mon-Fri days in each year, minus official holidays that fall
        # on weekdays (2025: 1+6+1+3+1+6 = 18; 2026: 2+6+1+3+1+1+5 = 19), plus make-up days.
        assert sum(cal.is_working_day(d) for d in ref.all_dates(year)) == 248


class TestDayClassification:
    def test_year_is_known(self, cal):
        assert cal.year_is_known(2025) and cal.year_is_known(2026)
        assert not cal.year_is_known(2040)
        assert not cal.year_is_known(2003)

    def test_unknown_year_falls_back_to_monday_friday(self, cal):
        # 2040-01-01 is a Sunday; nothing is known about 2040 holidays.
        assert not cal.is_working_day(date(2040, 1, 1))
        assert cal.is_working_day(date(2040, 1, 2))
        assert cal.day_kind(date(2040, 1, 1)) == "weekend"
        assert cal.day_kind(date(2040, 1, 2)) == "workday"
        assert cal.holiday_name(date(2040, 1, 2)) is None
        assert sum(cal.is_working_day(date(2040, 1, 1) + timedelta(days=i)) for i in range(14)) == 10

    def test_holiday_names(self, cal):
        assert cal.holiday_name(date(2026, 2, 17)) == "Spring Festival"
        assert cal.holiday_name(date(2026, 2, 14)) == "Spring Festival"  # make-up day carries its holiday
        assert cal.holiday_name(date(2025, 10, 1)) == "National Day"
        assert cal.holiday_name(date(2026, 9, 25)) == "Mid-autumn Festival"
        assert cal.holiday_name(date(2026, 3, 10)) is None
        assert cal.holiday_name(date(2026, 3, 7)) is None  # plain weekend

    def test_day_kind_values(self, cal):
        assert cal.day_kind(date(2026, 2, 14)) == "makeup_workday"
        assert cal.day_kind(date(2026, 2, 15)) == "holiday"  # Sunday inside the Spring Festival span
        assert cal.day_kind(date(2026, 2, 16)) == "holiday"
        assert cal.day_kind(date(2026, 3, 7)) == "weekend"
        assert cal.day_kind(date(2026, 3, 9)) == "workday"

    def test_override_kinds_win(self):
        cal = WorkCalendar({date(2026, 3, 9): "holiday", date(2026, 3, 7): "workday",
                            date(2026, 3, 10): "closure", date(2026, 2, 16): "workday",
                            date(2026, 2, 14): "closure"})
        assert [cal.day_kind(d) for d in (date(2026, 3, 9), date(2026, 3, 7), date(2026, 3, 10))] == [
            "override_holiday", "override_workday", "closure"]
        assert not cal.is_working_day(date(2026, 3, 9))
        assert cal.is_working_day(date(2026, 3, 7))
        assert not cal.is_working_day(date(2026, 3, 10))
        assert cal.is_working_day(date(2026, 2, 16))  # official holiday overridden
        assert not cal.is_working_day(date(2026, 2, 14))  # official make-up day overridden
        assert set(cal.overrides) == {date(2026, 3, 9), date(2026, 3, 7), date(2026, 3, 10),
                                      date(2026, 2, 16), date(2026, 2, 14)}
        assert all(cal.day_kind(d) in DAY_KINDS for d in ref.all_dates(2026))

    def test_invalid_override_and_hours_rejected(self):
        with pytest.raises(ValueError, match="vacation"):
            WorkCalendar({date(2026, 3, 9): "vacation"})
        with pytest.raises(ValueError):
            WorkCalendar(day_start=time(18), day_end=time(9))

    def test_is_working_day_is_cached(self, monkeypatch):
        calls = []
        real = chinese_calendar.is_workday
        monkeypatch.setattr(chinese_calendar, "is_workday", lambda d: calls.append(d) or real(d))
        cal = WorkCalendar()
        cal.year_is_known(2026)
        calls.clear()
        for _ in range(5):
            assert cal.is_working_day(date(2026, 2, 14))
        assert calls == [date(2026, 2, 14)]

    def test_next_and_previous_working_day(self, cal):
        assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)
        assert cal.next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
        assert cal.previous_working_day(date(2026, 2, 24)) == date(2026, 2, 14)
        assert cal.previous_working_day(date(2026, 1, 5)) == date(2026, 1, 4)
        assert cal.previous_working_day(date(2026, 1, 4)) == date(2025, 12, 31)
        assert cal.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)

    def test_default_calendar(self):
        assert default_calendar() is default_calendar()
        assert not default_calendar().overrides


# --------------------------------------------------------------------------
# add_working_days
# --------------------------------------------------------------------------
class TestAddWorkingDays:
    @pytest.mark.parametrize("start", [
        dt(2026, 3, 6, 10), dt(2026, 3, 6, 20), dt(2026, 3, 6, 0), dt(2026, 3, 6, 17, 59),
        dt(2026, 3, 7, 11), dt(2026, 3, 8, 23, 59),
    ])
    def test_friday_or_weekend_plus_one_is_monday_close(self, cal, start):
        assert cal.add_working_days(start, 1) == sh(2026, 3, 9, 18)

    @pytest.mark.parametrize("start,n,expected", [
        # 2026 Spring Festival: Sat 02-14 make-up, 02-15..02-23 off, Sat 02-28 make-up
        (dt(2026, 2, 13, 10), 1, sh(2026, 2, 14, 18)),
        (dt(2026, 2, 13, 10), 2, sh(2026, 2, 24, 18)),
        (dt(2026, 2, 13, 10), 6, sh(2026, 2, 28, 18)),
        (dt(2026, 2, 13, 10), 7, sh(2026, 3, 2, 18)),
        (dt(2026, 2, 14, 19), 1, sh(2026, 2, 24, 18)),
        (dt(2026, 2, 18, 10), 1, sh(2026, 2, 24, 18)),  # start on a holiday
        (dt(2026, 2, 27, 10), 1, sh(2026, 2, 28, 18)),  # month end onto make-up Saturday
        (dt(2026, 2, 28, 10), 1, sh(2026, 3, 2, 18)),
        # 2025 Spring Festival: Sun 01-26 make-up, 01-28..02-04 off, Sat 02-08 make-up
        (dt(2025, 1, 24, 10), 1, sh(2025, 1, 26, 18)),
        (dt(2025, 1, 26, 10), 1, sh(2025, 1, 27, 18)),
        (dt(2025, 1, 27, 10), 1, sh(2025, 2, 5, 18)),
        (dt(2025, 1, 31, 10), 1, sh(2025, 2, 5, 18)),  # month end inside the holiday
        (dt(2025, 2, 7, 10), 1, sh(2025, 2, 8, 18)),
        # 2025 National Day + Mid-Autumn: Sun 09-28 make-up, 10-01..10-08 off, Sat 10-11 make-up
        (dt(2025, 9, 26, 10), 1, sh(2025, 9, 28, 18)),
        (dt(2025, 9, 30, 20), 1, sh(2025, 10, 9, 18)),
        (dt(2025, 9, 30, 10), 3, sh(2025, 10, 11, 18)),
        (dt(2025, 9, 30, 10), 4, sh(2025, 10, 13, 18)),
        # 2026 Mid-Autumn 09-25..27 and National Day 10-01..07, make-ups Sun 09-20, Sat 10-10
        (dt(2026, 9, 18, 10), 1, sh(2026, 9, 20, 18)),
        (dt(2026, 9, 24, 10), 1, sh(2026, 9, 28, 18)),
        (dt(2026, 9, 30, 10), 1, sh(2026, 10, 8, 18)),
        (dt(2026, 9, 30, 10), 3, sh(2026, 10, 10, 18)),
        (dt(2026, 9, 30, 10), 4, sh(2026, 10, 12, 18)),
        # Year end: 2026-01-01..03 off, Sun 2026-01-04 make-up
        (dt(2025, 12, 31, 10), 1, sh(2026, 1, 4, 18)),
        (dt(2025, 12, 31, 10), 2, sh(2026, 1, 5, 18)),
        (dt(2025, 12, 30, 23, 59), 1, sh(2025, 12, 31, 18)),
        # Before opening on a working day: still counts from the next day
        (dt(2026, 3, 9, 7), 1, sh(2026, 3, 10, 18)),
        # Month end, ordinary
        (dt(2026, 3, 31, 10), 2, sh(2026, 4, 2, 18)),
        (dt(2026, 3, 31, 10), 3, sh(2026, 4, 3, 18)),
        (dt(2026, 3, 31, 10), 4, sh(2026, 4, 7, 18)),  # Qingming 04-04..06
        (dt(2026, 3, 6, 10), 7, sh(2026, 3, 17, 18)),
    ])
    def test_table(self, cal, start, n, expected):
        result = cal.add_working_days(start, n)
        assert result == expected
        assert result.tzinfo == SH

    @pytest.mark.parametrize("start,expected", [
        (dt(2026, 3, 9, 10), sh(2026, 3, 9, 18)),
        (dt(2026, 3, 9, 7), sh(2026, 3, 9, 18)),       # before opening
        (dt(2026, 3, 9, 17, 59), sh(2026, 3, 9, 18)),
        (dt(2026, 3, 9, 18), sh(2026, 3, 10, 18)),     # at close: next working day
        (dt(2026, 3, 9, 22), sh(2026, 3, 10, 18)),
        (dt(2026, 3, 7, 10), sh(2026, 3, 9, 18)),      # Saturday
        (dt(2026, 2, 14, 10), sh(2026, 2, 14, 18)),    # make-up Saturday
        (dt(2026, 2, 16, 10), sh(2026, 2, 24, 18)),    # holiday
        (dt(2025, 12, 31, 18, 30), sh(2026, 1, 4, 18)),
    ])
    def test_zero_days(self, cal, start, expected):
        assert cal.add_working_days(start, 0) == expected

    def test_overrides_change_result(self):
        fri = dt(2026, 3, 6, 10)
        assert WorkCalendar({date(2026, 3, 9): "holiday"}).add_working_days(fri, 1) == sh(2026, 3, 10, 18)
        assert WorkCalendar({date(2026, 3, 9): "closure"}).add_working_days(fri, 1) == sh(2026, 3, 10, 18)
        assert WorkCalendar({date(2026, 3, 7): "workday"}).add_working_days(fri, 1) == sh(2026, 3, 7, 18)
        assert WorkCalendar({date(2026, 2, 16): "workday"}).add_working_days(dt(2026, 2, 13, 10), 2) == sh(2026, 2, 16, 18)
        assert WorkCalendar({date(2026, 2, 14): "closure"}).add_working_days(dt(2026, 2, 13, 10), 1) == sh(2026, 2, 24, 18)
        assert WorkCalendar({date(2026, 3, 9): "closure"}).add_working_days(dt(2026, 3, 9, 10), 0) == sh(2026, 3, 10, 18)

    def test_unknown_year_uses_monday_to_friday(self, cal):
        assert not cal.year_is_known(2040)
        assert cal.add_working_days(dt(2040, 1, 6, 10), 1) == sh(2040, 1, 9, 18)  # Fri -> Mon
        assert cal.add_working_days(dt(2040, 1, 2, 10), 5) == sh(2040, 1, 9, 18)

    def test_crossing_into_unknown_year(self, cal):
        # 2027 is not published in chinese_calendar 1.11.0 -> Mon-Fri fallback (01-01 is a Friday).
        assert not cal.year_is_known(2027)
        assert cal.add_working_days(dt(2026, 12, 31, 10), 1) == sh(2027, 1, 1, 18)
        held = WorkCalendar({date(2027, 1, 1): "holiday"})
        assert held.add_working_days(dt(2026, 12, 31, 10), 1) == sh(2027, 1, 4, 18)

    def test_naive_and_aware_inputs(self, cal):
        naive = cal.add_working_days(dt(2026, 3, 6, 10), 1)
        aware = cal.add_working_days(dt(2026, 3, 6, 10, tz=SH), 1)
        assert naive == aware == sh(2026, 3, 9, 18)
        assert naive.tzinfo == SH and aware.tzinfo == SH

    def test_utc_input_is_converted(self, cal):
        # Thu 17:00 UTC == Fri 01:00 Shanghai: the calendar day is Friday.
        assert cal.add_working_days(dt(2026, 3, 5, 17, tz=timezone.utc), 1) == sh(2026, 3, 9, 18)
        # Mon 09:30 UTC == 17:30 Shanghai (before close), 10:30 UTC == 18:30 (after close)
        assert cal.add_working_days(dt(2026, 3, 9, 9, 30, tz=timezone.utc), 0) == sh(2026, 3, 9, 18)
        assert cal.add_working_days(dt(2026, 3, 9, 10, 30, tz=timezone.utc), 0) == sh(2026, 3, 10, 18)
        result = cal.add_working_days(dt(2026, 3, 5, 17, tz=timezone.utc), 1)
        assert result.utcoffset() == timedelta(hours=8)

    def test_negative_rejected(self, cal):
        with pytest.raises(ValueError):
            cal.add_working_days(dt(2026, 3, 6, 10), -1)


# --------------------------------------------------------------------------
# add_working_minutes / hours
# --------------------------------------------------------------------------
class TestAddWorkingMinutes:
    @pytest.mark.parametrize("start,minutes,expected", [
        (dt(2026, 3, 6, 17, 50), 30, sh(2026, 3, 9, 9, 20)),    # acceptance SLA, Friday late
        (dt(2026, 3, 6, 18), 30, sh(2026, 3, 9, 9, 30)),        # at close
        (dt(2026, 3, 7, 12), 30, sh(2026, 3, 9, 9, 30)),        # Saturday
        (dt(2026, 3, 9, 7), 30, sh(2026, 3, 9, 9, 30)),         # before opening
        (dt(2026, 3, 9, 10), 30, sh(2026, 3, 9, 10, 30)),
        (dt(2026, 3, 9, 17), 60, sh(2026, 3, 9, 18)),           # ends exactly at close: stays
        (dt(2026, 3, 9, 17), 61, sh(2026, 3, 10, 9, 1)),
        (dt(2026, 3, 9, 17, 50), 0, sh(2026, 3, 9, 17, 50)),
        (dt(2026, 3, 9, 18), 0, sh(2026, 3, 10, 9)),            # zero from outside hours -> opening
        (dt(2026, 3, 9, 12), 540, sh(2026, 3, 10, 12)),
        (dt(2026, 2, 13, 17, 50), 30, sh(2026, 2, 14, 9, 20)),  # onto make-up Saturday
        (dt(2026, 2, 14, 17, 30), 60, sh(2026, 2, 24, 9, 30)),  # across Spring Festival 2026
        (dt(2026, 2, 14, 8), 540 + 30, sh(2026, 2, 24, 9, 30)),
        (dt(2025, 1, 27, 17), 120, sh(2025, 2, 5, 10)),         # across Spring Festival 2025
        (dt(2025, 9, 30, 17, 45), 30, sh(2025, 10, 9, 9, 15)),  # across National Day 2025
        (dt(2026, 3, 9, 9), 10_000, sh(2026, 4, 2, 13, 40)),    # 18 full days + 280 min
    ])
    def test_table(self, cal, start, minutes, expected):
        result = cal.add_working_minutes(start, minutes)
        assert result == expected
        assert result.tzinfo == SH

    def test_seconds_are_preserved(self, cal):
        assert cal.add_working_minutes(dt(2026, 3, 6, 17, 50, 30), 30) == sh(2026, 3, 9, 9, 20) + timedelta(seconds=30)

    def test_large_value_is_fast_and_consistent(self, cal):
        start = dt(2025, 1, 2, 9)
        t0 = _time.perf_counter()
        end = cal.add_working_minutes(start, 1_000_000)  # ~1852 working days, per-day iteration
        assert _time.perf_counter() - t0 < 2
        assert cal.working_minutes_between(start, end) == 1_000_000
        assert not cal.year_is_known(end.year)  # runs into the Mon-Fri fallback without trouble

    def test_hours(self, cal):
        assert cal.add_working_hours(dt(2026, 3, 6, 17), 2) == sh(2026, 3, 9, 10)
        assert cal.add_working_hours(dt(2026, 3, 6, 17), 1.5) == sh(2026, 3, 9, 9, 30)
        assert cal.add_working_hours(dt(2026, 3, 6, 17), 9) == cal.add_working_minutes(dt(2026, 3, 6, 17), 540)

    def test_custom_hours_and_utc(self):
        cal = WorkCalendar(day_start=time(8, 30), day_end=time(17, 30))
        assert cal.add_working_minutes(dt(2026, 3, 6, 17, 20), 30) == sh(2026, 3, 9, 8, 50)
        # 09:00 UTC Friday == 17:00 Shanghai
        assert cal.add_working_minutes(dt(2026, 3, 6, 9, tz=timezone.utc), 60) == sh(2026, 3, 9, 9)

    def test_negative_rejected(self, cal):
        with pytest.raises(ValueError):
            cal.add_working_minutes(dt(2026, 3, 6, 10), -5)


# --------------------------------------------------------------------------
# add_working (ISO 8601)
# --------------------------------------------------------------------------
class TestAddWorkingIso:
    STARTS = [dt(2026, 3, 6, 10), dt(2026, 3, 6, 20), dt(2026, 2, 13, 17, 50), dt(2025, 9, 30, 8),
              dt(2025, 12, 31, 12), dt(2026, 2, 18, 11)]

    @pytest.mark.parametrize("start", STARTS)
    def test_equivalences(self, cal, start):
        assert cal.add_working(start, "P1D") == cal.add_working_days(start, 1)
        assert cal.add_working(start, "P0D") == cal.add_working_days(start, 0)
        assert cal.add_working(start, "P3D") == cal.add_working_days(start, 3)
        assert cal.add_working(start, "P1W") == cal.add_working_days(start, 5)
        assert cal.add_working(start, "P2W3D") == cal.add_working_days(start, 13)
        assert cal.add_working(start, "PT30M") == cal.add_working_minutes(start, 30)
        assert cal.add_working(start, "PT2H") == cal.add_working_minutes(start, 120)
        assert cal.add_working(start, "PT1H30M") == cal.add_working_minutes(start, 90)
        assert cal.add_working(start, "P1DT2H") == cal.add_working_minutes(cal.add_working_days(start, 1), 120)

    def test_concrete_values(self, cal):
        fri = dt(2026, 3, 6, 10)
        assert cal.add_working(fri, "P1D") == sh(2026, 3, 9, 18)
        assert cal.add_working(fri, "P1DT2H") == sh(2026, 3, 10, 11)
        assert cal.add_working(fri, "P1DT4H") == sh(2026, 3, 10, 13)
        assert cal.add_working(dt(2026, 3, 6, 17, 50), "PT30M") == sh(2026, 3, 9, 9, 20)

    def test_one_day_is_not_24_working_hours(self, cal):
        fri = dt(2026, 3, 6, 10)
        assert cal.add_working(fri, "PT24H") == sh(2026, 3, 10, 16)
        assert cal.add_working(fri, "P1D") != cal.add_working(fri, "PT24H")

    @pytest.mark.parametrize("bad", [
        "P1M", "P1Y", "P1Y2M", "P1M2D", "PT30S", "1D", "P", "PT", "P1DT", "P1.5D", "PT0.5H", "-P1D",
        "", "P1H", "p", "P1D ", "R3/P1D",
    ])
    def test_invalid(self, cal, bad):
        with pytest.raises(ValueError) as excinfo:
            cal.add_working(dt(2026, 3, 6, 10), bad)
        assert repr(bad) in str(excinfo.value)

    def test_years_months_message(self, cal):
        with pytest.raises(ValueError, match="years/months/seconds"):
            cal.add_working(dt(2026, 3, 6, 10), "P1M")


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------
class TestBetween:
    def test_minutes_examples(self, cal):
        assert cal.working_minutes_between(dt(2026, 3, 6, 17, 50), dt(2026, 3, 9, 9, 20)) == 30
        assert cal.working_minutes_between(dt(2026, 3, 9, 9, 20), dt(2026, 3, 6, 17, 50)) == -30
        assert cal.working_minutes_between(dt(2026, 3, 9, 10), dt(2026, 3, 9, 10)) == 0
        assert cal.working_minutes_between(dt(2026, 3, 9, 10), dt(2026, 3, 9, 12)) == 120
        assert cal.working_minutes_between(dt(2026, 3, 7, 10), dt(2026, 3, 8, 10)) == 0
        assert cal.working_minutes_between(dt(2026, 2, 13, 9), dt(2026, 2, 24, 9)) == 2 * 540
        assert cal.working_minutes_between(dt(2026, 3, 9, 10), dt(2026, 3, 9, 10, 0, 59)) == 0  # truncated
        # mixed naive / UTC: 02:00 UTC == 10:00 Shanghai
        assert cal.working_minutes_between(dt(2026, 3, 9, 9), dt(2026, 3, 9, 2, tz=timezone.utc)) == 60

    @pytest.mark.parametrize("minutes", [0, 1, 29, 30, 59, 539, 540, 541, 1000, 1080, 4321, 10_000])
    def test_inverse_of_add_working_minutes(self, cal, minutes):
        # Starts every 47 minutes across working hours (and some outside) around holidays.
        base_days = [date(2026, 2, 12), date(2026, 2, 13), date(2026, 2, 14), date(2025, 9, 30),
                     date(2025, 12, 31), date(2026, 3, 6)]
        for d in base_days:
            for k in range(0, 24 * 60, 47):
                s = datetime.combine(d, time()) + timedelta(minutes=k)
                e = cal.add_working_minutes(s, minutes)
                assert cal.working_minutes_between(s, e) == minutes, (s, minutes)
                assert cal.working_minutes_between(e, s) == -minutes, (s, minutes)

    def test_working_days_between(self, cal):
        assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
        assert cal.working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
        assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
        assert cal.working_days_between(date(2025, 1, 1), date(2025, 12, 31)) == sum(
            ref.expected_is_workday(d) for d in ref.all_dates(2025)[1:])

    @pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 10, 22])
    def test_working_days_between_inverse(self, cal, n):
        for i in range(0, 365, 3):
            s = date(2025, 9, 1) + timedelta(days=i)
            due = cal.add_working_days(datetime.combine(s, time(11)), n)
            assert cal.working_days_between(s, due.date()) == n, (s, n)
