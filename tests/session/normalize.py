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

MESSAGE_ID = "<MESSAGE-ID>"
DATE = "<DATE>"


def normalize(text: str) -> str:
    text = _BANNER_DATE.sub(lambda m: m.group(1) + DATE, text)
    return _MESSAGE_ID.sub(MESSAGE_ID, text)
