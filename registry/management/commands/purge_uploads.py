import datetime

from django.core.management.base import BaseCommand

from caresys.lib.files import purge_unreferenced_files
from registry.spreadsheets.importing import purge_roster_uploads

# A file younger than this may belong to a save still under way.
FILE_MARGIN = datetime.timedelta(hours=6)


class Command(BaseCommand):
    help = (
        "Daily: delete uploaded rosters never confirmed within a day, and files under MEDIA_ROOT "
        "that no record points to (left by a crash). 删除过期的名册文件和无记录对应的文件。"
    )

    def handle(self, *args, **options) -> None:
        deleted = purge_roster_uploads()
        self.stdout.write(f"已删除 {deleted} 个过期的名册文件。")
        orphans = purge_unreferenced_files(older_than=FILE_MARGIN)
        self.stdout.write(f"已删除 {len(orphans)} 个无记录对应的文件。")
