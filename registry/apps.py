from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("学籍与档案")

    def ready(self) -> None:
        from registry import signin  # noqa: F401  (connects the sign-in receivers)
