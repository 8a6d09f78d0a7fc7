"""Photo ingest on real phone/camera photos and on crafted hostile or odd files."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
import random
import struct
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms, ImageStat

from fieldcheck.evidence.photos import REJECTION_CODES, PhotoFacts, PhotoRejected, ingest_photo

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"


def read(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


def encode(img: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def opened(jpeg: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(jpeg))
    img.load()
    return img


def rejected(data: bytes, **kwargs: int) -> str:
    with pytest.raises(PhotoRejected) as info:
        ingest_photo(data, **kwargs)
    assert info.value.code in REJECTION_CODES and info.value.detail
    return info.value.code


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares a size but carries (almost) no pixel data."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


Rationals = list[tuple[int, int]]


def gps_exif(lat: Rationals, lat_ref: bytes, lon: Rationals, lon_ref: bytes) -> bytes:
    """Hand-built EXIF (little-endian TIFF) with only a GPS IFD, so any rational can be written."""
    gps_ifd = 8 + 2 + 12 + 4
    data_at = gps_ifd + 2 + 4 * 12 + 4
    lat_at, lon_at = data_at, data_at + 8 * len(lat)
    out = b"II*\x00" + struct.pack("<I", 8)
    out += struct.pack("<HHHII", 1, 0x8825, 4, 1, gps_ifd) + struct.pack("<I", 0)
    ref4 = lambda ref: (ref + b"\x00").ljust(4, b"\x00")  # noqa: E731 - ASCII fits inline
    out += struct.pack("<H", 4)
    out += struct.pack("<HHI", 1, 2, 2) + ref4(lat_ref)
    out += struct.pack("<HHII", 2, 5, len(lat), lat_at)
    out += struct.pack("<HHI", 3, 2, 2) + ref4(lon_ref)
    out += struct.pack("<HHII", 4, 5, len(lon), lon_at)
    out += struct.pack("<I", 0)
    out += b"".join(struct.pack("<II", n, d) for n, d in lat + lon)
    return b"Exif\x00\x00" + out


def jpeg_with_exif(exif: bytes | Image.Exif, size: tuple[int, int] = (40, 30)) -> bytes:
    return encode(Image.new("RGB", size, "gray"), "JPEG", exif=exif)


def mean_diff(a: Image.Image, b: Image.Image) -> float:
    a, b = (im.convert("L").resize((32, 32)) for im in (a, b))
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


# --- real photos --------------------------------------------------------------------------


def dms_from_raw(name: str) -> tuple[float, float]:
    """Expected decimal degrees, straight from the raw EXIF rationals."""
    with Image.open(PHOTOS / name) as img:
        gps = img.getexif().get_ifd(0x8825)

    def decimal(parts: tuple, ref: str, neg: str) -> float:
        d, m, s = (p.numerator / p.denominator for p in parts)
        value = d + m / 60 + s / 3600
        return -value if ref == neg else value

    return decimal(gps[2], gps[1], "S"), decimal(gps[4], gps[3], "W")


@pytest.mark.parametrize("name", sorted(p.name for p in PHOTOS.glob("gps_DSCN*.jpg")))
def test_nikon_gps_tuscany(name: str) -> None:
    facts = ingest_photo(read(name))
    lat, lon = dms_from_raw(name)
    assert facts.gps_lat == pytest.approx(lat, abs=1e-9)
    assert facts.gps_lon == pytest.approx(lon, abs=1e-9)
    assert 43.4 < facts.gps_lat < 43.5 and 11.8 < facts.gps_lon < 11.9
    assert (facts.camera_make, facts.camera_model) == ("NIKON", "COOLPIX P6000")
    assert facts.taken_at is not None and facts.taken_at.date() == datetime(2008, 10, 22).date()
    assert facts.taken_at_offset is None


def test_nikon_values_checked_by_hand() -> None:
    # 43° 28' 2.814" N, 11° 53' 6.456" E, taken 2008:10:22 16:28:39.
    facts = ingest_photo(read("gps_DSCN0010.jpg"))
    assert facts.gps_lat == pytest.approx(43 + 28 / 60 + 2.814 / 3600, abs=1e-7)
    assert facts.gps_lon == pytest.approx(11 + 53 / 60 + 6.456 / 3600, abs=1e-7)
    assert facts.taken_at == datetime(2008, 10, 22, 16, 28, 39)
    data = read("gps_DSCN0010.jpg")
    assert facts.sha256 == hashlib.sha256(data).hexdigest() and facts.size_bytes == len(data)
    assert (facts.format, facts.mime, facts.width, facts.height) == ("JPEG", "image/jpeg", 640, 480)


def test_nokia_phone_photo() -> None:
    facts = ingest_photo(read("phone_nokia_8_3.jpg"))
    assert (facts.width, facts.height) == (4608, 1976) and 8e6 < facts.width * facts.height < 10e6
    assert facts.gps_lat == pytest.approx(60 + 8 / 60 + 48.14 / 3600, abs=1e-7)
    assert facts.gps_lon == pytest.approx(24 + 54 / 60 + 24.38 / 3600, abs=1e-7)
    assert facts.taken_at == datetime(2022, 8, 14, 14, 12, 31)
    assert facts.taken_at_offset == "+03:00"
    assert (facts.camera_make, facts.camera_model) == ("HMD Global", "Nokia 8.3 5G")
    assert opened(facts.display_jpeg).size == (1600, 686)
    assert max(opened(facts.thumb_jpeg).size) == 320


@pytest.mark.parametrize("name", ["gps_DSCN0010.jpg", "phone_nokia_8_3.jpg", "nogps_canon_40d.jpg"])
def test_derived_copies_carry_no_metadata(name: str) -> None:
    facts = ingest_photo(read(name))
    for jpeg, limit in ((facts.display_jpeg, 1600), (facts.thumb_jpeg, 320)):
        img = opened(jpeg)
        assert img.format == "JPEG" and img.mode == "RGB"
        assert max(img.size) <= limit
        assert len(img.getexif()) == 0
        assert b"Exif" not in jpeg
        assert not {"exif", "icc_profile", "xmp", "comment"} & img.info.keys()


@pytest.mark.parametrize("kind", ["landscape", "portrait"])
@pytest.mark.parametrize("n", [1, 3, 6, 8])
def test_orientation_comes_out_upright(kind: str, n: int) -> None:
    facts = ingest_photo(read(f"orientation_{kind}_{n}.jpg"))
    assert facts.orientation == n
    display = opened(facts.display_jpeg)
    assert display.size == (facts.width, facts.height)
    assert (facts.width > facts.height) == (kind == "landscape")
    reference = opened(ingest_photo(read(f"orientation_{kind}_1.jpg")).display_jpeg)
    assert display.size == reference.size
    # The upright copy must match the reference far better than any wrong turn or flip of it
    # (the files differ a little: each shows its own orientation number).
    right = mean_diff(display, reference)
    T = Image.Transpose
    for wrong in (T.ROTATE_180, T.FLIP_LEFT_RIGHT, T.FLIP_TOP_BOTTOM):
        assert right * 1.5 < mean_diff(display.transpose(wrong), reference)


def test_heif_is_accepted() -> None:
    facts = ingest_photo(read("sample.heif"))
    assert facts.format == "HEIF" and facts.mime in ("image/heic", "image/heif")
    assert (facts.width, facts.height) == (640, 426)
    assert opened(facts.display_jpeg).size == (640, 426)


def test_heif_rotation_applied_once() -> None:
    img = Image.new("RGB", (64, 32), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 32, 32))  # blue left half: upright, it must be on top
    exif = Image.Exif()
    exif[0x0112] = 6
    try:
        data = encode(img, "HEIF", exif=exif.tobytes(), quality=95)
    except Exception as exc:  # libheif built without an HEVC encoder
        pytest.skip(f"cannot encode HEIF here: {exc}")
    facts = ingest_photo(data)
    assert (facts.width, facts.height, facts.orientation) == (32, 64, 6)
    display = opened(facts.display_jpeg).convert("RGB")
    assert display.getpixel((16, 8))[2] > 200 and display.getpixel((16, 56))[0] > 200


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow reports the broken EXIF it skips
@pytest.mark.parametrize("name", sorted(p.name for p in PHOTOS.glob("invalid_exif_*.jpg")))
def test_broken_exif_is_tolerated(name: str) -> None:
    facts = ingest_photo(read(name))
    with Image.open(PHOTOS / name) as img:
        assert (facts.width, facts.height) == img.size
    assert len(facts.phash) == 16 and opened(facts.display_jpeg).size == (facts.width, facts.height)


def test_canon_without_gps() -> None:
    facts = ingest_photo(read("nogps_canon_40d.jpg"))
    assert facts.gps_lat is None and facts.gps_lon is None
    assert facts.camera_make == "Canon" and facts.camera_model == "Canon EOS 40D"
    assert facts.taken_at == datetime(2008, 5, 30, 15, 56, 1)


def test_phash_finds_near_duplicates() -> None:
    first = ingest_photo(read("gps_DSCN0010.jpg"))
    again = ingest_photo(first.display_jpeg)  # re-encoded copy of the same photo
    other = ingest_photo(read("phone_nokia_8_3.jpg"))
    distance = lambda a, b: bin(int(a.phash, 16) ^ int(b.phash, 16)).count("1")  # noqa: E731
    assert all(c in "0123456789abcdef" for c in first.phash) and len(first.phash) == 16
    assert distance(first, again) <= 4 < 16 <= distance(first, other)


def test_rejection_pickles_and_reads_well() -> None:
    exc = pickle.loads(pickle.dumps(PhotoRejected("truncated", "ends early")))
    assert (exc.code, exc.detail, str(exc)) == ("truncated", "ends early", "truncated: ends early")


def test_facts_are_frozen_and_repr_is_short() -> None:
    facts = ingest_photo(read("nogps_canon_40d.jpg"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.width = 1  # type: ignore[misc]
    assert isinstance(facts, PhotoFacts) and len(repr(facts)) < 1000


# --- crafted EXIF -------------------------------------------------------------------------

DMS = [(43, 1), (28, 1), (2814, 1000)]


@pytest.mark.parametrize(
    ("lat", "lat_ref", "lon", "lon_ref", "expected"),
    [
        (DMS, b"S", DMS, b"W", (-43.467448, -43.467448)),
        ([(43, 1), (28, 0), (1, 1)], b"N", DMS, b"E", None),  # zero denominator
        ([(95, 1), (0, 1), (0, 1)], b"N", DMS, b"E", None),  # latitude above 90
        (DMS, b"N", [(200, 1), (0, 1), (0, 1)], b"E", None),  # longitude above 180
        (DMS, b"N", [(11, 1), (75, 1), (0, 1)], b"E", None),  # 75 minutes
        (DMS, b"X", DMS, b"E", None),  # no valid hemisphere
        ([(0, 1), (0, 1), (0, 1)], b"N", [(0, 1), (0, 1), (0, 1)], b"E", None),  # "no fix"
    ],
)
def test_crafted_gps(
    lat: Rationals, lat_ref: bytes, lon: Rationals, lon_ref: bytes, expected: tuple | None
) -> None:
    facts = ingest_photo(jpeg_with_exif(gps_exif(lat, lat_ref, lon, lon_ref)))
    if expected is None:
        assert facts.gps_lat is None and facts.gps_lon is None
    else:
        assert (facts.gps_lat, facts.gps_lon) == pytest.approx(expected, abs=1e-6)


def test_crafted_time_camera_and_bad_orientation() -> None:
    exif = Image.Exif()
    exif[0x010F] = "  Xiaomi \x00"
    exif[0x0112] = 9  # not an orientation: ignored, pixels left as they are
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2025:06:01 09:30:00"
    sub[0x9011] = "+0800"
    facts = ingest_photo(jpeg_with_exif(exif))
    assert facts.camera_make == "Xiaomi" and facts.camera_model is None
    assert facts.orientation is None and (facts.width, facts.height) == (40, 30)
    assert (facts.taken_at, facts.taken_at_offset) == (datetime(2025, 6, 1, 9, 30), "+08:00")
    sub[0x9003] = "0000:00:00 00:00:00"
    assert ingest_photo(jpeg_with_exif(exif)).taken_at is None


# --- odd but acceptable files -------------------------------------------------------------


def test_html_after_jpeg_never_reaches_viewers() -> None:
    payload = b"<html><script>alert('x')</script></html>"
    appended = read("gps_DSCN0010.jpg") + payload
    in_comment = encode(Image.new("RGB", (50, 40)), "JPEG", comment=payload)
    for data in (appended, in_comment):
        facts = ingest_photo(data)
        assert payload in data and facts.sha256 == hashlib.sha256(data).hexdigest()
        assert b"<script" not in facts.display_jpeg and b"<script" not in facts.thumb_jpeg


def test_cmyk_jpeg() -> None:
    facts = ingest_photo(encode(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG"))
    r, g, b = opened(facts.display_jpeg).getpixel((32, 24))
    assert r > 200 and g < 80 and b < 80  # cyan-free, full magenta + yellow = red


def test_16bit_png_is_scaled_not_clipped() -> None:
    facts = ingest_photo(encode(Image.new("I;16", (64, 48), 128 * 257), "PNG"))
    assert facts.format == "PNG" and facts.mime == "image/png"
    assert all(abs(v - 128) <= 3 for v in opened(facts.display_jpeg).getpixel((32, 24)))


def test_rgba_and_palette_transparency_become_white() -> None:
    rgba = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (32, 0, 64, 48))
    palette = rgba.convert("P")
    for img, kwargs in ((rgba, {}), (palette, {"transparency": palette.getpixel((0, 0))})):
        display = opened(ingest_photo(encode(img, "PNG", **kwargs)).display_jpeg)
        assert min(display.getpixel((8, 24))) > 240
        assert display.getpixel((56, 24))[2] > 200 and display.getpixel((56, 24))[0] < 60


def test_animated_webp_uses_first_frame() -> None:
    frames = [Image.new("RGB", (64, 48), color) for color in ((255, 0, 0), (0, 0, 255))]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2
    facts = ingest_photo(data)
    assert (facts.format, facts.mime) == ("WEBP", "image/webp")
    r, g, b = opened(facts.display_jpeg).getpixel((32, 24))
    assert r > 200 and b < 60


def test_icc_profiles_are_applied_or_ignored_never_copied() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for icc in (srgb, b"not a profile"):
        green = Image.new("RGB", (40, 30), (10, 200, 30))
        facts = ingest_photo(encode(green, "JPEG", icc_profile=icc))
        display = opened(facts.display_jpeg)
        assert "icc_profile" not in display.info
        assert display.getpixel((20, 15))[1] > 170


# --- rejected files -----------------------------------------------------------------------


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("photo.jpg", read("nogps_canon_40d.jpg"))
    return buf.getvalue()


def _jpeg_declaring(width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF) is patched to claim another size."""
    data = bytearray(read("nogps_canon_40d.jpg"))
    pos = 2
    while data[pos + 1] not in (0xC0, 0xC1, 0xC2):  # walk the marker segments up to the SOF
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    data[pos + 5 : pos + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (read("gps_DSCN0010.jpg")[: len(read("gps_DSCN0010.jpg")) // 2], "truncated"),
        (png_header_only(50000, 50000), "too_many_pixels"),  # beyond Pillow's own bomb limit
        (png_header_only(8000, 6000), "too_many_pixels"),  # 48 MP: only our limit catches it
        (_jpeg_declaring(10000, 5000), "too_many_pixels"),
        (encode(Image.new("RGB", (8, 8)), "GIF"), "unsupported_format"),
        (encode(Image.new("RGB", (8, 8)), "BMP"), "unsupported_format"),
        (encode(Image.new("RGB", (8, 8)), "TIFF"), "unsupported_format"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "unsupported_format"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "unsupported_format"),
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "not_an_image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "not_an_image"),
        (_zip(), "not_an_image"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "not_an_image"),  # MP4 video
        (bytes(range(256)) * 4, "not_an_image"),
        (b"\xff\xd8\xff" + b"\x00garbage" * 50, "corrupt"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_rejected(data: bytes, code: str) -> None:
    assert rejected(data) == code


def test_bomb_png_is_tiny_and_global_limit_untouched() -> None:
    before = Image.MAX_IMAGE_PIXELS
    assert len(png_header_only(50000, 50000)) < 100
    assert rejected(read("phone_nokia_8_3.jpg"), max_pixels=1_000_000) == "too_many_pixels"
    assert Image.MAX_IMAGE_PIXELS == before


def test_too_large() -> None:
    data = read("gps_DSCN0010.jpg")
    assert rejected(data, max_bytes=len(data) - 1) == "too_large"
    assert ingest_photo(data, max_bytes=len(data)).size_bytes == len(data)
    assert rejected(b"\xff\xd8\xff" + bytes(25 * 1024 * 1024)) == "too_large"


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", ["nogps_canon_40d.jpg", "sample.heif"])
def test_damaged_files_never_escape_as_other_errors(name: str) -> None:
    """Random byte damage and cuts give PhotoFacts or PhotoRejected, nothing else."""
    original = read(name)
    rng = random.Random(name)
    samples = [original[:cut] for cut in range(0, len(original), max(1, len(original) // 40))]
    for _ in range(120):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        samples.append(bytes(damaged))
    for data in samples:
        try:
            ingest_photo(data)
        except PhotoRejected as exc:
            assert exc.code in REJECTION_CODES
