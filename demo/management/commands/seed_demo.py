from django.core.management.base import BaseCommand, CommandError

from demo.county import BUREAU_USERNAME, seed_county, township_username
from demo.school import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoRefused, remove_demo, seed_demo
from registry.models import School


class Command(BaseCommand):
    help = "Create a realistic demo school (pupils, families, classes, staff). 生成演示学校数据。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--pupils", type=int, default=1000, help="number of pupils (default 1000)"
        )
        parser.add_argument(
            "--schools",
            type=int,
            default=0,
            help="a county of this many schools under their townships' 中心学校, "
            "sharing --pupils (e.g. --schools 100 --pupils 100000)",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed (same seed, same school)"
        )
        parser.add_argument("--replace", action="store_true", help="replace an earlier demo school")
        parser.add_argument(
            "--remove",
            action="store_true",
            help="remove the demo school and all its data (before starting a real school)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="only when the database holds no school (what `make run` uses)",
        )

    def handle(
        self,
        *args,
        pupils: int,
        schools: int,
        seed: int,
        replace: bool,
        if_empty: bool,
        remove: bool,
        **options,
    ):
        if remove:
            removed = remove_demo()
            self.stdout.write(f"已删除演示学校（{removed} 所）及其全部演示数据。")
            return
        if pupils < 6:
            raise CommandError("--pupils 至少为 6（每个年级至少一名学生）。")
        if schools < 0:
            raise CommandError("--schools 不能为负数。")
        if if_empty and School.objects.exists():
            self.stdout.write("数据库中已有学校数据，未生成演示数据。")
            if School.objects.filter(is_demo=True).exists():
                self._print_accounts()
            return
        if schools:
            self._county(schools=schools, pupils=pupils, seed=seed, replace=replace)
            return
        try:
            result = seed_demo(pupils=pupils, seed=seed, replace=replace)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"演示学校「{result.school.name}」：{result.pupils} 名学生，其中留守儿童 "
            f"{result.left_behind} 名；{result.classes} 个班级，{result.staff} 名教职工。"
        )
        self._print_accounts()

    def _county(self, *, schools: int, pupils: int, seed: int, replace: bool) -> None:
        if pupils < 6 * schools:
            raise CommandError(f"--pupils 至少为 {6 * schools}（每所学校至少 6 名学生）。")
        try:
            result = seed_county(
                schools=schools,
                pupils=pupils,
                seed=seed,
                replace=replace,
                progress=lambda line: self.stderr.write(line),
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"演示县：{len(result.townships)} 个乡镇（学区），{len(result.schools)} 所学校，"
            f"{result.pupils} 名学生，其中留守儿童 {result.left_behind} 名；"
            f"{result.staff} 名教职工。"
        )
        self._print_accounts()
        width = max(3, len(str(schools)))
        self.stdout.write(f"  {BUREAU_USERNAME:<11} 教育局（全县各校，只读）")
        for index, township in enumerate(result.townships, start=1):
            self.stdout.write(
                f"  {township_username(index):<11} {township}中心学校（本学区各校，只读）"
            )
        self.stdout.write(
            f"以上学校账号属于「{result.schools[0].name}」；其他学校的账号在用户名后加学校编号，"
            f"如 principal{2:0{width}d}、teacher{2:0{width}d}。"
        )

    def _print_accounts(self) -> None:
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<11} {role}")
