"""Django's Simplified Chinese formats, with the month not zero-padded where it stands with a
day (9月5日, as the schools write it; Django's own is 09月5日)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

MONTH_DAY_FORMAT = "n月j日"
