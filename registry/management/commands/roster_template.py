from pathlib import Path

from django.core.management.base import BaseCommand

from registry.spreadsheets.blank import TEMPLATE_PATH, write_roster_template


class Command(BaseCommand):
    help = (
        "Write the blank roster a school fills in (default: fixtures/学生名册模板.xlsx). "
        "写出空白学生名册模板。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", default=str(TEMPLATE_PATH), help="where to write it")

    def handle(self, *args, path: str, **_options) -> None:
        write_roster_template(path)
        self.stdout.write(str(Path(path)))
