from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("关爱记录")

    def ready(self) -> None:
        from registry.services import register_calendar_listener, register_scrubber
        from visits.services import pupils_scrub_records
        from visits.tallies import recount_school

        register_scrubber(pupils_scrub_records)
        register_calendar_listener(recount_school)

        from pairing.services import register_pair_listener
        from visits.tallies import pair_begun

        register_pair_listener(pair_begun)
