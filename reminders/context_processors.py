"""The unread count beside 通知 in the menu: one indexed query per page, nothing worked out."""

from django.http import HttpRequest

from reminders.selectors import unread_count


def unread_notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a page that never renders the menu (a PDF, a download) costs no query.
    return {"unread_notifications": lambda: unread_count(user=user)}
