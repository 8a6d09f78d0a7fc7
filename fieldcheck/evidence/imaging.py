"""Pixel work for photo ingest: orientation, colour normalisation, dHash, clean JPEG output.

Pillow only. Inputs are decoded Pillow images; outputs are new images or bytes that carry no
metadata from the upload (no EXIF, GPS, XMP, comments, ICC): the derived copies are what
browsers show, so nothing the uploader wrote may ride along in them.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageCms

# EXIF orientation -> the transpose that makes the pixels upright (EXIF spec, TIFF 6.0).
_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_AXES = frozenset({5, 6, 7, 8})
_HIGH_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})
_WHITE = (255, 255, 255)


def swaps_axes(orientation: int | None) -> bool:
    """True when this EXIF orientation turns width into height."""
    return orientation in _SWAPS_AXES


def upright(img: Image.Image, orientation: int | None) -> Image.Image:
    """Apply an EXIF orientation; done by hand so broken EXIF is never re-serialised."""
    method = _TRANSPOSE.get(orientation or 1)
    return img.transpose(method) if method is not None else img


def to_display_rgb(img: Image.Image, long_edge: int) -> Image.Image:
    """An sRGB 'RGB' image no larger than long_edge, from any decoded mode (img is not changed)."""
    work = _to_resizable(img)
    # Resize before colour management so the ICC transform runs on fewer pixels.
    work = shrink(work, long_edge)
    work = _flatten_alpha(work)
    work = _to_srgb(work, img.info.get("icc_profile"))
    if work.mode != "RGB":
        work = work.convert("RGB")
    return work


def shrink(img: Image.Image, long_edge: int) -> Image.Image:
    """The image scaled down (never up) to fit long_edge; a new image only when resized."""
    width, height = img.size
    scale = long_edge / max(width, height)
    if scale >= 1:
        return img
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # reducing_gap lets Pillow shrink by whole factors first: much faster, same look.
    # Pillow's BILINEAR is antialiased when shrinking; after the JPEG draft decode the remaining
    # factor is under 2, where it looks like BICUBIC and LANCZOS at a fraction of their cost
    # (resizing was the largest step of a phone photo's ingest; see bench/ingest_benchmark.py).
    return img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def dhash(img: Image.Image) -> str:
    """64-bit difference hash as 16 hex chars: each bit says 'left pixel brighter than right'."""
    small = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    px = small.load()
    assert px is not None
    bits = 0
    for y in range(8):
        for x in range(8):
            bits = (bits << 1) | int(px[x, y] > px[x + 1, y])  # type: ignore[operator]
    return f"{bits:016x}"


def encode_jpeg(img: Image.Image, quality: int = 80) -> bytes:
    """Baseline JPEG bytes without any metadata."""
    # Pillow copies some metadata (e.g. the JPEG comment) from img.info by default; a clean
    # copy with empty info guarantees nothing from the upload is written.
    clean = img.copy()
    clean.info = {}
    buf = io.BytesIO()
    clean.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def strip_jpeg(data: bytes) -> bytes | None:
    """The same JPEG with every APPn and comment segment and any trailing bytes removed.

    Pixels are untouched (no re-encoding): quantisation, Huffman tables, frame and scans are
    copied byte for byte, and a JFIF header, if the file had one, is replaced by a bare one.
    The Adobe segment (a fixed-size colour-transform flag, no free text) is kept. Returns None
    unless the file is a plain 8-bit Huffman JPEG that browsers show as is (arithmetic coding,
    12-bit, lossless and odd markers give None), or if its structure is not as expected.
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    kept: list[bytes] = []
    had_jfif = False
    pos, end = 2, len(data)
    while pos < end:
        if data[pos] != 0xFF:
            return None
        while pos < end and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= end:
            return None
        marker = data[pos]
        if marker == 0xD9:  # EOI: anything after it is dropped
            head = [b"\xff\xd8", _BARE_JFIF] if had_jfif else [b"\xff\xd8"]
            return b"".join(head + kept + [b"\xff\xd9"])
        if pos + 3 > end:
            return None
        length = int.from_bytes(data[pos + 1 : pos + 3], "big")
        segment_end = pos + 1 + length
        if length < 2 or segment_end > end:
            return None
        payload = data[pos + 3 : segment_end]
        if marker == 0xE0:
            had_jfif = had_jfif or payload.startswith(b"JFIF\x00")
        elif marker == 0xEE and payload.startswith(b"Adobe") and len(payload) == 12:
            kept.append(b"\xff" + data[pos:segment_end])  # fixed-size colour-transform flag
        elif 0xE1 <= marker <= 0xEF or marker == 0xFE:
            pass  # APP1-APP15 (EXIF, XMP, ICC, MPF, ...) and COM: metadata, dropped
        elif marker in _KEEP_MARKERS or (marker in _PLAIN_SOF and payload[:1] == b"\x08"):
            kept.append(b"\xff" + data[pos:segment_end])
        else:  # other SOFs (arithmetic, lossless, 12-bit), DNL, EXP, DHP, JPGn, stray RSTn
            return None
        pos = segment_end
        if marker == 0xDA:  # entropy-coded data runs up to the next marker that is not RSTn
            scan_end = _scan_end(data, pos)
            if scan_end is None:
                return None
            kept.append(data[pos:scan_end])
            pos = scan_end
    return None


_BARE_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
_PLAIN_SOF = frozenset({0xC0, 0xC1, 0xC2})  # baseline, extended and progressive Huffman
_KEEP_MARKERS = frozenset({0xC4, 0xDB, 0xDD, 0xDA})  # DHT, DQT, DRI, SOS


def _scan_end(data: bytes, pos: int) -> int | None:
    """Index of the 0xFF that starts the marker after a scan's entropy-coded data."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return None
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte or restart marker
            pos += 2
        elif following == 0xFF:  # fill byte: the marker starts at the last 0xFF
            pos += 1
        else:
            return pos


def _to_resizable(img: Image.Image) -> Image.Image:
    """Bring odd modes (palette, 1-bit, 16-bit) to 8-bit modes that resize well."""
    mode = img.mode
    if mode in _HIGH_BIT_MODES:
        # Pillow's I;16 -> L conversion clips at 255 instead of scaling; scale 0..65535 first.
        return img.convert("I").point(lambda v: v / 257).convert("L")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in img.info
        return img.convert("RGBA" if has_alpha else "RGB")
    if mode in ("L", "RGB") and "transparency" in img.info:
        return img.convert("LA" if mode == "L" else "RGBA")
    if mode in ("1", "F", "LAB", "HSV", "YCbCr", "RGBX", "RGBa", "La"):
        return img.convert("RGB")
    return img  # RGB, RGBA, L, LA, CMYK


def _flatten_alpha(img: Image.Image) -> Image.Image:
    """Composite transparent images on white: JPEG has no alpha, and black looks like damage."""
    if img.mode not in ("RGBA", "LA"):
        return img
    rgba = img.convert("RGBA")
    background = Image.new("RGBA", rgba.size, _WHITE + (255,))
    flat = Image.alpha_composite(background, rgba).convert("RGB")
    flat.info = dict(img.info)  # keep the ICC profile for the next step
    return flat


@lru_cache(maxsize=1)
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=16)
def _transform_to_srgb(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform:
    """The colour transform from one embedded profile, built once per process (a phone model's
    photos all carry the same profile). NOCACHE: the transform is shared by a worker's threads,
    and LittleCMS's one-pixel cache is not safe to share."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return ImageCms.buildTransform(source, _srgb_profile(), mode, "RGB", flags=ImageCms.Flags.NOCACHE)


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert from the embedded ICC profile (phones shoot Display P3, print files CMYK)."""
    if icc and img.mode in ("RGB", "CMYK", "L"):
        try:
            return ImageCms.applyTransform(img, _transform_to_srgb(icc, img.mode))
        except Exception:  # unusable or mismatched profile: plain conversion below is fine
            pass
    return img
