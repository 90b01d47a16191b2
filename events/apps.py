from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("学校活动")

    def ready(self) -> None:
        from events import quotas, selectors
        from visits.selectors import (
            register_class_quota_provider,
            register_done_provider,
            register_work_provider,
        )

        register_work_provider(quotas.work_items)
        register_done_provider(selectors.done_this_week)
        register_class_quota_provider(quotas.class_items)
