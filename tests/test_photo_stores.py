"""Both photo stores keep the same promises; the S3 one is tested against a running SeaweedFS, not a mock."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest
from helpers import csrf_token, login

from s3server import ACCESS_KEY, SECRET_KEY
from story import FIXTURES, build_world

DATA = b"\xff\xd8\xff pretend photo bytes"
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    from fieldcheck.evidence.storage import open_store

    if request.param == "folder":
        return open_store(None, tmp_path / "uploads")
    server = request.getfixturevalue("seaweed")
    server.empty()
    return open_store(server.url, tmp_path, ACCESS_KEY, SECRET_KEY)


def test_a_store_keeps_puts_gets_lists_and_deletes(store):
    from fieldcheck.evidence.storage import derived_key, original_key, store_original

    assert store.get(original_key(SHA)) is None and not store.exists(original_key(SHA))
    store_original(store, DATA, SHA)
    store_original(store, DATA, SHA)  # the same photo twice is one object
    store.put(derived_key(SHA, "thumb"), b"small")
    assert store.get(original_key(SHA)) == DATA and store.exists(derived_key(SHA, "thumb"))
    listed = {item.key: item.size for item in store.listing()}
    assert listed == {original_key(SHA): len(DATA), derived_key(SHA, "thumb"): 5}
    with pytest.raises(ValueError):
        store_original(store, DATA, "0" * 64)  # what arrived is not what was declared
    store.delete(derived_key(SHA, "thumb"))
    assert [item.key for item in store.listing()] == [original_key(SHA)]
    assert original_key(SHA) == f"{SHA[:2]}/{SHA[2:4]}/{SHA}"


def test_the_bucket_is_never_public(seaweed):
    from fieldcheck.evidence.storage import open_store, original_key, store_original

    store = open_store(seaweed.url, None, ACCESS_KEY, SECRET_KEY)
    store_original(store, DATA, SHA)
    assert seaweed.anonymous_get(original_key(SHA)) in (401, 403)
    wrong = open_store(seaweed.url, None, ACCESS_KEY, "wrong secret")
    with pytest.raises(Exception):  # noqa: B017 - botocore's ClientError: the signature does not match
        wrong.get(original_key(SHA))


def test_photos_on_s3_go_through_the_app_and_its_access_checks(database_url, seaweed, tmp_path):
    from fieldcheck import create_app
    from fieldcheck.evidence.storage import derived_key, original_key
    from fieldcheck.extensions import db

    seaweed.empty()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "x",
                      "UPLOAD_FOLDER": str(tmp_path / "unused"), "STORAGE_URL": seaweed.url,
                      "S3_ACCESS_KEY": ACCESS_KEY, "S3_SECRET_KEY": SECRET_KEY})
    try:
        world = build_world(app)
        exa = app.test_client()
        login(exa, "exa")
        data = (FIXTURES / "photos" / "gps_DSCN0010.jpg").read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        up = exa.post("/api/photos", data={"photo": (io.BytesIO(data), "p.jpg"), "sha256": sha},
                      headers={"X-CSRFToken": csrf_token(exa, "/tasks")}, content_type="multipart/form-data")
        assert up.status_code == 200, up.get_data(as_text=True)
        stored = seaweed.client.get_object(Bucket="photos", Key=original_key(sha))["Body"].read()
        assert hashlib.sha256(stored).hexdigest() == sha
        assert not list((tmp_path / "unused").rglob("*.jpg"))  # nothing on the local disk
        thumb = exa.get(f"/photos/{sha}/thumb")
        assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"
        assert thumb.data == seaweed.client.get_object(Bucket="photos", Key=derived_key(sha, "thumb"))["Body"].read()
        other = app.test_client()
        login(other, "exb")
        assert other.get(f"/photos/{sha}/thumb").status_code == 403
        assert seaweed.anonymous_get(derived_key(sha, "thumb")) in (401, 403)
        healthy = app.test_cli_runner().invoke(args=["doctor"])
        assert healthy.exit_code == 0, healthy.output
        backup = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / f"b-{uuid.uuid4().hex}")])
        assert backup.exit_code == 0 and "3" in backup.output  # the original, its display copy and thumbnail
        assert world.task_ids
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
