"""Every metadata field a phone or a scanner writes is gone from the stored file, in every image
format accepted: EXIF (with GPS), XMP, JPEG comments, PNG text chunks, and the EXIF orientation
(applied to the pixels, then dropped). The specimens come from tests/fixtures/metadata_specimens.py,
made from the plain specimens, with a marker in every field so that any survivor is caught."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from tests.documents.conftest import CARD_PNG, PHOTO_GPS, PHOTO_HEIC, upload
from tests.fixtures import metadata_specimens as specimens

pillow_heif.register_heif_opener()
METADATA_KEYS = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Author", "Comment", "Description"}

FORMATS: list[tuple[str, Callable[[Image.Image], bytes], Path, str, str]] = [
    ("jpeg", specimens.jpeg, PHOTO_GPS, "IMG_0001.jpg", "image/jpeg"),
    ("png", specimens.png, CARD_PNG, "carte.png", "image/png"),
    ("webp", specimens.webp, PHOTO_GPS, "photo.webp", "image/webp"),
    ("heic", specimens.heic, PHOTO_HEIC, "IMG_0002.HEIC", "image/heic"),
]


async def _stored(client, headers, registrant, *, filename: str, data: bytes) -> tuple[dict, bytes]:  # type: ignore[no-untyped-def]
    response = await upload(client, headers, registrant, filename=filename, data=data, kind="photo")
    assert response.status_code == 201, response.text
    body = response.json()
    content = await client.get(f"/api/v1/documents/{body['id']}/content", headers=headers)
    assert content.status_code == 200
    return body, content.content


@pytest.mark.parametrize(("name", "build", "source", "filename", "media_type"), FORMATS, ids=[f[0] for f in FORMATS])
async def test_no_metadata_field_survives_storage(
    client, make_staff, make_registrant, name, build, source, filename, media_type
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    picture = specimens.from_source(source)
    data = build(picture)
    with Image.open(io.BytesIO(data)) as sent:  # the specimen does carry what we then check is gone
        assert sent.getexif().get_ifd(specimens.GPS_IFD)
        assert "xmp" in sent.info or "XML:com.adobe.xmp" in sent.info

    body, content = await _stored(client, agent.headers, await make_registrant(), filename=filename, data=data)

    assert (body["media_type"], body["metadata_stripped"]) == (media_type, True)
    assert specimens.MARKER.encode() not in content
    assert b"http://ns.adobe.com" not in content
    with Image.open(io.BytesIO(content)) as stored:
        assert stored.size == picture.size
        assert dict(stored.getexif()) == {}
        assert stored.getexif().get_ifd(specimens.GPS_IFD) == {}
        assert METADATA_KEYS.isdisjoint(k for k, v in stored.info.items() if v)
        assert getattr(stored, "text", {}) == {}


async def test_the_orientation_is_applied_to_the_pixels_then_dropped(client, make_staff, make_registrant) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    # 120×80, red top-left quarter, EXIF Orientation 6: "the 0th row is the visual right-hand side"
    # (EXIF 2.32, tag 0x0112), so a viewer turns it 90° clockwise: 80×120, red quarter top-right.
    data = specimens.jpeg(specimens.marked_picture((120, 80)), orientation=6)

    _, content = await _stored(client, agent.headers, await make_registrant(), filename="turned.jpg", data=data)

    with Image.open(io.BytesIO(content)) as stored:
        assert stored.size == (80, 120)
        assert specimens.ORIENTATION not in stored.getexif()
        rgb = stored.convert("RGB")
        red, white = rgb.getpixel((60, 15)), rgb.getpixel((15, 15))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    assert min(white) > 200


@pytest.mark.parametrize(("fmt", "filename"), [("JPEG", "profil.jpg"), ("PNG", "profil.png"), ("WEBP", "profil.webp")])
async def test_the_icc_colour_profile_is_kept(client, make_staff, make_registrant, fmt: str, filename: str) -> None:
    # The colour profile is not personal data and the colours depend on it (app/documents/content.py).
    from PIL import ImageCms

    agent = await make_staff("agent", ["CASA-BASE"])
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format=fmt, icc_profile=icc)

    _, content = await _stored(client, agent.headers, await make_registrant(), filename=filename, data=out.getvalue())

    with Image.open(io.BytesIO(content)) as stored:
        assert stored.info.get("icc_profile") == icc
