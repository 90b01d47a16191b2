"""Daily (cron): each teacher's reminder of what is overdue and due soon, the principal's
weekly digest on the school's day, then every delivery not yet sent (retries included)."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from registry.models import Role, School, User
from reminders import messages, services
from reminders.models import ReminderSettings
from visits.due import answering_teachers


class Command(BaseCommand):
    help = "Send the reminders that are due (once each) and retry failed deliveries."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what would be sent")
        parser.add_argument("--school", type=int, help="only this school (its id)")
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, help="act as on this day (YYYY-MM-DD)"
        )

    def handle(self, *args, dry_run: bool, school: int | None, today, **options):
        today = today or timezone.localdate()
        schools = School.objects.order_by("pk")
        if school is not None:
            schools = schools.filter(pk=school)
        made = 0
        for each in schools:
            for recipient, message in self._messages(each, today):
                chosen = services.channels_for(recipient, ReminderSettings.for_school(each))
                if dry_run:
                    self._print(recipient, message, chosen)
                    continue
                notification = services.notification_create(
                    recipient=recipient,
                    message=message,
                    school_settings=ReminderSettings.for_school(each),
                )
                made += notification is not None
        if dry_run:
            waiting = services.deliveries_to_try().count()
            self.stdout.write(f"dry run: nothing written; {waiting} earlier deliveries to retry")
            return
        outcome = services.deliveries_send()
        self.stdout.write(
            f"notifications: {made}; sent: {outcome.sent}; failed, to retry: {outcome.failed}; "
            f"given up: {outcome.gave_up}"
        )
        if outcome.failed or outcome.gave_up:
            self.stderr.write("some deliveries failed: see the log lines above")

    def _messages(self, school: School, today: datetime.date):
        school_settings = ReminderSettings.for_school(school)
        # Counsellors have their follow-ups on 我的待办 too.
        counsellors = [
            user
            for user in User.objects.filter(school=school, is_active=True).order_by("pk")
            if user.has_role(Role.COUNSELLOR)
        ]
        teachers = answering_teachers(school.pk)
        for teacher in teachers + [user for user in counsellors if user not in teachers]:
            message = messages.work_due(
                user=teacher, today=today, within_days=school_settings.due_within_days
            )
            if message is not None:
                yield teacher, message
        principals = messages.principals(school)
        for principal in principals:
            alert = messages.high_risk(user=principal)
            if alert is not None:
                yield principal, alert
        if messages.digest_is_due(school_settings, today):
            if principals:
                digest = messages.digest(school=school, today=today)
                for principal in principals:
                    yield principal, digest

    def _print(self, recipient, message, chosen) -> None:
        ways = ", ".join(["app", *chosen])
        self.stdout.write(f"--- to {recipient.username} ({ways}) key={message.key}")
        self.stdout.write(message.title)
        self.stdout.write(message.body)
        self.stdout.write(services.site_url(message.link))
