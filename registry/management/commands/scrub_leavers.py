from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registry import selectors, services
from registry.models import School


class Command(BaseCommand):
    help = (
        "Monthly: list the leavers whose school's retention time (离校学生信息保存年限) "
        "has passed; "
        "with --apply, clear their personal fields and keep what the summaries count. "
        "列出离校超过保存期限的学生；加 --apply 清除其个人信息。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--apply", action="store_true", help="清除（不加则只列出）")
        parser.add_argument("--school", type=int, help="学校编号（有多所学校时）")

    def handle(self, *args, apply: bool, school: int | None, **options) -> None:
        schools = School.objects.all()
        if school is not None:
            schools = schools.filter(pk=school)
            if not schools.exists():
                raise CommandError(f"没有编号为 {school} 的学校。")
        today = timezone.localdate()
        total = 0
        for each in schools.order_by("pk"):
            years = each.leaver_retention_years
            leavers = list(
                selectors.leavers_past_retention(school_id=each.pk, years=years, today=today)
            )
            self.stdout.write(f"{each.name}：离校超过 {years} 年的学生 {len(leavers)} 名。")
            for pupil in leavers:
                total += self._one(pupil, apply=apply)
        if apply:
            self.stdout.write(f"共清除 {total} 名离校学生的个人信息，统计所需的信息保留。")
        else:
            self.stdout.write(f"共 {total} 名离校学生待清除个人信息。确认后加 --apply 运行以清除。")

    def _one(self, pupil, *, apply: bool) -> int:
        """One line per pupil; a name only in the listing, never in a run's log."""
        left = f"{pupil.get_status_display()}，{pupil.left_on:%Y-%m-%d}离校"
        if not apply:
            where = pupil.school_class or "未分班"
            self.stdout.write(f"  档案编号 {pupil.pk} {pupil.name}（{where}，{left}）")
            return 1
        if services.pupil_scrub(pupil=pupil):
            self.stdout.write(f"  档案编号 {pupil.pk}（{left}）的个人信息已清除。")
            return 1
        return 0
