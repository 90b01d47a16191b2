from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from county.rollup import terms_to_count
from county.services import count_school_term
from registry.models import School


class Command(BaseCommand):
    help = (
        "Count and keep each school's term figures for the roll-up summaries (cron: nightly). "
        "Without --year/--number: the terms running today, and those ended whose figures are "
        "missing or were counted before the end. 统计各校学期数据。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", help="the school year's name, e.g. 2026—2027学年")
        parser.add_argument("--number", type=int, choices=[1, 2], help="the term: 1 or 2")
        parser.add_argument("--school", help="one school only: its 学校标识码 or id")

    def handle(
        self, *args, year: str | None, number: int | None, school: str | None, **options
    ) -> None:
        if (year is None) != (number is None):
            raise CommandError("--year 和 --number 须一起给出。")
        one = self._school(school) if school else None
        terms = terms_to_count(today=timezone.localdate(), year=year, number=number, school=one)
        counted = 0
        for term in terms:
            kept = count_school_term(school=term.school_year.school, term=term)
            counted += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"{term.school_year.school.name} {term}：截至 {kept.as_of}")
        self.stdout.write(f"已统计 {counted} 个学校学期。")

    def _school(self, key: str) -> School:
        found = School.objects.filter(
            Q(code=key) | Q(pk=int(key) if key.isdigit() else None)
        ).first()
        if found is None:
            raise CommandError(f"没有学校标识码或编号为 {key} 的学校。")
        return found
