from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.models import Role, Term, User
from reports import services


class Command(BaseCommand):
    help = (
        "Generate a term's work summary as a PDF, kept as a new version like 生成PDF in the "
        "browser. 生成学期关爱留守儿童工作总结。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--term", type=int, required=True, help="the term's id")
        parser.add_argument("out", help="the .pdf file to write")
        parser.add_argument("--user", help="who generates it (default: the principal)")

    def handle(self, *args, term: int, out: str, user: str | None, **options) -> None:
        try:
            term_obj = Term.objects.select_related("school_year__school").get(pk=term)
        except Term.DoesNotExist as exc:
            raise CommandError(f"没有编号为 {term} 的学期。") from exc
        actor = self._user(term_obj, user)
        report = services.term_report_get_or_create(actor=actor, term=term_obj)
        version = services.term_report_generate(actor=actor, report=report)
        with version.pdf.open("rb") as pdf:
            Path(out).write_bytes(pdf.read())
        self.stdout.write(f"{report.title}：第{version.number}版，{version.pages}页，已写入 {out}")

    def _user(self, term: Term, username: str | None) -> User:
        staff = User.objects.filter(school=term.school_year.school, is_active=True).order_by("pk")
        if username:
            found = staff.filter(username=username).first()
        else:
            # roles is a JSON list; a school has few staff, so it is filtered here.
            found = next((u for u in staff if u.has_role(Role.PRINCIPAL)), None) or next(
                (u for u in staff if u.is_school_admin), None
            )
        if found is None or not (found.has_role(Role.PRINCIPAL) or found.is_school_admin):
            raise CommandError("请用 --user 指定学校的校长或管理员。")
        return found
