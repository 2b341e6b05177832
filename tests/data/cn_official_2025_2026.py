"""Independent reference data: State Council holiday arrangements (放假安排).

Transcribed by hand from the official notices, NOT derived from chinese_calendar:
  2025: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, Nov 2024)
  2026: 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号, Nov 2025)

HOLIDAYS: inclusive date ranges of days off (weekend days inside a range are
part of the holiday).  MAKEUP_WORKDAYS: weekend days that are working days (调休上班).
Every other date is a working day iff it is Monday-Friday.
"""
from datetime import date, timedelta

HOLIDAYS: dict[int, list[tuple[str, date, date]]] = {
    2025: [
        ("元旦 New Year's Day", date(2025, 1, 1), date(2025, 1, 1)),
        ("春节 Spring Festival", date(2025, 1, 28), date(2025, 2, 4)),
        ("清明节 Qingming", date(2025, 4, 4), date(2025, 4, 6)),
        ("劳动节 Labour Day", date(2025, 5, 1), date(2025, 5, 5)),
        ("端午节 Dragon Boat", date(2025, 5, 31), date(2025, 6, 2)),
        ("国庆节、中秋节 National Day + Mid-Autumn", date(2025, 10, 1), date(2025, 10, 8)),
    ],
    2026: [
        ("元旦 New Year's Day", date(2026, 1, 1), date(2026, 1, 3)),
        ("春节 Spring Festival", date(2026, 2, 15), date(2026, 2, 23)),
        ("清明节 Qingming", date(2026, 4, 4), date(2026, 4, 6)),
        ("劳动节 Labour Day", date(2026, 5, 1), date(2026, 5, 5)),
        ("端午节 Dragon Boat", date(2026, 6, 19), date(2026, 6, 21)),
        ("中秋节 Mid-Autumn", date(2026, 9, 25), date(2026, 9, 27)),
        ("国庆节 National Day", date(2026, 10, 1), date(2026, 10, 7)),
    ],
}

MAKEUP_WORKDAYS: dict[int, list[date]] = {
    2025: [
        date(2025, 1, 26),   # Sun, Spring Festival
        date(2025, 2, 8),    # Sat, Spring Festival
        date(2025, 4, 27),   # Sun, Labour Day
        date(2025, 9, 28),   # Sun, National Day
        date(2025, 10, 11),  # Sat, National Day
    ],
    2026: [
        date(2026, 1, 4),    # Sun, New Year's Day
        date(2026, 2, 14),   # Sat, Spring Festival
        date(2026, 2, 28),   # Sat, Spring Festival
        date(2026, 5, 9),    # Sat, Labour Day
        date(2026, 9, 20),   # Sun, National Day
        date(2026, 10, 10),  # Sat, National Day
    ],
}


def holiday_dates(year: int) -> set[date]:
    out: set[date] = set()
    for _name, first, last in HOLIDAYS[year]:
        d = first
        while d <= last:
            out.add(d)
            d += timedelta(days=1)
    return out


def expected_is_workday(d: date) -> bool:
    if d in MAKEUP_WORKDAYS[d.year]:
        return True
    return d.weekday() < 5 and d not in holiday_dates(d.year)


def all_dates(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
