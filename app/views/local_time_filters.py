"""FAB list filters on time columns read what the user types as local wall-clock time (the list
shows local time, app.records.timefmt), not as UTC: "after 2026-12-06 09:00" means 09:00 Beijing."""
from __future__ import annotations

from datetime import datetime

from dateutil import parser
from flask_appbuilder.models.sqla.filters import (
    FilterEqual,
    FilterGreater,
    FilterNotEqual,
    FilterSmaller,
    SQLAFilterConverter,
)
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.engine import clock


def _local(value):
    """Typed text -> an aware instant in the operations zone (None: FAB ignores the filter)."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = parser.parse(str(value))
        except (ValueError, OverflowError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.zone())


def _local_filter(base):
    class LocalFilter(base):
        def apply(self, query, value):
            local = _local(value)
            return query if local is None else super().apply(query, local)

    LocalFilter.__name__ = f"Local{base.__name__}"
    return LocalFilter


LOCAL_TIME_FILTERS = [_local_filter(f) for f in (FilterEqual, FilterGreater, FilterSmaller, FilterNotEqual)]


class LocalTimeFilterConverter(SQLAFilterConverter):
    conversion_table = tuple(("is_datetime", LOCAL_TIME_FILTERS) if name == "is_datetime" else (name, filters)
                             for name, filters in SQLAFilterConverter.conversion_table)


class LocalTimeInterface(SQLAInterface):
    """SQLAInterface whose datetime filters take local time."""

    filter_converter_class = LocalTimeFilterConverter
