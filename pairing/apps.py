from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingConfig(AppConfig):
    name = "pairing"
    verbose_name = _("结对帮扶")

    def ready(self) -> None:
        from pairing.selectors import paired_with
        from registry.selectors import register_scope_grant

        register_scope_grant(paired_with)

        from pairing.services import (
            pair_counts_refresh,
            pupils_scrub_plans,
            teacher_account_changed,
        )
        from registry.services import (
            register_class_listener,
            register_scrubber,
            register_staff_listener,
        )

        register_scrubber(pupils_scrub_plans)
        register_staff_listener(teacher_account_changed)
        register_class_listener(pair_counts_refresh)
