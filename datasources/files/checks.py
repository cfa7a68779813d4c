"""What an uploaded file is, decided from its bytes (never its name), and the photos made
safe to keep: GPS location removed, orientation kept.

* Type by magic bytes: JPEG (FF D8 FF), PNG (89 PNG \\r\\n 1A \\n), WebP (RIFF....WEBP), PDF
  (%PDF-), XLSX (a ZIP holding `[Content_Types].xml` and `xl/workbook.xml`). CSV has no magic:
  text in UTF-8 or GB18030 (or with a UTF-8/UTF-16 byte-order mark) without NUL bytes.
* An image must decode completely with Pillow, within `max_pixels` (decompression bombs).
* A photo's EXIF GPS block (IFD 0x8825) and its XMP packet (which may repeat the position)
  are removed; the rest of the EXIF stays, Orientation included, so viewers still turn the
  photo the right way. A JPEG is re-encoded with its own quantisation tables
  (`quality="keep"`), so it loses nothing visible.
"""

from __future__ import annotations

import codecs
import io
import warnings
import zipfile
from dataclasses import dataclass
from enum import Enum

from PIL import Image, ImageFile

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

IMAGES = frozenset({JPEG, PNG, WEBP})
# Evidence of a service (服务照片, 佐证材料): photos, or a scanned PDF.
EVIDENCE = frozenset({JPEG, PNG, WEBP, PDF})
# Master-data import files (批量导入).
SPREADSHEETS = frozenset({CSV, XLSX})

EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp", PDF: "pdf", CSV: "csv", XLSX: "xlsx"}
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
GPS_IFD = 0x8825


class Problem(Enum):
    TYPE_NOT_ALLOWED = "type"
    BROKEN = "broken"


class FileRefused(Exception):
    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed: the bytes to store (GPS removed from photos) and their type."""

    data: bytes
    content_type: str
    file_name: str


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, of those the hub accepts; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return XLSX if _is_xlsx(data) else None
    return CSV if _is_text(data) else None


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _is_text(data: bytes) -> bool:
    if not data:
        return False
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return False
            return "\x00" not in text
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def check(data: bytes, file_name: str, allowed: frozenset[str], *, max_pixels: int) -> CheckedFile:
    """The upload as it will be stored, or `FileRefused`."""
    content_type = sniff(data)
    if content_type not in allowed:
        found = content_type or "unknown"
        raise FileRefused(
            Problem.TYPE_NOT_ALLOWED,
            f"文件“{file_name[:60]}”的内容类型（{found}）不在允许之列。"
            f"Allowed here: {', '.join(sorted(allowed))}; the content was {found}.",
        )
    if content_type in IMAGES:
        data = _safe_image(data, content_type, file_name, max_pixels)
    return CheckedFile(data, content_type, file_name)


def _safe_image(data: bytes, content_type: str, file_name: str, max_pixels: int) -> bytes:
    """The photo decoded in full, re-saved without its GPS block and XMP packet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise FileRefused(
                        Problem.BROKEN,
                        f"图片“{file_name[:60]}”尺寸过大。The image is {width}x{height} "
                        f"pixels, more than the limit of {max_pixels:,}.",
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                return _without_location(image, content_type)
    except FileRefused:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, EOFError) as exc:  # fmt: skip
        raise FileRefused(
            Problem.BROKEN,
            f"图片“{file_name[:60]}”无法解码。The image does not decode: {exc}.",
        ) from exc


def _without_location(image: Image.Image, content_type: str) -> bytes:
    exif = image.getexif()
    if GPS_IFD in exif:
        del exif[GPS_IFD]
    image.info.pop("xmp", None)
    image.info.pop("XML:com.adobe.xmp", None)
    options: dict[str, object] = {"exif": exif.tobytes()} if len(exif) else {}
    if content_type == JPEG:
        options["quality"] = "keep"
        options["subsampling"] = "keep"
        if "icc_profile" in image.info:
            options["icc_profile"] = image.info["icc_profile"]
    elif content_type == WEBP:
        options["lossless"] = bool(image.info.get("lossless", False))
        options["quality"] = 90
    out = io.BytesIO()
    image.save(out, format=_PILLOW_FORMATS[content_type], **options)
    return out.getvalue()


# A truncated image is an error, never half a photo.
ImageFile.LOAD_TRUNCATED_IMAGES = False
