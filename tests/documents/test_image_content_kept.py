"""Stripping an image's metadata loses none of its picture: what the pixels need (transparency,
resolution, PNG colour chunks) is written back, and a file of several pictures (animation,
multi-picture JPEG, multi-image HEIC) is refused rather than stored as its first one."""

from __future__ import annotations

import io
import os
from collections.abc import Callable

import pillow_heif
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from tests.documents.conftest import NOTHING, count_rows, leftovers, upload

pillow_heif.register_heif_opener()
RED, BLUE, GREEN = (Image.new("RGB", (40, 30), colour) for colour in ("red", "blue", "green"))


def _saved(fmt: str, *frames: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=len(frames) > 1, append_images=list(frames[1:]), **options)  # type: ignore[arg-type]
    return out.getvalue()


def _long_apng() -> bytes:
    """An animated PNG whose ``acTL`` chunk lies past the 8 KiB read for sniffing (behind a text
    chunk): ``filetype`` answers image/png, not image/apng, so it reaches metadata stripping."""
    text = PngInfo()
    text.add_text("Comment", os.urandom(6000).hex())
    return _saved("PNG", RED, BLUE, pnginfo=text)


SEVERAL: list[tuple[str, Callable[[], bytes], str, int]] = [
    ("animated-webp", lambda: _saved("WEBP", RED, BLUE, GREEN, duration=100), "anim.webp", 3),
    ("multi-image-heic", lambda: _saved("HEIF", RED, BLUE), "rafale.heic", 2),
    ("apng-sniffed-as-png", _long_apng, "anim.png", 2),
]


@pytest.mark.parametrize(("build", "filename", "frames"), [s[1:] for s in SEVERAL], ids=[s[0] for s in SEVERAL])
async def test_an_image_of_several_pictures_is_refused_and_nothing_stored(
    client, make_staff, make_registrant, storage, sessionmaker, build, filename: str, frames: int
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()

    response = await upload(client, agent.headers, registrant, filename=filename, data=build(), kind="photo")

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = {k: v for k, v in response.json().items() if k not in {"instance", "request_id"}}
    assert body == {
        "type": "/problems/document-several-images",
        "title": "Fichier de plusieurs images",
        "status": 422,
        "detail": f"L'image contient {frames} images (animation, rafale ou photo multi-vues) ; seules les images "
        "uniques sont acceptées, car n'en garder qu'une perdrait les autres. "
        "Envoyez chaque image dans son propre fichier, ou toutes dans un PDF.",
        "frames": frames,
    }
    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == NOTHING


async def test_the_several_pictures_refusal_speaks_english(client, make_staff, make_registrant) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    headers = {**agent.headers, "Accept-Language": "en"}

    response = await upload(
        client, headers, await make_registrant(), filename="p.webp", data=_saved("WEBP", RED, BLUE, duration=100)
    )

    body = response.json()
    assert (response.status_code, body["title"]) == (422, "File holding several pictures")
    assert body["detail"] == (
        "The image holds 2 pictures (an animation, a burst or a multi-picture photo); only single-picture "
        "images are accepted, since keeping one would lose the others. "
        "Send each picture as its own file, or all of them in one PDF."
    )


async def _stored(client, headers, registrant, *, filename: str, data: bytes) -> bytes:  # type: ignore[no-untyped-def]
    response = await upload(client, headers, registrant, filename=filename, data=data, kind="photo")
    assert response.status_code == 201, response.text
    assert response.json()["metadata_stripped"] is True
    return (await client.get(f"/api/v1/documents/{response.json()['id']}/content", headers=headers)).content


def _palette_png() -> Image.Image:
    image = Image.new("P", (40, 30), 0)
    image.putpalette([0, 0, 0, 255, 0, 0])
    image.paste(1, (0, 0, 20, 30))  # left half red, right half colour 0: transparent
    return image


TRANSPARENT: list[tuple[str, Image.Image, object]] = [
    ("palette-alpha-table", _palette_png(), b"\x00\x80"),  # colour 1 (red) half transparent
    ("palette-one-index", _palette_png(), 0),
    ("grey", Image.new("L", (40, 30), 7), 7),
    ("rgb", RED, (255, 0, 0)),
]


@pytest.mark.parametrize(("image", "transparency"), [t[1:] for t in TRANSPARENT], ids=[t[0] for t in TRANSPARENT])
async def test_a_png_keeps_its_transparency(client, make_staff, make_registrant, image, transparency) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    sent = _saved("PNG", image, transparency=transparency)

    stored = await _stored(client, agent.headers, await make_registrant(), filename="logo.png", data=sent)

    with Image.open(io.BytesIO(stored)) as kept, Image.open(io.BytesIO(sent)) as original:
        assert (kept.mode, kept.info.get("transparency")) == (original.mode, transparency)
        assert kept.convert("RGBA").tobytes() == original.convert("RGBA").tobytes()


@pytest.mark.parametrize(("fmt", "filename"), [("JPEG", "scan.jpg"), ("PNG", "scan.png")])
async def test_a_scan_keeps_its_resolution(client, make_staff, make_registrant, fmt: str, filename: str) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    sent = _saved(fmt, RED, dpi=(300, 300))

    stored = await _stored(client, agent.headers, await make_registrant(), filename=filename, data=sent)

    with Image.open(io.BytesIO(stored)) as kept:
        assert tuple(round(v) for v in kept.info["dpi"]) == (300, 300)


async def test_a_png_keeps_its_gamma_chromaticities_and_srgb_intent(client, make_staff, make_registrant) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    colour = PngInfo()
    colour.add(b"gAMA", (45455).to_bytes(4, "big"))
    colour.add(b"cHRM", b"".join(v.to_bytes(4, "big") for v in (31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000)))
    colour.add(b"sRGB", b"\x01")

    stored = await _stored(
        client, agent.headers, await make_registrant(), filename="c.png", data=_saved("PNG", RED, pnginfo=colour)
    )

    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.info["gamma"] == 0.45455
        assert kept.info["chromaticity"] == (0.3127, 0.329, 0.64, 0.33, 0.3, 0.6, 0.15, 0.06)
        assert kept.info["srgb"] == 1


async def test_a_multi_picture_jpeg_is_stored_as_its_primary_picture(client, make_staff, make_registrant) -> None:  # type: ignore[no-untyped-def]
    # An "Ultra HDR" phone photo is an MPO: the photo, then its gain map (here: blue)
    agent = await make_staff("agent", ["CASA-BASE"])
    sent = _saved("MPO", RED, BLUE)

    stored = await _stored(client, agent.headers, await make_registrant(), filename="photo.jpg", data=sent)

    with Image.open(io.BytesIO(stored)) as kept, Image.open(io.BytesIO(sent)) as original:
        assert (kept.format, getattr(kept, "n_frames", 1)) == ("JPEG", 1)
        assert kept.tobytes() == original.tobytes()  # the primary picture's pixels, its tables kept
