"""A corpus of bad and odd files posted to /api/photos: each accepted or refused clearly.

Never a 500, every refusal a JSON message in Chinese, and afterwards the upload folder holds
exactly the accepted originals (content-addressed) with their display copies and thumbnails.
"""

from __future__ import annotations

import functools
import hashlib
import io
import random
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from helpers import csrf_token, login
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from story import FIXTURES, build_world

PHOTOS = FIXTURES / "photos"
CJK = re.compile(r"[\u4e00-\u9fff]")
MB = 1024 * 1024
ACCEPT = "accepted"
BROKEN = frozenset({"photo_truncated", "photo_corrupt"})


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: str | frozenset[str]  # ACCEPT, or the refusal code(s) allowed
    filename: str = "photo.jpg"


def encode(img: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def picture(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """A small image with some structure (two colours), so it is not a flat field."""
    img = Image.new(mode, size, "white" if mode != "I;16" else 40000)
    if mode != "I;16":
        img.paste("blue" if mode in ("RGB", "RGBA") else "black", (0, 0, size[0] // 2, size[1]))
    return img


def with_gps(lat: tuple, lon: tuple, lat_ref: str = "N", lon_ref: str = "E") -> bytes:
    """A JPEG whose EXIF GPS IFD is written by Pillow (any rational, even n/0)."""
    img = picture()
    exif = img.getexif()
    exif.get_ifd(0x8825).update({1: lat_ref, 2: lat, 3: lon_ref, 4: lon})
    return encode(img, "JPEG", exif=exif)


def rotated_6() -> bytes:
    img = picture((64, 32))
    exif = img.getexif()
    exif[0x0112] = 6
    return encode(img, "JPEG", exif=exif)


def png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        import zlib

        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"x\x9c\x03\x00\x00\x00\x00\x01") + chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF) is patched to claim another size."""
    data = bytearray((PHOTOS / "nogps_canon_40d.jpg").read_bytes())
    pos = 2
    while data[pos + 1] not in (0xC0, 0xC1, 0xC2):
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    data[pos + 5 : pos + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def zip_of_photo() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("photo.jpg", (PHOTOS / "gps_DSCN0010.jpg").read_bytes())
    return buf.getvalue()


def damaged_png() -> bytes:
    data = bytearray(encode(picture((200, 150)), "PNG"))
    idat = data.index(b"IDAT")
    for i in range(idat + 10, idat + 40):
        data[i] ^= 0x5A
    return bytes(data)


@functools.lru_cache(maxsize=2)
def client_copy(progressive: bool = False) -> bytes:
    """What the examiner's page uploads: the phone photo at 1600 px, quality 80, EXIF kept."""
    with Image.open(PHOTOS / "phone_nokia_8_3.jpg") as original:
        exif = original.getexif()
        small = original.copy()
    small.thumbnail((1600, 1600))
    return encode(small, "JPEG", quality=80, exif=exif, progressive=progressive, comment=b"<html>x</html>")


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (64, 48), c) for c in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True, duration=100)


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[Case, ...]:
    gps_jpeg = (PHOTOS / "gps_DSCN0010.jpg").read_bytes()
    phone = (PHOTOS / "phone_nokia_8_3.jpg").read_bytes()
    heif = (PHOTOS / "sample.heif").read_bytes()
    webp = encode(picture((300, 200)), "WEBP", quality=80)
    noise = Image.frombytes("RGB", (1200, 1200), random.Random(1).randbytes(1200 * 1200 * 3))
    rgba = picture(mode="RGBA")
    rgba.putalpha(128)
    cases = [
        Case("zero bytes", b"", "photo_empty"),
        Case("no file chosen", b"", "photo_empty", filename=""),
        Case("truncated JPEG", gps_jpeg[: len(gps_jpeg) // 2], "photo_truncated"),
        Case("JPEG cut after the headers", gps_jpeg[:2000], BROKEN),
        Case("truncated WebP", webp[: len(webp) // 2], BROKEN),
        Case("truncated HEIF", heif[: len(heif) // 2], BROKEN),
        # JPEGs decoded at reduced scale (draft) must still be read to their end
        Case("truncated 9 MP phone photo", phone[: len(phone) * 9 // 10], "photo_truncated"),
        Case("phone photo without its last 2 bytes", phone[:-2], "photo_truncated"),
        Case("truncated client copy", client_copy()[: len(client_copy()) * 19 // 20], "photo_truncated"),
        Case("progressive client copy cut short", client_copy(True)[:-40], "photo_truncated"),
        Case("PNG declaring 50000x50000", png_header_only(50000, 50000), "photo_too_many_pixels"),
        Case("JPEG declaring 10000x5000", jpeg_declaring(10000, 5000), "photo_too_many_pixels"),
        Case("GIF renamed .jpg", encode(picture(mode="RGB"), "GIF"), "photo_unsupported_format"),
        Case("SVG renamed .jpg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
             b'width="10" height="10"><script>alert(1)</script></svg>', "photo_unsupported_format"),
        Case("HTML renamed .jpg", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
             "photo_not_an_image"),
        Case("PDF renamed .jpg", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n",
             "photo_not_an_image"),
        Case("ZIP renamed .jpg", zip_of_photo(), "photo_not_an_image"),
        Case("MP4 renamed .jpg", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(64),
             "photo_not_an_image"),
        Case("AVIF", b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64),
             "photo_unsupported_format"),
        Case("BMP", encode(picture(), "BMP"), "photo_unsupported_format"),
        Case("TIFF", encode(picture(), "TIFF"), "photo_unsupported_format"),
        Case("ELF executable", b"\x7fELF\x02\x01\x01" + bytes(200), "photo_not_an_image"),
        Case("Chinese text", "这不是照片。\n".encode() * 20, "photo_not_an_image"),
        Case("random bytes", random.Random(7).randbytes(8192), "photo_not_an_image"),
        Case("JPEG magic then garbage", b"\xff\xd8\xff" + b"\x00garbage" * 50, "photo_corrupt"),
        Case("PNG with damaged pixel data", damaged_png(), BROKEN),
        Case("just over the 5 MB limit", b"\xff\xd8\xff\xe0" + bytes(5 * MB - 3), "too_large"),
        Case("30 MB file", b"\xff\xd8\xff\xe0" + bytes(30 * MB), "too_large"),
        # odd but acceptable
        Case("JPEG with HTML appended", gps_jpeg + b"<html><script>alert(1)</script></html>", ACCEPT,
             filename="x.html"),
        Case("GPS with a zero denominator", with_gps((43.0, IFDRational(28, 0), 1.0), (11.0, 53.0, 6.0)), ACCEPT),
        Case("GPS latitude 200", with_gps((200.0, 0.0, 0.0), (116.0, 23.0, 0.0)), ACCEPT),
        Case("CMYK JPEG", encode(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG"), ACCEPT),
        Case("16-bit PNG", encode(picture(mode="I;16"), "PNG"), ACCEPT),
        Case("animated WebP", animated_webp(), ACCEPT),
        Case("RGBA PNG", encode(rgba, "PNG"), ACCEPT),
        Case("palette PNG with transparency", encode(picture().convert("P"), "PNG", transparency=0), ACCEPT),
        Case("1x1 JPEG", encode(Image.new("RGB", (1, 1), "red"), "JPEG"), ACCEPT),
        Case("progressive JPEG", encode(picture((400, 300)), "JPEG", progressive=True, quality=85), ACCEPT),
        Case("JPEG with orientation 6", rotated_6(), ACCEPT),
        Case("HEIF sample", heif, ACCEPT, filename="IMG_0001.HEIC"),
        Case("WebP", webp, ACCEPT),
        Case("noise PNG of 4.1 MB, under the limit", encode(noise, "PNG", compress_level=1), ACCEPT),
        Case("black 36 MP PNG (a bomb under the pixel limit)", encode(Image.new("L", (6000, 6000)), "PNG"),
             ACCEPT),
        Case("broken EXIF", (PHOTOS / "invalid_exif_image00971.jpg").read_bytes(), ACCEPT),
        Case("path in the file name", gps_jpeg, ACCEPT, filename="../../../etc/passwd.jpg"),
        Case("GPS photo", (PHOTOS / "gps_DSCN0012.jpg").read_bytes(), ACCEPT),
        Case("client copy with EXIF and a comment", client_copy(), ACCEPT),
        Case("progressive client copy", client_copy(True), ACCEPT),
    ]
    return tuple(cases)


def post(client, token: str, case: Case):
    return client.post("/api/photos", headers={"X-CSRFToken": token}, content_type="multipart/form-data",
                       data={"photo": (io.BytesIO(case.data), case.filename)})


def test_corpus_is_accepted_or_refused_clearly_and_leaves_no_refused_file(app):
    build_world(app)
    client = app.test_client()
    login(client, "exa")
    token = csrf_token(client, "/tasks")
    cases = corpus()
    assert len(cases) >= 25 and sum(c.expect != ACCEPT for c in cases) >= 20

    accepted: dict[str, str] = {}
    problems = []
    for case in cases:
        r = post(client, token, case)
        body = r.get_json(silent=True)
        if r.status_code >= 500 or not isinstance(body, dict):
            problems.append(f"{case.name}: HTTP {r.status_code} {r.get_data(as_text=True)[:200]!r}")
            continue
        if r.status_code == 200:
            sha = hashlib.sha256(case.data).hexdigest()
            if case.expect != ACCEPT or body.get("sha256") != sha:
                problems.append(f"{case.name}: accepted, expected {case.expect} ({body})")
            accepted[sha] = case.name
            continue
        message = body.get("message") or ""
        allowed = {case.expect} if isinstance(case.expect, str) else case.expect
        if not 400 <= r.status_code < 500 or body.get("error") not in allowed:
            problems.append(f"{case.name}: HTTP {r.status_code} {body.get('error')}, expected {case.expect}")
        if not CJK.search(message):
            problems.append(f"{case.name}: message not in Chinese: {message!r}")
    assert not problems, "\n".join(problems)

    root = Path(app.config["UPLOAD_FOLDER"])
    stored = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    expected = {f"{sha[:2]}/{sha[2:4]}/{sha}{suffix}" for sha in accepted
                for suffix in ("", ".display.jpg", ".thumb.jpg")}
    assert stored == expected
    for sha in accepted:  # the stored original is the uploaded bytes, unchanged
        case = next(c for c in cases if hashlib.sha256(c.data).hexdigest() == sha)
        assert (root / sha[:2] / sha[2:4] / sha).read_bytes() == case.data

    from fieldcheck.extensions import db
    from fieldcheck.evidence.models import Photo

    with app.app_context():
        photos = {p.sha256: p for p in db.session.scalars(sa.select(Photo))}
    assert set(photos) == set(accepted)
    by_name = {name: photos[sha] for sha, name in accepted.items()}
    for name in ("GPS with a zero denominator", "GPS latitude 200"):
        assert (by_name[name].gps_lat, by_name[name].gps_lon) == (None, None), name
    turned = by_name["JPEG with orientation 6"]
    assert (turned.width, turned.height) == (32, 64)
    assert by_name["GPS photo"].gps_lat is not None and 43.4 < by_name["GPS photo"].gps_lat < 43.5


def test_stored_display_copies_of_gps_photos_have_no_gps(app):
    build_world(app)
    client = app.test_client()
    login(client, "exa")
    token = csrf_token(client, "/tasks")
    for original in ((PHOTOS / "gps_DSCN0010.jpg").read_bytes(), client_copy(), client_copy(True)):
        with Image.open(io.BytesIO(original)) as img:
            assert img.getexif().get_ifd(0x8825)  # the original does carry GPS
            pixels = img.convert("RGB")
        r = post(client, token, Case("gps", original, ACCEPT))
        assert r.status_code == 200
        sha = r.get_json()["sha256"]
        folder = Path(app.config["UPLOAD_FOLDER"]) / sha[:2] / sha[2:4]
        for kind in ("display", "thumb"):
            copy = (folder / f"{sha}.{kind}.jpg").read_bytes()
            with Image.open(io.BytesIO(copy)) as img:
                assert img.format == "JPEG"
                assert len(img.getexif()) == 0 and not img.getexif().get_ifd(0x8825)
                assert not {"exif", "xmp", "comment", "icc_profile"} & img.info.keys()
                if kind == "display":  # small upright JPEGs are kept as they were, pixel for pixel
                    assert img.size == pixels.size and img.convert("RGB").tobytes() == pixels.tobytes()
            assert b"Exif" not in copy and b"GPS" not in copy and b"<html>" not in copy
        assert (folder / sha).read_bytes() == original  # the evidence itself is kept untouched
