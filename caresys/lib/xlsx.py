"""Spreadsheet downloads: a workbook written to a temporary file and streamed from it."""

import tempfile
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(write: Callable[[IO[bytes]], Any], filename: str) -> tuple[FileResponse, Any]:
    """(a download of what `write` puts in the file, what `write` returned).

    The file is on disk, not in memory, and is deleted when the response has been sent.
    """
    file = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        result = write(file)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response, result
