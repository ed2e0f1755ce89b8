"""Sync-window schedules, checked as Argo CD checks them.

Argo CD validates ``syncWindows[].schedule`` with robfig/cron v3's
``cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)`` (the
``SyncWindow.Validate`` of ``pkg/apis/application/v1alpha1``): exactly five fields, no
descriptors (``@daily``), each field a comma list of ``*``/``?``, a number or name, or a range
``a-b``, optionally ``/step``. Bounds: minute 0-59, hour 0-23, day of month 1-31, month 1-12
(JAN-DEC), day of week 0-6 (SUN-SAT); names are case-insensitive. ``7`` for Sunday is refused
by that parser, so it is refused here too.
"""

from __future__ import annotations

from typing import NamedTuple


class _Bounds(NamedTuple):
    label: str
    low: int
    high: int
    names: dict[str, int]


_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
_FIELDS = (
    _Bounds("minute", 0, 59, {}),
    _Bounds("hour", 0, 23, {}),
    _Bounds("day of month", 1, 31, {}),
    _Bounds("month", 1, 12, _MONTHS),
    _Bounds("day of week", 0, 6, _DAYS),
)


class CronError(ValueError):
    """Why Argo CD would refuse the schedule."""


def check_schedule(spec: str) -> None:
    """Raise CronError unless Argo CD's parser accepts ``spec``."""
    if spec.startswith(("TZ=", "CRON_TZ=")):
        raise CronError("a time zone goes in the window's 'timezone' key, not in the schedule")
    if spec.startswith("@"):
        raise CronError("descriptors such as '@daily' are not accepted by Argo CD; write five fields")
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), found {len(fields)}"
        )
    for text, bounds in zip(fields, _FIELDS, strict=True):
        for part in text.split(","):
            _check_range(part, bounds)


def _check_range(expr: str, bounds: _Bounds) -> None:
    where = f"{bounds.label} {expr!r}"
    range_and_step = expr.split("/")
    if len(range_and_step) > 2:
        raise CronError(f"{where}: too many '/'")
    low_high = range_and_step[0].split("-")
    if low_high[0] in {"*", "?"}:
        if len(low_high) > 1:
            raise CronError(f"{where}: '*' cannot start a range")
        start, end = bounds.low, bounds.high
    else:
        if len(low_high) > 2:
            raise CronError(f"{where}: too many '-'")
        start = _number(low_high[0], bounds, where)
        end = _number(low_high[1], bounds, where) if len(low_high) == 2 else start
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], _Bounds(bounds.label, 0, 1 << 30, {}), where)
        if step == 0:
            raise CronError(f"{where}: the step must be a positive number")
        if len(low_high) == 1:
            end = bounds.high  # "N/step" means "N-max/step"
    if start < bounds.low or end > bounds.high:
        raise CronError(f"{where}: outside {bounds.low}-{bounds.high}")
    if start > end:
        raise CronError(f"{where}: the range starts after it ends")


def _number(text: str, bounds: _Bounds, where: str) -> int:
    if text.lower() in bounds.names:
        return bounds.names[text.lower()]
    if not text.isascii() or not text.isdigit():
        names = f" or a name such as {next(iter(bounds.names)).upper()}" if bounds.names else ""
        raise CronError(f"{where}: expected a number{names}")
    return int(text)
