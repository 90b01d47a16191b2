"""Real files for attachment tests, made by Pillow (a PNG and a JPEG with a GPS position)."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image


def png_upload(name: str = "visit.png", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg_with_gps(
    name: str = "photo.jpg", size: tuple[int, int] = (3000, 2000)
) -> SimpleUploadedFile:
    """A phone photo: large, and its EXIF says where it was taken."""
    image = Image.new("RGB", size, (30, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (34.0, 30.0, 0.0)
    gps[3] = "E"
    gps[4] = (105.0, 40.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf_upload(name: str = "letter.pdf") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (255, 255, 255)).save(buffer, "PDF")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def png_header_only(name: str, width: int, height: int) -> SimpleUploadedFile:
    """A small PNG whose header claims a huge image (a decompression bomb's first bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile(name, data, content_type="image/png")


def reencoding_depths(monkeypatch, services) -> tuple[int, list[int]]:
    """Spy on the services module's reencoded_photo: how many transactions are open now (the
    test's own) and a list that each call appends the number open when it ran, which is the
    same when a photo is re-encoded before the write's transaction begins."""
    depths: list[int] = []
    reencode = services.reencoded_photo

    def spied(upload, content_type):
        depths.append(len(connection.atomic_blocks))
        return reencode(upload, content_type)

    monkeypatch.setattr(services, "reencoded_photo", spied)
    return len(connection.atomic_blocks), depths
