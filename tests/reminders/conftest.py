import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from reminders.models import Channels, ReminderSettings
from visits import services as visits_services


class Receiver:
    """A group robot on 127.0.0.1: answers each POST with the next status given (the last one
    repeats) and keeps the JSON bodies it received."""

    def __init__(self, statuses: list[int]):
        self.statuses = list(statuses)
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                answer = b'{"errcode":0,"errmsg":"ok"}' if status == 200 else b"oops"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=k"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def texts(self) -> list[str]:
        return [body["text"]["content"] for body in self.bodies]


@pytest.fixture
def receiver_answering():
    """receiver_answering(500, 200): a robot that fails once, then takes messages."""
    started = []

    def start(*statuses: int) -> Receiver:
        started.append(Receiver(list(statuses)))
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


def use_robot(school, url: str, **values) -> ReminderSettings:
    return ReminderSettings.objects.update_or_create(
        school=school, defaults={"webhook_url": url, **values}
    )[0]


def choose(user, *, email: str = "", by_email: bool = False, by_robot: bool = False) -> None:
    user.email = email
    user.save(update_fields=["email"])
    Channels.objects.update_or_create(
        user=user, defaults={"by_email": by_email, "by_robot": by_robot}
    )


@pytest.fixture
def overdue_visit(class_teacher, pupil, term):
    """An overdue 五必访 of the class teacher's left-behind pupil (noticed ten days ago)."""
    return visits_services.watch_event_create(
        actor=class_teacher,
        pupil=pupil,
        kind="low_mood",
        noticed_on=timezone.localdate() - datetime.timedelta(days=10),
        note="父母离婚后情绪低落",
    )
