from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from caresys.lib import backup


class Command(BaseCommand):
    help = (
        "Write a dated, verified archive of the database and the uploaded files, keeping the "
        "newest CARESYS_BACKUP_KEEP. Safe while the site runs. 备份数据库和上传的文件。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "directory", nargs="?", help="where to write it (default: CARESYS_BACKUP_DIR)"
        )

    def handle(self, *args, directory: str | None, **options) -> None:
        try:
            written = backup.create_backup(
                Path(directory or settings.CARESYS_BACKUP_DIR),
                keep=settings.CARESYS_BACKUP_KEEP,
                media_root=Path(settings.MEDIA_ROOT),
            )
        except backup.BackupError as exc:
            raise CommandError(f"备份失败，没有写出备份文件：{exc}") from exc
        manifest = written.manifest
        self.stdout.write(f"备份完成：{written.path}（{backup.human_size(written.size)}）")
        for line in backup.summary(manifest):
            self.stdout.write(line)
        self.stdout.write(
            f"已校验：重新打开备份文件，其中 {len(manifest['files'])} 个文件（数据库和上传文件）的 "
            "SHA-256 都与清单一致，数据库副本的完整性检查通过。"
        )
        kept = f"保留最新的 {settings.CARESYS_BACKUP_KEEP} 份备份"
        if written.removed:
            names = "、".join(path.name for path in written.removed)
            self.stdout.write(f"{kept}，已删除较早的 {len(written.removed)} 份：{names}")
        else:
            self.stdout.write(f"{kept}，没有需要删除的旧备份。")
