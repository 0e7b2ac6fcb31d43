"""An article's date, from what crawlers send: `published_at` as written, or a date in the URL.

Roles are evaluated at the article's date (Qin Gang was China's foreign minister in March 2023,
not in 2024), so a date written for people ("March 17, 2023", "17 Mar 2023 10:15 GMT") counts as
much as ISO 8601 or RFC 2822; and an article whose crawler gave none is often dated by its URL
("/2023/03/17/china-xi-visit"). Numeric day-month orders (03/04/2023) are ambiguous: not read.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
# A label and a weekday before the date: "Updated: Friday, March 17, 2023".
_BEFORE = r"(?:(?:published|updated|last updated|posted|first published)(?: on)?\s*:?\s*)?(?:[a-z]+day,?\s+)?"
# A time after it, in any of the ways pages write one: "10:15", ", 10:15 a.m.", "at 10.15pm", "- 22:15:03 GMT".
_TIME = r"(?:\s*(?:,|at|-|–|\|)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[ap]\.?m\b\.?)?)?"
_ZONE = r"(?:\s*\(?(?P<zone>utc|gmt|z|[+-]\d{2}:?\d{2})\b\)?)?"
_WRITTEN = (
    re.compile(rf"{_BEFORE}{_MONTH}\s+{_DAY},?\s+{_YEAR}{_TIME}{_ZONE}", re.IGNORECASE),  # March 17, 2023
    re.compile(rf"{_BEFORE}{_DAY}\s+{_MONTH},?\s+{_YEAR}{_TIME}{_ZONE}", re.IGNORECASE),  # 17 March 2023
    re.compile(rf"{_BEFORE}{_YEAR}[/.](?P<month_number>\d{{1,2}})[/.]{_DAY}{_TIME}{_ZONE}", re.IGNORECASE),  # 2023/03/17
)
# Year, month and day as path segments or one dated segment: /2023/03/17/, /2023-03-17-slug, /20230317/
_URL_DATE = re.compile(
    r"/(?P<year>(?:19|20)\d{2})([/-])(?P<month>\d{1,2})\2(?P<day>\d{1,2})(?=[/\-_.?#]|$)"
    r"|/(?P<year8>(?:19|20)\d{2})(?P<month8>\d{2})(?P<day8>\d{2})(?=[/?#]|$)"
)


def parse_published(value: object) -> datetime | None:
    """A publication time as written: ISO 8601 (a date or a date-time), RFC 2822, or a written date
    ("March 17, 2023", "17 Mar 2023 10:15 GMT", "2023/03/17"), time and zone optional (UTC when no
    zone is given or the zone is named otherwise); None when it is none of these."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = _written(text)
            if parsed is None:
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def url_date(url: object) -> datetime | None:
    """The date a URL's path gives (midnight UTC), or None: "/2023/03/17/china-xi-visit" is March 17, 2023."""
    if not isinstance(url, str):
        return None
    path = re.split(r"[?#]", url.split("://", 1)[-1], maxsplit=1)[0].partition("/")[2]
    for match in _URL_DATE.finditer("/" + path):
        year, month, day = (
            match.group("year", "month", "day") if match.group("year") else match.group("year8", "month8", "day8")
        )
        found = _datetime(int(year), int(month), int(day))
        if found is not None and found <= datetime.now(timezone.utc):
            return found
    return None


def _written(text: str) -> datetime | None:
    for pattern in _WRITTEN:
        match = pattern.match(text)
        if match is None:
            continue
        fields = match.groupdict()
        month = int(fields["month_number"]) if fields.get("month_number") else _MONTHS[fields["month"][:3].lower()]
        hour = int(fields["hour"] or 0)
        ampm = (fields["ampm"] or "").lower()[:1]
        if ampm and not 1 <= hour <= 12:
            return None
        if ampm == "p" and hour != 12:
            hour += 12
        elif ampm == "a" and hour == 12:
            hour = 0
        return _datetime(
            int(fields["year"]), month, int(fields["day"]), hour, int(fields["minute"] or 0), int(fields["second"] or 0),
            _zone(fields["zone"]),
        )
    return None


def _zone(zone: str | None) -> timezone:
    if not zone or zone.lower() in ("utc", "gmt", "z"):
        return timezone.utc
    digits = zone[1:].replace(":", "")
    try:
        return timezone((-1 if zone[0] == "-" else 1) * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    except ValueError:  # beyond ±24 hours
        return timezone.utc


def _datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, zone: timezone = timezone.utc) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:  # day 31 of a 30-day month, hour 25, ...
        return None
