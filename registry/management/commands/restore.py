from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from caresys.lib import backup
from registry.models import School


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty installation (stop the site first), then check "
        "integrity and every table's row count. 从备份恢复数据库和上传的文件。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="a caresys-backup-….tar.gz written by `backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore over an installation that already holds data (that data is lost)",
        )

    def handle(self, *args, archive: str, force: bool, **options) -> None:
        if force:
            self.stderr.write(
                self.style.WARNING(
                    "警告：--force 会用备份覆盖本机现有的数据库和同名的上传文件，"
                    "现有数据将全部丢失。请先停止网站，并先为现有数据另做一份备份。"
                )
            )
        try:
            restored = backup.restore_archive(
                Path(archive),
                media_root=Path(settings.MEDIA_ROOT),
                check_target=(lambda: None) if force else refuse_unless_empty,
            )
        except (backup.BackupError, DatabaseError) as exc:
            raise CommandError(f"恢复失败：{exc}") from exc
        self.stdout.write(f"已从 {archive} 恢复。")
        for line in backup.summary(restored.manifest):
            self.stdout.write(line)
        integrity = "数据库完整性检查正常，" if restored.manifest["engine"] == "sqlite" else ""
        self.stdout.write(
            f"检查通过：{integrity}{len(restored.counts)} 张表的行数都与备份清单一致；"
            f"{restored.media_files} 个上传文件已放回 {settings.MEDIA_ROOT}，校验一致。"
        )
        self.stdout.write(
            "下一步：运行 python manage.py migrate（代码比备份新时需要），再启动网站。"
        )


def refuse_unless_empty() -> None:
    """An installation with a school is never written over without --force."""
    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
        return
    if School._meta.db_table not in connection.introspection.table_names():
        return
    if School.objects.exists():
        raise backup.BackupError(
            "本机数据库里已经有学校的数据，恢复会覆盖它们，所以没有恢复。"
            "请恢复到一套空的安装（新的 SQLITE_PATH 或新建的数据库）；"
            "确实要覆盖时，先为现有数据做一份备份，再加 --force。"
        )
