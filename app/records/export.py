"""CSV (UTF-8 with BOM, so Excel opens Chinese text) and XLSX exports of a list."""
from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator, Sequence

from openpyxl import Workbook

BOM = "\ufeff"


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """Yield the CSV text piece by piece (streamed to the client)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    yield BOM + buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([_safe_cell(v) for v in row])
        yield buf.getvalue()


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[str]], title: str = "Export") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Export")
    ws.append(list(headers))
    for row in rows:
        ws.append([_safe_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas in user text (CSV/formula injection)."""
    if value and value[0] in "=+-@\t\r" and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        return False
