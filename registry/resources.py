"""The staff list (教职工名册) as django-import-export reads and writes it.

One Resource serves the settings pages' import and export and `manage.py import_staff`. Files
are read by the roster's reader (size limits, UTF-8 / UTF-8 with BOM / GBK, the header row found
below a title), so a staff list is read exactly as carefully as a roster. Accounts are opened and
changed by the registry's services; the initial passwords exist only in `resource.slips`, in
memory, until the slips PDF is made.
"""

import io
import re
from typing import Any

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.results import Result, RowResult

from caresys.lib.identity import normalize_phone
from caresys.lib.pdf import render_pdf
from caresys.lib.xlsx import FORMULA_PREFIXES, write_table
from registry import services
from registry.models import GRADE_NAMES, SCHOOL_ROLES, Role, School, SchoolClass, User
from registry.spreadsheets.columns import class_key, clean_text, halfwidth
from registry.spreadsheets.reading import read_table

NAME, PHONE, ROLES, CLASSES, USERNAME = "姓名", "手机号", "角色", "任班主任班级", "账号"
# The spellings schools use for each column, folded to the canonical header.
HEADER_ALIASES = {
    NAME: (NAME, "教师姓名", "教职工姓名"),
    PHONE: (PHONE, "手机", "联系电话", "电话", "手机号码"),
    ROLES: (ROLES, "职务", "岗位"),
    CLASSES: (CLASSES, "班主任班级", "任班主任", "所带班级"),
    USERNAME: (USERNAME, "用户名", "登录账号"),
}
REQUIRED_HEADERS = (NAME, ROLES)
# The sheet's own row number of each data row, carried as the dataset's first column.
ROW_NUMBER = "表格行号"
# Marks the blank template's example rows, which are refused if left in.
EXAMPLE_MARK = "示例"
# The school's roles only: a staff list cannot give the county's (教育局, 系统管理员 …).
ROLE_WORDS = {str(role.label): role.value for role in SCHOOL_ROLES}
_ROLE_SEPARATORS = re.compile(r"[、，,/／;；\s]+")
# Spaces are not a separator here: "三年级 (2)班" is one class.
_CLASS_SEPARATORS = re.compile(r"[、，,/／;；]+")


def _header_key(text: Any) -> str:
    return re.sub(r"\s+", "", halfwidth(str(text or "")))


_HEADERS = {
    _header_key(alias): header for header, aliases in HEADER_ALIASES.items() for alias in aliases
}


def class_label(key: tuple[int, int]) -> str:
    grade, number = key
    return _("%(grade)s(%(number)d)班") % {"grade": GRADE_NAMES.get(grade, grade), "number": number}


# --- reading and writing files ---------------------------------------------------------------


def staff_dataset(file: io.BytesIO, name: str) -> tablib.Dataset:
    """The staff list's rows, each led by its row number in the sheet; ValidationError if the
    file cannot be read (in Chinese)."""
    table = read_table(file, name)
    headers = [_HEADERS.get(_header_key(header), header) for header in table.headers]
    dataset = tablib.Dataset(headers=[ROW_NUMBER, *headers])
    for number, cells in table.rows:
        padded = [*cells, *[None] * (len(headers) - len(cells))][: len(headers)]
        dataset.append([number, *padded])
    return dataset


class _ReadLikeTheRoster:
    """Binary for import-export (no decoding before us); the roster's reader does the rest."""

    suffix = ""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: bytes, **kwargs) -> tablib.Dataset:
        return staff_dataset(io.BytesIO(in_stream), f"staff{self.suffix}")


class StaffXLSX(_ReadLikeTheRoster, base_formats.XLSX):
    suffix = ".xlsx"

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> bytes:
        """Through the project's writer: text cells, formulas quoted, the header frozen."""
        out = io.BytesIO()
        write_table(
            out,
            title=_("教职工名册"),
            columns=[(header, 16) for header in dataset.headers],
            rows=([("" if v is None else str(v)) for v in row] for row in dataset),
            text_columns=range(len(dataset.headers)),
            date_columns=(),
        )
        return out.getvalue()


class StaffCSV(_ReadLikeTheRoster, base_formats.CSV):
    suffix = ".csv"

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> bytes:
        """UTF-8 with a BOM (Excel then reads the Chinese); a cell that would run as a formula
        starts with an apostrophe."""
        safe = tablib.Dataset(headers=dataset.headers)
        for row in dataset:
            safe.append([_csv_safe(value) for value in row])
        return ("\ufeff" + safe.export("csv")).encode("utf-8")


def _csv_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


FORMATS = [StaffXLSX, StaffCSV]


# --- cells -----------------------------------------------------------------------------------


class NameWidget(widgets.CharWidget):
    def clean(self, value: Any, row=None, **kwargs) -> str:
        text = "".join(clean_text(value).split())
        if not text:
            raise ValueError(_("请填写姓名。"))
        if EXAMPLE_MARK in text:
            raise ValueError(_("这是模板中的示例行，请删除后再导入。"))
        return text


class PhoneWidget(widgets.CharWidget):
    """An empty cell keeps the phone a known teacher has (None is not saved)."""

    def clean(self, value: Any, row=None, **kwargs) -> str | None:
        return normalize_phone(clean_text(value)) or None


class RolesWidget(widgets.Widget):
    """班主任、帮扶教师 (any of 、，,/ or spaces between) ⇄ ["class_teacher", "pair_teacher"]."""

    def clean(self, value: Any, row=None, **kwargs) -> list[str]:
        words = [word for word in _ROLE_SEPARATORS.split(clean_text(value)) if word]
        if not words:
            raise ValueError(_("请填写角色（可选：%(allowed)s）。") % {"allowed": allowed_roles()})
        unknown = [word for word in words if word not in ROLE_WORDS]
        if unknown:
            raise ValueError(
                _("角色“%(words)s”无法识别，可选：%(allowed)s。")
                % {"words": "、".join(unknown), "allowed": allowed_roles()}
            )
        chosen = {ROLE_WORDS[word] for word in words}
        return [role.value for role in Role if role in chosen]  # in the roles' own order

    def render(self, value: Any, obj=None, **kwargs) -> str:
        return "、".join(str(Role(role).label) for role in value or () if role in Role.values)


def allowed_roles() -> str:
    return "、".join(ROLE_WORDS)


class ClassesWidget(widgets.Widget):
    """三年级2班、3(2)班 ⇄ [(3, 2), ...]: the classes a teacher heads."""

    def clean(self, value: Any, row=None, **kwargs) -> list[tuple[int, int]] | None:
        texts = [text for text in _CLASS_SEPARATORS.split(clean_text(value)) if text.strip()]
        if not texts:
            return None
        keys, unreadable = [], []
        for text in texts:
            key = class_key(text)
            if key is None:
                unreadable.append(text)
            elif key not in keys:
                keys.append(key)
        if unreadable:
            raise ValueError(
                _("班级“%(value)s”无法识别，请写成“三年级(2)班”或“3(2)班”。")
                % {"value": "、".join(unreadable)}
            )
        return keys

    def render(self, value: Any, obj=None, **kwargs) -> str:
        return "、".join(class_label(key) for key in sorted(value or ()))


# --- the resource ----------------------------------------------------------------------------


class StaffDiff(resources.Diff):
    """The preview's cells: (value after the import, value before, changed?) instead of HTML
    (import-export's HTML diff colours with style="", which the site's CSP refuses)."""

    def as_html(self) -> list[tuple[str, str, bool]]:
        return [
            (
                str(after or ""),
                "" if self.new else str(before or ""),
                not self.new and before != after,
            )
            for before, after in zip(self.left, self.right, strict=True)
        ]


class StaffResource(resources.ModelResource):
    full_name = fields.Field(attribute="full_name", column_name=NAME, widget=NameWidget())
    phone = fields.Field(
        attribute="phone", column_name=PHONE, widget=PhoneWidget(), saves_null_values=False
    )
    roles = fields.Field(attribute="roles", column_name=ROLES, widget=RolesWidget())
    head_classes = fields.Field(
        attribute="head_class_keys",
        column_name=CLASSES,
        widget=ClassesWidget(),
        saves_null_values=False,
    )
    username = fields.Field(attribute="username", column_name=USERNAME, readonly=True)

    class Meta:
        model = User
        fields = ("full_name", "phone", "roles", "head_classes", "username")
        import_order = ("full_name", "phone", "roles", "head_classes")
        export_order = ("full_name", "phone", "roles", "head_classes", "username")
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = False
        store_instance = True
        use_transactions = True
        # Accounts go through the services, which validate in full.
        clean_model_instances = False

    def __init__(self, *, actor: User | None = None, school: School | None = None, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor
        self.school = school or (actor.school if actor is not None else None)
        self.slips: list[services.Slip] = []
        self.created_classes: list[str] = []

    def get_diff_class(self):
        return StaffDiff

    def get_import_fields(self):
        return [field for field in super().get_import_fields() if not field.readonly]

    # -- before the rows: headers, the school's staff and classes, in a few queries --

    def before_import(self, dataset: tablib.Dataset, **kwargs) -> None:
        missing = [header for header in REQUIRED_HEADERS if header not in dataset.headers]
        if missing:
            raise ValueError(
                _("表中没有“%(columns)s”列。请使用教职工名册模板，表头可写：%(headers)s。")
                % {
                    "columns": "、".join(missing),
                    "headers": "；".join("/".join(aliases) for aliases in HEADER_ALIASES.values()),
                }
            )
        if ROW_NUMBER not in dataset.headers:
            dataset.insert_col(0, list(range(2, len(dataset) + 2)), header=ROW_NUMBER)
        staff = list(
            User.objects.filter(school=self.school).prefetch_related(
                Prefetch("headed_classes", queryset=SchoolClass.objects.filter(is_active=True))
            )
        )
        self.staff = staff
        self.by_phone = {user.phone: user for user in staff if user.phone}
        self.by_name: dict[str, list[User]] = {}
        for user in staff:
            self.by_name.setdefault(user.full_name, []).append(user)
        self.matched: set[int] = set()
        self.rows_by_phone: dict[str, int] = {}
        self.rows_by_name: dict[str, int] = {}
        self.class_heads: dict[tuple[int, int], int] = {}

    def get_instance(self, instance_loader, row) -> User | None:
        """The teacher the row is about: by phone, else by exact name within the school."""
        try:
            phone = PhoneWidget().clean(row.get(PHONE)) or ""
            name = NameWidget().clean(row.get(NAME))
        except ValueError:
            return None  # the row's own errors are reported by its fields
        if phone in self.by_phone:
            return self.by_phone[phone]
        # Else by name (a teacher whose phone changed), unless two share it or an earlier row
        # of the list already is that teacher.
        namesakes = self.by_name.get(name, [])
        if len(namesakes) == 1 and namesakes[0].pk not in self.matched:
            return namesakes[0]
        return None

    def init_instance(self, row=None) -> User:
        return User(school=self.school)

    def after_init_instance(self, instance: User, new: bool, row, **kwargs) -> None:
        if not new:
            self.matched.add(instance.pk)
        instance.head_class_keys = sorted(
            (c.grade, c.number) for c in (() if new else instance.headed_classes.all())
        )

    # -- each row: every error of the row at once --

    def import_instance(self, instance: User, row, **kwargs) -> None:
        before = instance.head_class_keys
        instance.head_class_keys = None
        errors: dict[str, list[str]] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        instance.named_class_keys = instance.head_class_keys or []
        # A teacher keeps the classes they head; those the list names are added.
        instance.head_class_keys = sorted({*before, *instance.named_class_keys})
        for field, messages in self._row_errors(
            instance, row, errors, kwargs["row_number"]
        ).items():
            errors.setdefault(field, []).extend(messages)
        if errors:
            columns = {field.attribute: field.column_name for field in self.get_import_fields()}
            raise ValidationError({columns.get(key, key): value for key, value in errors.items()})

    def _row_errors(self, instance: User, row, errors, row_number: int) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        number = row.get(ROW_NUMBER, row_number + 1)
        if "full_name" not in errors:
            namesakes = self.by_name.get(instance.full_name, [])
            if instance.pk is None and len(namesakes) > 1 and not instance.phone:
                found.setdefault("full_name", []).append(
                    _("本校有%(n)d位教职工叫%(name)s，请填写手机号以区分。")
                    % {"n": len(namesakes), "name": instance.full_name}
                )
            if instance.full_name in self.rows_by_name and not instance.phone:
                found.setdefault("full_name", []).append(
                    _("与第%(row)s行重复。") % {"row": self.rows_by_name[instance.full_name]}
                )
            self.rows_by_name.setdefault(instance.full_name, number)
        if "phone" not in errors and instance.phone:
            if instance.phone in self.rows_by_phone:
                found.setdefault("phone", []).append(
                    _("手机号与第%(row)s行相同。") % {"row": self.rows_by_phone[instance.phone]}
                )
            self.rows_by_phone.setdefault(instance.phone, number)
        if "phone" not in errors:
            try:
                instance.clean_fields(
                    exclude=[f.name for f in User._meta.fields if f.name != "phone"]
                )
            except ValidationError as error:
                found.setdefault("phone", []).extend(error.message_dict.get("phone", []))
        named = instance.named_class_keys
        if named and "roles" not in errors and Role.CLASS_TEACHER not in instance.roles:
            found.setdefault("head_class_keys", []).append(
                _("填写了任班主任班级，角色中须有“班主任”。")
            )
        for key in named:
            if key in self.class_heads:
                found.setdefault("head_class_keys", []).append(
                    _("%(cls)s的班主任已在第%(row)s行填写。")
                    % {"cls": class_label(key), "row": self.class_heads[key]}
                )
            else:
                self.class_heads[key] = number
        if instance.pk is not None and self.actor is not None and "roles" not in errors:
            try:
                services.staff_account_check(
                    actor=self.actor,
                    user=instance,
                    roles=instance.roles,
                    is_active=instance.is_active,
                )
            except ValidationError as error:
                for field, messages in error.update_error_dict({}).items():
                    key = NON_FIELD_ERRORS if field == NON_FIELD_ERRORS else "roles"
                    found.setdefault(key, []).extend(messages)
        return found

    def skip_row(self, instance: User, original: User, row, import_validation_errors=None) -> bool:
        """Unchanged: the same name, phone and roles, and every class named already theirs."""
        if import_validation_errors or instance.pk is None:
            return False
        return (instance.full_name, instance.phone, instance.roles) == (
            original.full_name,
            original.phone,
            original.roles,
        ) and set(instance.named_class_keys) <= set(original.head_class_keys)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def do_instance_save(self, instance: User, is_create: bool) -> None:
        if is_create:
            slip = services.staff_account_create(
                actor=self.actor, user=instance, with_password=not self._dry_run
            )
            if slip is not None:
                self.slips.append(slip)
        else:
            services.staff_account_update(actor=self.actor, user=instance)

    def save_instance(self, instance, is_create, row, **kwargs):
        self._dry_run = kwargs.get("dry_run", False)
        super().save_instance(instance, is_create, row, **kwargs)

    def after_save_instance(self, instance: User, row, **kwargs) -> None:
        if instance.named_class_keys:
            created = services.staff_head_classes_assign(
                actor=self.actor, user=instance, keys=instance.named_class_keys
            )
            self.created_classes += [class_label((c.grade, c.number)) for c in created]
            instance.new_class_keys = [(c.grade, c.number) for c in created]

    def after_import_row(self, row, row_result: RowResult, **kwargs) -> None:
        row_result.number = row.get(ROW_NUMBER, kwargs["row_number"] + 1)
        instance = row_result.instance
        new_classes = getattr(instance, "new_class_keys", []) if instance is not None else []
        row_result.new_classes = [class_label(key) for key in new_classes]

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs) -> None:
        """Row numbers as the sheet shows them; the staff the list leaves out."""
        numbers = dataset.get_col(0) if dataset.headers and dataset.headers[0] == ROW_NUMBER else []
        for invalid in result.invalid_rows:
            if numbers:
                invalid.number = numbers[invalid.number - 1]
        result.missing_staff = [
            user
            for user in self.staff
            if user.is_active and user.pk not in self.matched and user != self.actor
        ]
        result.slips = list(self.slips)
        result.created_classes = list(self.created_classes)
        if (
            not kwargs.get("dry_run")
            and not result.has_errors()
            and not result.has_validation_errors()
        ):
            services.staff_import_log(actor=self.actor, result_totals=result.totals)

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        if queryset is not None:
            queryset = queryset.prefetch_related(
                Prefetch("headed_classes", queryset=SchoolClass.objects.filter(is_active=True))
            )
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_head_classes(self, user: User) -> str:
        keys = getattr(user, "head_class_keys", None)
        if keys is None:
            keys = [(c.grade, c.number) for c in user.headed_classes.all()]
        return ClassesWidget().render(keys)

    @classmethod
    def get_display_name(cls) -> str:
        return _("教职工名册")


def slips_pdf(*, slips: list[services.Slip], school: School, site: str) -> bytes:
    """The 账号通知单 of the teachers given, several to an A4 page with a line to cut."""
    return render_pdf(
        "registry/staff_slips_pdf.html",
        {"slips": slips, "school": school, "site": site, "printed_at": timezone.localtime()},
    )


# --- the blank staff list --------------------------------------------------------------------

TEMPLATE_EXAMPLES = [
    ("（示例，导入前请删除）张伟", "13800000000", "班主任、帮扶教师", "三年级(2)班"),
    ("（示例，导入前请删除）李娜", "13900000000", "心理老师", ""),
]


def write_staff_template(out) -> None:
    """教职工名册模板.xlsx: the header, two example rows marked as such, the phone column as
    text (so 11 digits stay 11 digits), and a sheet 可选值 listing the role words."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("教职工名册")
    headers = [NAME, PHONE, ROLES, CLASSES]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in TEMPLATE_EXAMPLES:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(color="808080", italic=True)
    for letter, width in zip("ABCD", (28, 16, 24, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    for number in range(2, 501):
        sheet.cell(row=number, column=2).number_format = "@"
    sheet.freeze_panes = "A2"
    choices = workbook.create_sheet(_("可选值"))
    choices.append([ROLES, _("说明")])
    choices["A1"].font = choices["B1"].font = Font(bold=True)
    notes = {
        Role.ADMIN: _("学籍管理员：系统设置、导入导出、访问日志"),
        Role.PRINCIPAL: _("查看全校，领导关爱工作"),
        Role.CLASS_TEACHER: _("本班学生的档案；请在“任班主任班级”填写班级"),
        Role.PAIR_TEACHER: _("结对帮扶的孩子"),
        Role.COUNSELLOR: _("心理辅导记录"),
        Role.MORAL_LEAD: _("德育主任：学校活动、生日会，不看心理辅导"),
    }
    for role in SCHOOL_ROLES:
        choices.append([str(role.label), str(notes[role])])
    choices.append([])
    choices.append([_("一人有几个角色时，用顿号、逗号或空格隔开，如：班主任、帮扶教师")])
    choices.append([_("班级可写成：三年级(2)班、三年级2班、3(2)班、三(2)班")])
    choices.column_dimensions["A"].width = 14
    choices.column_dimensions["B"].width = 48
    rule = DataValidation(type="list", formula1=f"'{choices.title}'!$A$2:$A$6", allow_blank=True)
    rule.showErrorMessage = False  # several roles in one cell are allowed: only a suggestion
    sheet.add_data_validation(rule)
    rule.add("C2:C500")
    workbook.save(out)
