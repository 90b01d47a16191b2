"""Reads of notifications: each person reads only their own."""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from registry.models import User
from reminders.models import Notification


def notifications_of(*, user: User) -> QuerySet[Notification]:
    """The person's notifications, unread first, then the newest."""
    unread_first = Case(
        When(read_at=None, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return Notification.objects.filter(recipient=user).order_by(unread_first, "-created_at", "-pk")


def unread_count(*, user: User) -> int:
    """One query on the partial index notification_unread."""
    return Notification.objects.filter(recipient=user, read_at=None).count()


def get_notification_for_user(user: User, pk: int) -> Notification:
    """The person's own notification; anyone else's is 404 (its existence is not revealed)."""
    return get_object_or_404(Notification.objects.filter(recipient=user), pk=pk)
