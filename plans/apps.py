from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("工作计划")

    def ready(self) -> None:
        # The responsible person's items due this month go to 我的待办 (visits cannot import us).
        from plans.selectors import due_plan_items
        from visits.selectors import register_work_provider

        register_work_provider(due_plan_items)
