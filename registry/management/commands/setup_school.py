"""Start a real school on a fresh installation: its details, the school year and its terms, its
classes and the first administrator. Asks for each (proposing the usual calendar), or takes
flags with --no-input."""

import datetime
import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from caresys.lib import grades as grade_text
from caresys.lib.periods import Period, SchoolYearDates, school_year_starting, usual_school_year
from registry import services
from registry.models import GRADE_NAMES, School, Township

PASSWORD_VARIABLE = "CARESYS_ADMIN_PASSWORD"
FIELD_LABELS = {
    "name": "学校名称",
    "address": "地址",
    "phone": "电话",
    "username": "管理员账号",
    "password": "管理员密码",
    "full_name": "管理员姓名",
    "township": "所属乡镇（学区）",
    "kind": "学校类型",
    "code": "学校标识码",
    "terms": "学期",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "__all__": "",
}


def parse_grades(text: str) -> list[int]:
    try:
        return grade_text.parse_grades(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def parse_class_counts(text: str, grade_list: list[int]) -> dict[int, int]:
    try:
        return grade_text.parse_class_counts(text, grade_list)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def parse_span(text: str) -> Period:
    """'2026-09-01:2027-01-17' → the term's dates."""
    try:
        start, end = (datetime.date.fromisoformat(part.strip()) for part in text.split(":"))
    except ValueError as exc:
        raise CommandError(f"学期日期“{text}”无法识别，请写成 2026-09-01:2027-01-17。") from exc
    return Period(start, end)


class Command(BaseCommand):
    help = (
        "Start a school: details, school year and terms, classes, first administrator. 建立学校。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-input", action="store_false", dest="interactive")
        parser.add_argument("--name", default="", help="学校名称")
        parser.add_argument("--address", default="", help="地址")
        parser.add_argument("--phone", default="", help="电话")
        parser.add_argument(
            "--township", default="", help="所属乡镇（学区）的名称；没有则新建（一个县多所学校时）"
        )
        parser.add_argument(
            "--kind",
            default=School.Kind.PRIMARY,
            choices=School.Kind.values,
            help="学校类型：" + "、".join(f"{k}={v}" for k, v in School.Kind.choices),
        )
        parser.add_argument("--code", default="", help="学校标识码（10位数字）")
        parser.add_argument("--year", type=int, help="学年开始的年份（默认：当前或即将开始的学年）")
        parser.add_argument("--term1", help="第一学期 开始:结束，如 2026-09-01:2027-01-17")
        parser.add_argument("--term2", help="第二学期 开始:结束，如 2027-02-16:2027-07-05")
        parser.add_argument(
            "--grades", default="1-6", help="学校的年级，如 1-6（小学）、7-9（初中）"
        )
        parser.add_argument("--classes", default="1", help="每个年级的班数：一个数或每个年级一个")
        parser.add_argument("--admin", default="", help="第一个管理员的账号（用户名）")
        parser.add_argument("--admin-name", default="", help="管理员姓名")
        parser.add_argument(
            "--remove-demo",
            action="store_true",
            help="先删除演示学校及其全部演示数据",
        )

    def handle(self, *args, interactive: bool, remove_demo: bool, **options) -> None:
        if School.objects.filter(is_demo=True).exists() and not remove_demo:
            raise CommandError(
                "数据库中有演示学校。真实学校不与演示数据放在一起：加 --remove-demo "
                "先删除演示学校（其全部演示数据），或换一个空数据库。"
            )
        answers = self._ask(options) if interactive else self._from_flags(options)
        try:
            with transaction.atomic():
                if remove_demo:
                    # The demo app removes its own school (it knows every table it filled).
                    call_command("seed_demo", remove=True, stdout=self.stdout)
                township_name = answers.pop("township_name")
                answers["township"] = (
                    (
                        Township.objects.filter(name=township_name.strip()).first()
                        or services.township_create(actor=None, name=township_name)
                    )
                    if township_name.strip()
                    else None
                )
                school = services.school_create(**answers)
        except ValidationError as exc:
            raise CommandError(_errors_text(exc)) from exc
        self._report(school, answers)

    def _from_flags(self, options: dict) -> dict:
        password = os.environ.get(PASSWORD_VARIABLE, "")
        missing = [
            text
            for text, value in (
                ("--name", options["name"]),
                ("--admin", options["admin"]),
                (f"环境变量 {PASSWORD_VARIABLE}", password),
            )
            if not value
        ]
        if missing:
            raise CommandError("--no-input 时须给出：" + "、".join(missing))
        grades = parse_grades(options["grades"])
        return {
            "name": options["name"],
            "address": options["address"],
            "phone": options["phone"],
            "calendar": self._calendar(options["year"], options["term1"], options["term2"]),
            "classes": parse_class_counts(options["classes"], grades),
            "admin_username": options["admin"],
            "admin_full_name": options["admin_name"],
            "admin_password": password,
            "township_name": options["township"],
            "kind": options["kind"],
            "code": options["code"],
        }

    def _calendar(self, year: int | None, term1: str | None, term2: str | None) -> SchoolYearDates:
        usual = usual_school_year(year or school_year_starting(timezone.localdate()))
        terms = (
            parse_span(term1) if term1 else usual.terms[0],
            parse_span(term2) if term2 else usual.terms[1],
        )
        return _with_terms(usual, terms)

    def _ask(self, options: dict) -> dict:
        self.stdout.write("建立学校：每一项直接回车即用方括号中的建议。\n")
        name = self._prompt("学校名称", options["name"], required=True)
        address = self._prompt("地址", options["address"])
        phone = self._prompt("电话", options["phone"])
        year = self._prompt(
            "学年开始的年份", str(options["year"] or school_year_starting(timezone.localdate()))
        )
        if not year.isdigit():
            raise CommandError(f"年份“{year}”无法识别。")
        usual = usual_school_year(int(year))
        self.stdout.write(
            f"{usual.year.label}：常见校历为秋季学期 9月1日至次年1月中旬，"
            "春季学期 2月中旬至7月初，中间为寒假、暑假。"
        )
        terms = tuple(
            parse_span(self._prompt(f"{label}（开始:结束）", f"{span.start}:{span.end}"))
            for label, span in zip(("第一学期", "第二学期"), usual.terms, strict=True)
        )
        grades = parse_grades(self._prompt("年级", options["grades"]))
        names = "、".join(str(GRADE_NAMES[grade]) for grade in grades)
        classes = parse_class_counts(
            self._prompt(f"每个年级的班数（{names}；一个数或每个年级一个）", options["classes"]),
            grades,
        )
        username = self._prompt("第一个管理员的账号", options["admin"] or "admin", required=True)
        full_name = self._prompt("管理员姓名", options["admin_name"])
        password = getpass.getpass("管理员密码：")
        if getpass.getpass("再输一次密码：") != password:
            raise CommandError("两次输入的密码不一致。")
        return {
            "name": name,
            "address": address,
            "phone": phone,
            "calendar": _with_terms(usual, terms),
            "classes": classes,
            "admin_username": username,
            "admin_full_name": full_name,
            "admin_password": password,
            "township_name": options["township"],
            "kind": options["kind"],
            "code": options["code"],
        }

    def _prompt(self, label: str, default: str = "", *, required: bool = False) -> str:
        while True:
            answer = input(f"{label}" + (f" [{default}]" if default else "") + "：").strip()
            answer = answer or default
            if answer or not required:
                return answer
            self.stderr.write(f"{label}不能为空。")

    def _report(self, school: School, answers: dict) -> None:
        calendar = answers["calendar"]
        classes = sum(answers["classes"].values())
        first, second = calendar.terms
        self.stdout.write(
            f"已建立学校「{school.name}」（ID {school.pk}）：{calendar.year.label}，"
            f"第一学期 {first.start}—{first.end}，第二学期 {second.start}—{second.end}；"
            f"{len(answers['classes'])} 个年级 {classes} 个班；"
            f"管理员账号 {answers['admin_username']}。"
        )
        self.stdout.write(
            "下一步：\n"
            "  1. 用管理员账号登录，导入教职工名册（系统设置 → 教职工 → 导入；"
            "或 manage.py import_staff 教职工名册.xlsx），把账号通知单发给老师；\n"
            "  2. 导入学生名册（学生档案 → 导入名册；或 manage.py import_roster 学生名册.xlsx）；\n"
            "  3. 请班主任登录核对本班名单。\n"
            "模板在 fixtures/ 目录：教职工名册模板.xlsx、学生名册模板.xlsx。"
        )


def _with_terms(usual: SchoolYearDates, terms: tuple[Period, Period]) -> SchoolYearDates:
    """The school year stretched to hold a first term that begins before 1 September."""
    year = usual.year
    start = min(year.start, terms[0].start)
    return SchoolYearDates(year=Period(start, year.end, year.label), terms=terms)


def _errors_text(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return "；".join(error.messages)
    return "；".join(
        f"{FIELD_LABELS.get(field, field)}：{message}"
        if FIELD_LABELS.get(field, field)
        else message
        for field, messages in error.message_dict.items()
        for message in messages
    )
