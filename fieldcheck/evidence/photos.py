"""Photo ingest: check an uploaded photo, read its facts, render safe display copies.

``ingest_photo(data)`` returns ``PhotoFacts`` or raises ``PhotoRejected``; no other exception
escapes. The original bytes are never changed: the caller stores them as they came (they are
the evidence) and should serve them only as downloads (``Content-Disposition: attachment``,
``X-Content-Type-Options: nosniff``), since a valid JPEG can carry an HTML payload after its
end. Browsers are shown ``display_jpeg`` / ``thumb_jpeg``, which carry no metadata at all (no
EXIF, GPS, XMP, comment, ICC). They are re-encoded from pixels, except that a small upright sRGB
JPEG (the page's 1600 px copy) is its own display copy, its metadata segments and any trailing
bytes cut out losslessly: the issue asks to keep the client's copy, and it saves a re-encode.

Accepted: JPEG, PNG, WebP, HEIC/HEIF, decided from the content, never from a file name.

Rejection codes (``PhotoRejected.code``), stable: the web layer translates them.
- ``empty``: zero bytes.
- ``too_large``: more bytes than ``max_bytes``.
- ``not_an_image``: not an image at all (HTML, PDF, ZIP, video, random bytes, ...).
- ``unsupported_format``: an image format not accepted (GIF, SVG, BMP, TIFF, AVIF, ...).
- ``too_many_pixels``: declared width x height above ``max_pixels`` (checked before decoding).
- ``truncated``: the file ends before the image data does (interrupted upload).
- ``corrupt``: looks like an accepted format but cannot be decoded.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass, field
from datetime import datetime

import pillow_heif
from PIL import Image

from fieldcheck.evidence.exif import ExifFacts, read_exif
from fieldcheck.evidence.imaging import (
    dhash,
    encode_jpeg,
    shrink,
    strip_jpeg,
    swaps_axes,
    to_display_rgb,
    upright,
)

pillow_heif.register_heif_opener()  # idempotent; adds the "HEIF" plugin to Pillow's registry

REJECTION_CODES: frozenset[str] = frozenset(
    {
        "empty",
        "too_large",
        "not_an_image",
        "unsupported_format",
        "too_many_pixels",
        "truncated",
        "corrupt",
    }
)
DISPLAY_LONG_EDGE = 1600
THUMB_LONG_EDGE = 320
JPEG_QUALITY = 80
# A small upright JPEG (the page's 1600 px copy) becomes the display copy as it is, minus its
# metadata, unless it is heavier than this: then re-encoding saves the reviewers' bandwidth.
KEEP_DISPLAY_MAX_BYTES = 512 * 1024

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heif"}
# Pillow format names each accepted type may open as (a multi-picture JPEG opens as "MPO").
_PIL_FORMATS = {"JPEG": ("JPEG", "MPO"), "PNG": ("PNG",), "WEBP": ("WEBP",), "HEIF": ("HEIF",)}
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_BRANDS = _HEIC_BRANDS | {b"mif1", b"msf1"}
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
# Signatures of image formats that are recognised but not accepted.
_OTHER_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL ", "JPEG XL"),
    (b"qoif", "QOI"),
    (b"DDS ", "DDS"),
)


class PhotoRejected(Exception):
    """The upload is not an acceptable photo; ``code`` is stable, ``detail`` is for logs."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code, detail)  # both in args, so the exception pickles (task queues)
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(frozen=True)
class PhotoFacts:
    """What ingest learned about one photo; width/height are upright (after orientation)."""

    sha256: str
    size_bytes: int
    format: str
    mime: str
    width: int
    height: int
    orientation: int | None
    taken_at: datetime | None
    taken_at_offset: str | None
    gps_lat: float | None
    gps_lon: float | None
    camera_make: str | None
    camera_model: str | None
    phash: str
    # Kept out of repr so logging a PhotoFacts does not dump image bytes.
    display_jpeg: bytes = field(repr=False)
    thumb_jpeg: bytes = field(repr=False)


def ingest_photo(
    data: bytes, *, max_bytes: int = 25 * 1024 * 1024, max_pixels: int = 40_000_000
) -> PhotoFacts:
    """Validate and decode one uploaded photo; raise PhotoRejected if it is not acceptable."""
    if not data:
        raise PhotoRejected("empty", "no bytes")
    if len(data) > max_bytes:
        raise PhotoRejected("too_large", f"{len(data)} bytes > {max_bytes}")
    kind = sniff_format(data)
    try:
        img = Image.open(io.BytesIO(data), formats=list(_PIL_FORMATS[kind]))
    except Image.DecompressionBombError as exc:  # Pillow's global limit is an outer bound
        raise PhotoRejected("too_many_pixels", str(exc)) from exc
    except Exception as exc:
        raise _decode_error(exc, f"cannot open as {kind}") from exc
    with img:
        if img.format not in _PIL_FORMATS[kind]:
            raise PhotoRejected("corrupt", f"sniffed {kind}, Pillow read {img.format}")
        return _ingest_open(img, data, kind, max_pixels)


def sniff_format(data: bytes) -> str:
    """The accepted format ("JPEG", "PNG", "WEBP", "HEIF") the bytes start as, else reject."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        brands = _ftyp_brands(data)
        if brands & _HEIF_BRANDS and not (brands & _AVIF_BRANDS and not brands & _HEIC_BRANDS):
            return "HEIF"
        if brands & _AVIF_BRANDS:
            raise PhotoRejected("unsupported_format", "AVIF")
        raise PhotoRejected("not_an_image", f"ISO media with brands {sorted(brands)!r}")
    for magic, name in _OTHER_IMAGES:
        if head.startswith(magic):
            raise PhotoRejected("unsupported_format", name)
    if _looks_like_svg(data):
        raise PhotoRejected("unsupported_format", "SVG")
    raise PhotoRejected("not_an_image", f"unknown content starting {head[:8]!r}")


def _ingest_open(img: Image.Image, data: bytes, kind: str, max_pixels: int) -> PhotoFacts:
    width, height = img.size  # declared in the header; nothing decoded yet
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise PhotoRejected("too_many_pixels", f"{width}x{height} > {max_pixels} pixels")
    # JPEG EXIF sits in the header, so it can decide how to decode; other formats may keep
    # it after the pixels (PNG eXIf), so they are read once the image is loaded.
    early = read_exif(img) if kind == "JPEG" else None
    kept = _kept_display(img, data, early) if early is not None else None
    try:
        if kind == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale, still at least the size we need.
            # Scaled decoding still reads the whole entropy-coded stream: truncation is caught.
            _draft(img, THUMB_LONG_EDGE if kept is not None else DISPLAY_LONG_EDGE)
        img.load()  # decode everything once: truncation and corruption show up here
    except Image.DecompressionBombError as exc:
        raise PhotoRejected("too_many_pixels", str(exc)) from exc
    except Exception as exc:
        raise _decode_error(exc, f"cannot decode {kind}") from exc

    meta = early if early is not None else read_exif(img)
    # pillow_heif applies the HEIF rotation itself and resets EXIF orientation to 1,
    # keeping what the file said here.
    original = img.info.get("original_orientation") if kind == "HEIF" else meta.orientation
    orientation = original if isinstance(original, int) and 1 <= original <= 8 else None
    if swaps_axes(meta.orientation):
        width, height = height, width
    try:
        if kept is not None:  # img is upright sRGB, decoded at about thumbnail size
            display_jpeg = kept
            thumb = to_display_rgb(img, THUMB_LONG_EDGE)
        else:
            display = to_display_rgb(upright(img, meta.orientation), DISPLAY_LONG_EDGE)
            thumb = shrink(display, THUMB_LONG_EDGE)
            display_jpeg = encode_jpeg(display, JPEG_QUALITY)
        thumb_jpeg = encode_jpeg(thumb, JPEG_QUALITY)
        phash = dhash(thumb)  # thumb is a downscale of display: same 9x8 hash, far cheaper
    except Exception as exc:  # decoded but unrenderable pixels (exotic mode or profile)
        raise PhotoRejected("corrupt", f"cannot render {kind}: {exc}") from exc

    return PhotoFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        format=kind,
        mime=_heif_mime(data) if kind == "HEIF" else _MIME[kind],
        width=width,
        height=height,
        orientation=orientation,
        taken_at=meta.taken_at,
        taken_at_offset=meta.taken_at_offset,
        gps_lat=meta.gps_lat,
        gps_lon=meta.gps_lon,
        camera_make=meta.camera_make,
        camera_model=meta.camera_model,
        phash=phash,
        display_jpeg=display_jpeg,
        thumb_jpeg=thumb_jpeg,
    )


def _kept_display(img: Image.Image, data: bytes, meta: ExifFacts) -> bytes | None:
    """The upload itself, stripped of metadata, when it can serve as the display copy as is."""
    if (
        img.format != "JPEG"  # not MPO: its second picture would be cut anyway, keep it simple
        or img.mode != "RGB"  # CMYK needs converting; grayscale stays out for a uniform output
        or max(img.size) > DISPLAY_LONG_EDGE
        or meta.orientation not in (None, 1)
        or img.info.get("icc_profile")  # colours must be converted to sRGB
        or len(data) > KEEP_DISPLAY_MAX_BYTES + 64 * 1024  # headroom for the metadata dropped
    ):
        return None
    stripped = strip_jpeg(data)
    if stripped is None or len(stripped) > KEEP_DISPLAY_MAX_BYTES:
        return None
    return stripped


def _draft(img: Image.Image, long_edge: int) -> None:
    width, height = img.size
    if max(width, height) > long_edge:
        scale = long_edge / max(width, height)
        img.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))


def _decode_error(exc: Exception, context: str) -> PhotoRejected:
    """Classify a Pillow/libheif failure: an early end of data is 'truncated', else 'corrupt'."""
    message = str(exc)
    lowered = message.lower()
    if isinstance(exc, EOFError) or "truncat" in lowered or "end of" in lowered:
        return PhotoRejected("truncated", f"{context}: {message}")
    return PhotoRejected("corrupt", f"{context}: {type(exc).__name__}: {message}")


def _ftyp_brands(data: bytes) -> set[bytes]:
    """Major and compatible brands of an ISO-BMFF 'ftyp' box (HEIF, AVIF, MP4, ...)."""
    (box_size,) = struct.unpack(">I", data[:4])
    box = data[8 : min(max(box_size, 16), 4096)]  # bounded: the box size is attacker input
    brands = {box[0:4]}
    brands.update(box[i : i + 4] for i in range(8, len(box) - 3, 4))
    return brands


def _heif_mime(data: bytes) -> str:
    return "image/heic" if _ftyp_brands(data) & _HEIC_BRANDS else "image/heif"


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg"):
        return True
    return head.startswith((b"<?xml", b"<!doctype svg", b"<!--")) and b"<svg" in head
