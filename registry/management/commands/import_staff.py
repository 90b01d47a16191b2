from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.management.commands.import_roster import _actor, _school
from registry.resources import StaffResource, slips_pdf, staff_dataset


class Command(BaseCommand):
    help = (
        "Import the staff list (教职工名册) from .xlsx or .csv: accounts for new teachers, "
        "updates for known ones, and their initial passwords as printable slips (a PDF). "
        "导入教职工名册：新教职工开账号，初始密码写入账号通知单 PDF。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the staff list, .xlsx or .csv (UTF-8 or GBK)")
        parser.add_argument(
            "--dry-run", action="store_true", help="only show what would change; write nothing"
        )
        parser.add_argument("--school", type=int, help="the school's ID (default: the only one)")
        parser.add_argument(
            "--user", help="username of the administrator recorded as making the changes"
        )
        parser.add_argument(
            "--slips",
            help="where to write the slips PDF (default: 账号通知单.pdf beside the file)",
        )
        parser.add_argument(
            "--site", default="", help="the site's address printed on the slips, e.g. https://…"
        )

    def handle(self, *args, file: str, dry_run: bool, school, user, slips, site, **_o) -> None:
        actor = _actor(_school(school), user)
        path = Path(file)
        try:
            with path.open("rb") as handle:
                dataset = staff_dataset(handle, path.name)
        except OSError as exc:
            raise CommandError(_("无法打开文件：%(error)s") % {"error": exc}) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        resource = StaffResource(actor=actor)
        # The accounts and the slips that carry their passwords go together: if the PDF cannot
        # be written, no account is created whose password nobody will ever see.
        with transaction.atomic():
            result = resource.import_data(
                dataset, dry_run=dry_run, rollback_on_validation_errors=True
            )
            self._report(result)
            if result.has_errors() or result.has_validation_errors():
                raise CommandError(_("名册有错误，没有写入任何数据。请改正后重新导入。"))
            if dry_run:
                self.stdout.write(_("未写入（试运行）"))
                return
            if result.slips:
                target = Path(slips) if slips else path.with_name(_("账号通知单.pdf"))
                content = slips_pdf(slips=result.slips, school=actor.school, site=site)
                target.write_bytes(content)
                target.chmod(0o600)
        if result.slips:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "%(n)d位新教职工的初始密码已写入 %(path)s：请打印后发给本人，"
                        "然后删除这个文件（密码不在系统中保存）。"
                    )
                    % {"n": len(result.slips), "path": target}
                )
            )

    def _report(self, result) -> None:
        for base in result.base_errors:
            self.stdout.write(_("错误：%(error)s") % {"error": base.error})
        for row in result.valid_rows():
            kind = {"new": _("新建"), "update": _("修改"), "skip": _("无变化")}[row.import_type]
            self.stdout.write(
                _("第%(row)s行 %(kind)s：%(name)s（%(username)s）")
                % {
                    "row": row.number,
                    "kind": kind,
                    "name": row.instance.full_name,
                    "username": row.instance.username,
                }
            )
        for row in result.invalid_rows:
            for column, messages in row.error_dict.items():
                for message in messages:
                    self.stdout.write(
                        _("第%(row)s行 错误：%(column)s：%(message)s")
                        % {"row": row.number, "column": column, "message": message}
                    )
        for teacher in getattr(result, "missing_staff", []):
            self.stdout.write(
                _("名册中没有：%(name)s（%(username)s），如已离校请走离校流程")
                % {"name": teacher.full_name or teacher.username, "username": teacher.username}
            )
        totals = result.totals
        self.stdout.write(
            _("新建 %(new)d、修改 %(update)d、无变化 %(skip)d、错误 %(invalid)d")
            % {
                "new": totals["new"],
                "update": totals["update"],
                "skip": totals["skip"],
                "invalid": totals["invalid"] + totals["error"],
            }
        )
