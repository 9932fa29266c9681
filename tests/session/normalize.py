"""The one normalisation applied to Exim's -bh output, by the recorder and by the
test alike: only what changes from run to run is replaced (the banner's date and
message ids), so everything else is compared byte for byte."""

from __future__ import annotations

import re

# 4.96 message ids: base-62 time, pid and fraction, e.g. 1xVxHZ-0000x8-1G
_MESSAGE_ID = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")
# the date Exim puts at the end of the 220 greeting (first line or continuation)
_BANNER_DATE = re.compile(
    r"^(220[ -].*?)[A-Z][a-z]{2}, [ 0-9]?\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [-+]\d{4}",
    re.MULTILINE)

# -bh's LOG: lines: +millisec leaves the milliseconds in front, +pid the
# process id; both vary, only their presence is compared
_LOG_STAMP = re.compile(r"^LOG: (\d{3} )?(\[\d+\] )?", re.MULTILINE)
# RT= and a fractional D= (+receive_time, +millisec): the shape is compared
_DURATION = re.compile(r"\b(RT=\d+(?:\.\d{3})?s|D=\d+\.\d{3}s)")

MESSAGE_ID = "<MESSAGE-ID>"
DATE = "<DATE>"


def _stamp(m: re.Match[str]) -> str:
    return "LOG: " + ("<MS> " if m.group(1) else "") + ("[<PID>] " if m.group(2) else "")


def normalize(text: str) -> str:
    text = _BANNER_DATE.sub(lambda m: m.group(1) + DATE, text)
    text = _LOG_STAMP.sub(_stamp, text)
    text = _DURATION.sub(lambda m: re.sub(r"\d", "N", m.group(1)), text)
    return _MESSAGE_ID.sub(MESSAGE_ID, text)
