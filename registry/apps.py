from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("学籍与档案")

    def ready(self) -> None:
        # Connect the sign-in receivers (the idle clock's is in caresys/lib, not an app).
        from caresys.lib import sessions  # noqa: F401
        from registry import signin  # noqa: F401
