"""Time, in one place: the window an as-of date gives a persona, the calendar months every
random stream is anchored on, the times of day and days of the month schedules keep, business
days (weekends and the Federal Reserve's holidays aside), and the dates of schedules that recur
on the calendar (a day of the month, a weekday every one or two weeks).

A stream anchored on a calendar month draws the same rows whatever the window, so moving the
as-of date by a day changes only what is shown: rows of the new day appear, rows older than
the window drop off, pending rows post. Nothing here depends on the wall clock except
``today``, the default as-of date.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from pandas.tseries.holiday import (
    AbstractHolidayCalendar,
    Holiday,
    USFederalHolidayCalendar,
    sunday_to_monday,
)

DAY = np.timedelta64(1, "D")
DAYS_PER_YEAR = 365.25
SECOND = np.timedelta64(1, "s")
# Every user signed up in this fixed span of calendar time (so no as-of date changes who they
# are or when they joined); an as-of date before a user's signup leaves that user out.
SIGNUPS = (dt.date(2021, 1, 1), dt.date(2025, 12, 31))
EARLIEST_AS_OF = dt.date(2021, 2, 1)
LATEST_AS_OF = dt.date(2099, 12, 31)
POSTING_DAYS = 5  # the most business days a card transaction stays pending
# ... which is at most this many calendar days (made on Friday 23 December 2022: Christmas kept
# on Monday 26th, New Year's Day on Monday 2 January: it posts on Tuesday 3 January)
PENDING_REACH_DAYS = 11

MORNING = np.timedelta64(9 * 3600, "s")  # when scheduled payments post
EVENING = np.timedelta64(22 * 3600, "s")  # when month-end interest posts
HOLIDAY_REACH_DAYS = 3  # a payday moved back for a holiday and a weekend lands this far before
SAVINGS_DAY = 3  # the day of the month the standing transfer to savings is set for
CARD_PAYMENT_DAY = 21  # statements close at month end; autopay pays them on the 21st


def last_whole_day(now: dt.datetime | None = None) -> dt.date:
    """The default as-of day: the last day (UTC) that had ended at ``now`` (default: now), so
    that nothing is stamped after the moment the data is made."""
    now = dt.datetime.now(dt.UTC) if now is None else now.astimezone(dt.UTC)
    return now.date() - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier when negative), clipped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first = dt.date(year, month + 1, 1)
    last = (np.datetime64(first, "M") + 1).astype("datetime64[D]").item() - dt.timedelta(days=1)
    return first.replace(day=min(day.day, last.day))


@dataclass(frozen=True)
class Window:
    """The days a persona's tables show at one as-of date: ``start`` to ``end`` inclusive.

    ``end`` is the as-of date (or a fixed range's end, when that comes first); rows are
    shown posted if they posted by ``end``, pending if they happened by then and post later.
    """

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def first_second(self) -> np.datetime64:
        return np.datetime64(self.start, "s")

    @property
    def last_second(self) -> np.datetime64:
        return np.datetime64(self.end + dt.timedelta(days=1), "s") - 1

    def months(self) -> np.ndarray:
        """The calendar months whose streams this window needs, in order. The first only
        gives its card statements, paid in the second (the month before the window's, whose
        rows the day before may show); then the window's months, and the next one when rows
        of it can be pending at ``end`` (they post in it)."""
        first = np.datetime64(self.start, "M") - 2
        last = np.datetime64(self.end + dt.timedelta(days=PENDING_REACH_DAYS), "M")
        return np.arange(first, last + 1)


def months_of(windows: list[Window]) -> np.ndarray:
    """The calendar months that every one of ``windows`` needs, in order, without a gap:
    a month's streams depend on the months before it (card statements, balances)."""
    needed = [w.months() for w in windows]
    return np.arange(min(m[0] for m in needed), max(m[-1] for m in needed) + 1)


def month_days(month: np.datetime64 | np.ndarray) -> tuple:
    """First and last day of a calendar month (or of each of an array of months)."""
    month = np.asarray(month, dtype="datetime64[M]")
    first, last = month.astype("datetime64[D]"), (month + 1).astype("datetime64[D]") - 1
    return (first[()], last[()]) if month.ndim == 0 else (first, last)


def month_of_year(when: np.datetime64 | np.ndarray) -> int | np.ndarray:
    """The calendar month (1-12) of a month, a day or a moment (or of each of an array)."""
    month = np.asarray(when).astype("datetime64[M]").astype(np.int64) % 12 + 1
    return int(month) if month.ndim == 0 else month


def at(days: np.ndarray, time: np.timedelta64 = MORNING) -> np.ndarray:
    """The moment ``time`` into each day."""
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[s]") + time


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday 0 ... Sunday 6 (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype="datetime64[D]").view("int64") + 3) % 7


class _FederalReserveHolidays(AbstractHolidayCalendar):
    """The federal holidays as the Federal Reserve Banks keep them: one on a Sunday is kept
    the Monday after, one on a Saturday is not kept at all (the banks open the Friday before:
    federalreserve.gov/aboutthefed/k8.htm). Pandas' federal calendar moves Saturdays to the
    Friday; its rules are taken with that observance changed."""

    rules: ClassVar[list[Holiday]] = [
        Holiday(r.name, month=r.month, day=r.day, start_date=r.start_date, observance=sunday_to_monday)
        if r.observance is not None
        else r
        for r in USFederalHolidayCalendar.rules
    ]  # fmt: skip


@functools.cache
def bank_holidays() -> np.ndarray:
    """Every day the Federal Reserve is closed for a holiday, from the earliest signup to the
    latest as-of date and the pending days beyond it."""
    last = LATEST_AS_OF + dt.timedelta(days=62)
    days = _FederalReserveHolidays().holidays(SIGNUPS[0] - dt.timedelta(days=92), last)
    return days.to_numpy().astype("datetime64[D]")


@functools.cache
def _bank_days() -> np.busdaycalendar:
    return np.busdaycalendar(holidays=bank_holidays())


def is_business_day(days: np.ndarray) -> np.ndarray:
    """Whether banks settle on each day: a weekday that is not a Federal Reserve holiday."""
    return np.is_busday(np.asarray(days, dtype="datetime64[D]"), busdaycal=_bank_days())


def add_business_days(days: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``count`` business days after each day (0: the day itself if it is one, else the next
    business day)."""
    days = np.asarray(days, dtype="datetime64[D]")
    return np.busday_offset(days, np.asarray(count), roll="forward", busdaycal=_bank_days())


def business_day_in_month(days: np.ndarray, before: bool = False) -> np.ndarray:
    """The business day on or after each day (``before``: on or before), without leaving
    its month (then the other way)."""
    roll = "modifiedpreceding" if before else "modifiedfollowing"
    days = np.asarray(days, dtype="datetime64[D]")
    return np.busday_offset(days, 0, roll=roll, busdaycal=_bank_days())


def day_of_month(month: np.datetime64 | np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day ``day`` (1-based, clipped to the month's length) of ``month`` (or of each row's
    month), per row."""
    first, last = month_days(month)
    length = (last - first).astype(int) + 1
    return first + (np.minimum(np.asarray(day), length) - 1).astype("timedelta64[D]")


def standing_day(month: np.datetime64 | np.ndarray, day: np.ndarray) -> np.ndarray:
    """The day a standing order for day ``day`` of ``month`` settles: that day, or the next
    business day, without leaving the month (then the business day before)."""
    return business_day_in_month(day_of_month(month, day))


def autopay_day(month: np.datetime64 | np.ndarray, day: np.ndarray) -> np.ndarray:
    """The day an autopay due on day ``day`` of ``month`` settles: the next business day
    when the due day is not one (a payment due on a weekend is on time on the Monday)."""
    return add_business_days(day_of_month(month, day), 0)


def fixed_fridays(month: np.datetime64, phase: np.ndarray, step_days: int) -> tuple:
    """(row, day) of the weekly or biweekly paydays that settle in ``month``: the Fridays
    ``phase`` (mod ``step_days``) days after the calendar's epoch Friday 1970-01-02, each on
    the business day before when it is a holiday, even across the month's start (a Friday
    1 January pays on 31 December)."""
    first, last = month_days(month)
    days = np.arange(first, last + 1 + HOLIDAY_REACH_DAYS)
    since = (days - np.datetime64("1970-01-02")).astype(int)
    hit = (since[None, :] - np.asarray(phase)[:, None]) % step_days == 0
    rows, cols = np.nonzero(hit)
    paid = np.busday_offset(days[cols], 0, roll="preceding", busdaycal=_bank_days())
    inside = (paid >= first) & (paid <= last)
    return rows[inside], paid[inside]
