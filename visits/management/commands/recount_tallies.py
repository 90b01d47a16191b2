from django.core.management.base import BaseCommand, CommandError

from registry.models import School
from visits.tallies import recount_pair_activity, recount_school


class Command(BaseCommand):
    help = (
        "Rebuild the per-child, per-term tallies, the per-day counts of care records and each "
        "pair's last activity from the live records and checks, one school at a time (they are "
        "kept current by every write; run after restoring data or if in doubt). "
        "重新统计每名儿童每学期、每所学校每天的关爱记录数及结对最近活动。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--school", type=int, help="one school only: its id")

    def handle(self, *args, school: int | None, **options) -> None:
        schools = School.objects.order_by("pk")
        if school is not None:
            schools = schools.filter(pk=school)
            if not schools.exists():
                raise CommandError(f"没有编号为 {school} 的学校。")
        rows = 0
        for one in schools.only("pk", "name"):
            kept = recount_school(one.pk)
            recount_pair_activity(one.pk)
            rows += kept
            if options["verbosity"] > 1:
                self.stdout.write(f"{one.name}：{kept} 行")
        self.stdout.write(f"已重新统计 {rows} 行。")
