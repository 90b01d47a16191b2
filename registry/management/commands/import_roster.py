from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.models import Role, School, User
from registry.spreadsheets import importing, planning, reading


class Command(BaseCommand):
    help = (
        "Import a roster of pupils from .xlsx or .csv, printing what each row does. "
        "导入学生名册：先逐行列出新增、更新、未变和错误，再写入。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the roster, .xlsx or .csv (UTF-8 or GBK)")
        parser.add_argument(
            "--dry-run", action="store_true", help="only show what would change; write nothing"
        )
        parser.add_argument("--school", type=int, help="the school's ID (default: the only one)")
        parser.add_argument(
            "--user",
            help="username of the administrator recorded as making the changes "
            "(default: the school's first administrator)",
        )

    def handle(self, *args, file: str, dry_run: bool, school: int | None, user: str | None, **_o):
        actor = _actor(_school(school), user)
        path = Path(file)
        try:
            with path.open("rb") as handle:
                table = reading.read_table(handle, path.name)
            plan = planning.plan_import(actor=actor, table=table)
        except OSError as exc:
            raise CommandError(_("无法打开文件：%(error)s") % {"error": exc}) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for line in planning.report_lines(plan):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(_("未写入（试运行）"))
        if plan.has_errors:
            raise CommandError(
                _("有 %(n)d 行错误，没有写入任何数据。请改正后重新导入。")
                % {"n": plan.counts[planning.ERROR]}
            )
        if dry_run:
            return
        try:
            summary = importing.roster_import_confirm(
                actor=actor, plan=plan, name=path.name, progress=self._progress
            )
        except ValidationError as exc:
            raise CommandError(
                "\n".join([_("导入失败，没有写入任何数据："), *exc.messages])
            ) from exc
        self.stdout.write(
            _("导入完成：新增 %(created)d、更新 %(updated)d、未变 %(unchanged)d") % summary
        )

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(_("已处理 %(done)d / %(total)d 行") % {"done": done, "total": total})


def _school(pk: int | None) -> School:
    if pk is not None:
        try:
            return School.objects.get(pk=pk)
        except School.DoesNotExist as exc:
            raise CommandError(_("没有 ID 为 %(pk)d 的学校。") % {"pk": pk}) from exc
    schools = list(School.objects.order_by("pk")[:2])
    if len(schools) != 1:
        raise CommandError(_("数据库中有多所学校（或没有学校），请用 --school 指定学校的 ID。"))
    return schools[0]


def _actor(school: School, username: str | None) -> User:
    staff = User.objects.filter(school=school, is_active=True).order_by("pk")
    if username is not None:
        staff = staff.filter(username=username)
    actor = next((person for person in staff if person.has_role(Role.ADMIN)), None)
    if actor is None:
        raise CommandError(
            _("找不到该校的管理员账号%(who)s：导入需要以管理员的身份记录。")
            % {"who": f"“{username}”" if username else ""}
        )
    return actor
