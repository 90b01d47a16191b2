from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo school: data for every app, so it sits above them all."""

    name = "demo"
    verbose_name = _("演示学校")
