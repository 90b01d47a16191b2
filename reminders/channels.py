"""The ways a notification leaves the site: e-mail through Django's e-mail settings, and a
企业微信 or 钉钉 group robot by its webhook URL. Each raises DeliveryError when it did not
arrive."""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

ROBOT_TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    """The message did not arrive; the text says why, without the message itself."""


def send_email(*, address: str, subject: str, text: str) -> None:
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
    except (OSError, ValueError) as error:  # smtplib's errors are OSErrors
        raise DeliveryError(f"{type(error).__name__}: {error}") from error


def robot_payload(text: str) -> bytes:
    """企业微信 and 钉钉 group robots take the same text message."""
    return json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()


def send_to_robot(*, url: str, text: str) -> None:
    """POST the message; both robots answer 200 with errcode 0 when they took it."""
    request = urllib.request.Request(
        url,
        data=robot_payload(text),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=ROBOT_TIMEOUT_SECONDS) as response:
            answer = response.read(10_000)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:  # refused, timed out, no such host
        raise DeliveryError(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from error
    try:
        errcode = json.loads(answer).get("errcode", 0)
    except (ValueError, AttributeError):
        return  # a 200 that is not JSON: a relay or a test receiver; taken
    if errcode != 0:
        raise DeliveryError(f"errcode {errcode}: {json.loads(answer).get('errmsg', '')}"[:300])
