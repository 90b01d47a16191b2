from django.core.management.base import BaseCommand

from registry.spreadsheets.importing import purge_roster_uploads


class Command(BaseCommand):
    help = (
        "Delete uploaded rosters never confirmed within a day, and stray upload files. "
        "删除超过一天未确认的名册文件。"
    )

    def handle(self, *args, **options) -> None:
        deleted = purge_roster_uploads()
        self.stdout.write(f"已删除 {deleted} 个过期的名册文件。")
