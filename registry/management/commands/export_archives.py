from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry import selectors
from registry.models import Pupil, School, SchoolClass, User
from registry.spreadsheets import exports
from registry.spreadsheets.columns import class_key


class Command(BaseCommand):
    help = (
        "Export pupils' archives to an .xlsx file, as the pupil list's 导出Excel does. "
        "导出学生档案。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", help="the .xlsx file to write")
        parser.add_argument("--school", type=int, help="school id (default: the only school)")
        parser.add_argument(
            "--user", help="whose scope and name the export is in (default: the first admin)"
        )
        parser.add_argument(
            "--left-behind",
            choices=[value for value, _label in selectors.LEFT_BEHIND_FILTERS],
            help="any, care (关爱对象), single, both, father, mother or none",
        )
        parser.add_argument("--grade", type=int, choices=range(1, 10), help="grade 1-9")
        parser.add_argument("--class", dest="school_class", help="a class, e.g. 3(2)班 or 3-2")
        parser.add_argument(
            "--category", choices=[field for field, _label in selectors.CATEGORY_CHOICES]
        )
        parser.add_argument("--status", choices=Pupil.Status.values, help="default enrolled")
        parser.add_argument(
            "--unmasked", action="store_true", help="full ID numbers and phones (admin only)"
        )
        parser.add_argument("--reason", default="", help="why --unmasked is needed (logged)")

    def handle(self, *args, out: str, **options) -> None:
        school = self._school(options["school"])
        user = self._user(school, options["user"])
        reason = options["reason"].strip()
        if options["unmasked"]:
            if not reason:
                raise CommandError("--unmasked 需要同时用 --reason 说明导出完整号码的理由。")
            if not user.is_school_admin:
                raise CommandError(f"只有管理员可以导出完整号码，{user.username} 不是管理员。")
        filters = {
            "left_behind": options["left_behind"],
            "grade": options["grade"],
            "school_class": self._class(school, options["school_class"]),
            "category": options["category"],
            "status": options["status"],
        }
        pupils = selectors.archive_export_rows(user=user, filters=filters)
        masked = not options["unmasked"]
        export = exports.ArchiveExport(user=user, pupils=pupils, masked=masked, reason=reason)
        export.save(out, detail=_("%(detail)s（命令行）") % {"detail": export.detail})
        written = len(export.pupil_ids)
        shown = "已遮蔽身份证号和电话" if masked else "完整号码"
        self.stdout.write(f"已将 {written} 名学生的档案导出到 {out}（{shown}）。")

    def _school(self, pk: int | None) -> School:
        if pk is not None:
            try:
                return School.objects.get(pk=pk)
            except School.DoesNotExist as exc:
                raise CommandError(f"没有编号为 {pk} 的学校。") from exc
        schools = list(School.objects.all()[:2])
        if len(schools) != 1:
            raise CommandError("数据库中不止一所学校（或没有学校），请用 --school 指定学校编号。")
        return schools[0]

    def _user(self, school: School, username: str | None) -> User:
        staff = User.objects.filter(school=school, is_active=True).order_by("pk")
        if username:
            try:
                return staff.get(username=username)
            except User.DoesNotExist as exc:
                raise CommandError(f"{school.name}没有用户 {username}。") from exc
        # roles is a JSON list; a school has few staff, so it is filtered here, not in SQL.
        admin = next((user for user in staff if user.is_school_admin), None)
        if admin is None:
            raise CommandError(f"{school.name}没有管理员，请用 --user 指定用户。")
        return admin

    def _class(self, school: School, text: str | None) -> SchoolClass | None:
        if not text:
            return None
        key = class_key(text)
        school_class = (
            SchoolClass.objects.filter(
                school=school, grade=key[0], number=key[1], is_active=True
            ).first()
            if key
            else None
        )
        if school_class is None:
            raise CommandError(f"找不到班级“{text}”，请写成 3(2)班 或 3-2。")
        return school_class
