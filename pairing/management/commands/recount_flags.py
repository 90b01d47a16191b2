from django.core.management.base import BaseCommand, CommandError

from pairing.services import pupil_flags_recount
from registry.models import School


class Command(BaseCommand):
    help = (
        "Rebuild each pupil's kept flags (archive complete, paired with a teacher, in care) and "
        "each class's kept counts (registry.ClassTally, pairing.ClassPairCount) from their rules, "
        "every school's at once (they are kept current by every write; run after restoring data "
        "or if in doubt). "
        "重新计算每名学生的档案完整、已结对、关爱对象标记和各班人数。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--school", type=int, help="one school only: its id")

    def handle(self, *args, school: int | None, **options) -> None:
        if school is not None and not School.objects.filter(pk=school).exists():
            raise CommandError(f"没有编号为 {school} 的学校。")
        pupils = pupil_flags_recount(school_id=school)
        self.stdout.write(f"已重新计算 {pupils} 名学生的标记。")
