"""An account above the schools: the education bureau's (every school), a 中心学校's (its
township's schools), or the installation's registrar who creates schools. It prints the
initial password once; the person changes it at the first sign-in."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry import services
from registry.models import Role, Township

ROLES = {"bureau": Role.BUREAU, "township": Role.TOWNSHIP, "system_admin": Role.SYSTEM_ADMIN}


class Command(BaseCommand):
    help = "Create a bureau, township (中心学校) or installation-registrar account. 新建县级账号。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="账号（用户名）")
        parser.add_argument("--name", required=True, help="姓名")
        parser.add_argument(
            "--role", required=True, choices=sorted(ROLES), help="bureau=教育局，"
            "township=中心学校（学区），system_admin=系统管理员"
        )  # fmt: skip
        parser.add_argument("--township", default="", help="中心学校账号所属乡镇（学区）的名称")
        parser.add_argument("--phone", default="", help="手机号")

    def handle(self, *args, username: str, name: str, role: str, township: str, phone: str,
               **options) -> None:  # fmt: skip
        found = None
        if township:
            found = Township.objects.filter(name=township.strip()).first()
            if found is None:
                raise CommandError(f"没有名为“{township}”的乡镇（学区）。")
        try:
            slip = services.county_reader_create(
                actor=None, username=username, full_name=name, role=ROLES[role], phone=phone,
                township=found,
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            f"已建立{Role(ROLES[role]).label}账号 {slip.username}（{slip.name}）。"
            f"初始密码：{slip.password}（只显示这一次；首次登录须修改）"
        )
