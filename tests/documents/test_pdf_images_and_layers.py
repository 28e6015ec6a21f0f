"""A PDF's JPEG images lose their Exif (the phone's GPS position), XMP and comments without being
re-encoded, and its layers switched off are made visible: what the desk stores is what it sees."""

from __future__ import annotations

import io
import zlib

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name
from PIL import Image

from app.core.config import Settings
from tests.documents.conftest import upload

MAKER = "SECRETPHONEMAKER"
COMMENT = b"SECRETJPEGCOMMENT"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SECRETXMPLOCATION</x:xmpmeta>'
ICC = b"ICCPROFILEBYTES" * 20
GPS_IFD = 0x8825


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"documents_strip_pdf_metadata": True})


def _phone_photo() -> bytes:
    """A JPEG as a phone writes it: Exif with the maker and a GPS position (Dakar), XMP, a comment,
    an ICC profile."""
    img = Image.new("RGB", (64, 40))
    img.putdata([(x * 4, y * 6, (x + y) % 256) for y in range(40) for x in range(64)])
    exif = Image.Exif()
    exif[0x010F] = MAKER
    exif[GPS_IFD] = {1: "N", 2: (14.0, 41.0, 30.0), 3: "W", 4: (17.0, 26.0, 50.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, comment=COMMENT, icc_profile=ICC, xmp=XMP, quality=90)
    return out.getvalue()


def _image(pdf: pikepdf.Pdf, data: bytes, **extra: object) -> pikepdf.Stream:
    return pdf.make_stream(
        data, Type=Name.XObject, Subtype=Name.Image, Width=64, Height=40, ColorSpace=Name.DeviceRGB,
        BitsPerComponent=8, **extra,
    )  # fmt: skip


def _pdf(photo: bytes) -> bytes:
    """One page: the photo twice (as is, and deflated over its JPEG), text in a layer switched off,
    an image in that layer, and visible text."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 300))
    page = pdf.pages[0]
    hidden = pdf.make_indirect(Dictionary(Type=Name.OCG, Name="Calque masqué"))
    shown = pdf.make_indirect(Dictionary(Type=Name.OCG, Name="Calque visible"))
    pdf.Root.OCProperties = Dictionary(
        OCGs=Array([hidden, shown]), D=Dictionary(Order=Array([hidden, shown]), OFF=Array([hidden]))
    )
    xobjects = Dictionary(
        Im0=_image(pdf, photo, Filter=Name.DCTDecode),
        Im1=_image(pdf, zlib.compress(photo), Filter=Array([Name.FlateDecode, Name.DCTDecode])),
        Im2=_image(pdf, photo, Filter=Name.DCTDecode, OC=hidden),
    )
    page.obj.Resources = Dictionary(
        XObject=xobjects,
        Font=Dictionary(F1=Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)),
        Properties=Dictionary(oc1=hidden),
    )
    page.obj.Contents = pdf.make_stream(
        b"q 64 0 0 40 10 10 cm /Im0 Do Q q 64 0 0 40 10 60 cm /Im1 Do Q q 64 0 0 40 10 110 cm /Im2 Do Q\n"
        b"/OC /oc1 BDC BT /F1 12 Tf 20 200 Td (NUMERO CNI 1 751 1985 01234) Tj ET EMC\n"
        b"BT /F1 12 Tf 20 250 Td (Passeport) Tj ET\n"
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


async def _stored(client, agent, registrant, sent: bytes) -> bytes:  # type: ignore[no-untyped-def]
    response = await upload(client, agent.headers, registrant, filename="cni.pdf", data=sent)
    assert response.status_code == 201, response.text
    return (await client.get(f"/api/v1/documents/{response.json()['id']}/content", headers=agent.headers)).content


async def test_the_jpeg_images_of_a_pdf_lose_their_exif_gps_xmp_and_comment_not_a_pixel(
    client, make_staff, make_registrant, storage
) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    photo = _phone_photo()
    assert GPS_IFD in Image.open(io.BytesIO(photo)).getexif()  # the test's photo does carry them
    scan = photo[photo.index(b"\xff\xda") :]  # the picture itself: the scan and the end marker

    stored = await _stored(client, agent, await make_registrant(), _pdf(photo))

    with pikepdf.open(io.BytesIO(stored)) as pdf:
        images = pdf.pages[0].obj.Resources.XObject
        for name in ("/Im0", "/Im1", "/Im2"):
            assert images[name].Filter == Name.DCTDecode
            jpeg = images[name].read_raw_bytes()
            assert jpeg.endswith(scan)  # not re-encoded: the same scan, byte for byte
            assert not any(marker in jpeg for marker in (MAKER.encode(), COMMENT, b"SECRETXMP", b"Exif\0"))
            picture = Image.open(io.BytesIO(jpeg))
            assert (dict(picture.getexif()), picture.info.get("icc_profile"), picture.info.get("jfif")) == (
                {},
                ICC,
                257,
            )
            assert picture.tobytes() == Image.open(io.BytesIO(photo)).tobytes()


async def test_a_layer_switched_off_is_made_visible_in_the_stored_pdf(
    client, make_staff, make_registrant, storage
) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])

    stored = await _stored(client, agent, await make_registrant(), _pdf(_phone_photo()))

    with pikepdf.open(io.BytesIO(stored)) as pdf:
        page = pdf.pages[0]
        assert "/OCProperties" not in pdf.Root
        assert "/OC" not in page.obj.Resources.XObject.Im2  # the image of the layer is drawn
        content = page.obj.Contents.read_bytes()
        assert b"BDC" not in content and b"EMC" not in content  # the text of the layer too
        assert b"(NUMERO CNI 1 751 1985 01234) Tj" in content and b"(Passeport) Tj" in content
