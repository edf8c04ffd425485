"""The upload cleaner (core.uploads): a PDF proof comes out as pictures of its pages with no
action, script, form or attachment left anywhere in the file; a picture that declares more
pixels than a phone photo or screenshot has is refused before it is decoded, and a large
legitimate photo is cleaned within a small memory bound."""

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from core import uploads

ROOT = Path(__file__).resolve().parents[2]
UNREADABLE = "unreadable"

# --- PDF: nothing a viewer could run survives ----------------------------------------------

FORBIDDEN = {
    "/JS",
    "/JavaScript",
    "/AA",
    "/OpenAction",
    "/Launch",
    "/URI",
    "/AcroForm",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/Annots",
    "/Names",
}


def name(value: str) -> NameObject:
    return NameObject(value)


def action(kind: str, **fields) -> DictionaryObject:
    entries = {name("/Type"): name("/Action"), name("/S"): name(kind)}
    entries.update({name(f"/{key}"): TextStringObject(value) for key, value in fields.items()})
    return DictionaryObject(entries)


def rect() -> ArrayObject:
    return ArrayObject([FloatObject(50), FloatObject(50), FloatObject(200), FloatObject(100)])


def annotation(writer: PdfWriter, subtype: str, **entries) -> IndirectObject:
    annot = DictionaryObject(
        {name("/Type"): name("/Annot"), name("/Subtype"): name(subtype), name("/Rect"): rect()}
    )
    annot.update({name(f"/{key}"): value for key, value in entries.items()})
    return writer._add_object(annot)


def hostile_pdf() -> bytes:
    """Two pages of a receipt (a black bar on the first) carrying every kind of action."""
    from reportlab.pdfgen.canvas import Canvas

    source = io.BytesIO()
    canvas = Canvas(source, pagesize=(595, 842))
    canvas.rect(100, 600, 300, 80, fill=1)
    canvas.drawString(100, 500, "Bukti transfer Rp75.000")
    canvas.showPage()
    canvas.drawString(100, 500, "Halaman dua")
    canvas.showPage()
    canvas.save()

    writer = PdfWriter(clone_from=io.BytesIO(source.getvalue()))
    script = action("/JavaScript", JS="app.alert('opened')")
    writer._root_object[name("/OpenAction")] = writer._add_object(script)
    page = writer.pages[0]
    page[name("/AA")] = DictionaryObject(
        {name("/O"): action("/JavaScript", JS="app.alert('page')")}
    )
    widget = annotation(
        writer,
        "/Widget",
        FT=name("/Btn"),
        T=TextStringObject("pay"),
        A=action("/JavaScript", JS="app.alert('button')"),
        AA=DictionaryObject({name("/U"): action("/JavaScript", JS="app.alert('up')")}),
    )
    screen = annotation(
        writer,
        "/Screen",
        A=action("/JavaScript", JS="app.alert('screen')"),
        AA=DictionaryObject({name("/PO"): action("/JavaScript", JS="app.alert('po')")}),
    )
    launch = annotation(writer, "/Link", A=action("/Launch", F="calc.exe"))
    link = annotation(writer, "/Link", A=action("/URI", URI="https://evil.example/"))
    page[name("/Annots")] = ArrayObject([widget, screen, launch, link])
    writer._root_object[name("/AcroForm")] = DictionaryObject(
        {name("/Fields"): ArrayObject([widget]), name("/NeedAppearances"): NumberObject(1)}
    )
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 not a receipt")
    writer._root_object[name("/Names")][name("/JavaScript")] = DictionaryObject(
        {
            name("/Names"): ArrayObject(
                [TextStringObject("named"), action("/JavaScript", JS="app.alert('named')")]
            )
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def names_in(data: bytes) -> set[str]:
    """Every name used anywhere in the file: the trailer and catalogue walked recursively,
    and every object of the cross-reference table and of the object streams resolved."""
    reader = PdfReader(io.BytesIO(data))
    seen: set[str] = set()
    visited: set[tuple[int, int]] = set()

    def walk(node) -> None:
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in visited:
                return
            visited.add(key)
            walk(node.get_object())
        elif isinstance(node, dict):
            for key, value in node.items():
                seen.add(str(key))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, NameObject):
            seen.add(str(node))

    walk(reader.trailer)
    for generation, objects in reader.xref.items():
        for idnum in objects:
            walk(IndirectObject(idnum, generation, reader))
    for idnum in reader.xref_objStm:
        walk(IndirectObject(idnum, 0, reader))
    return seen


def upload(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def test_the_hostile_test_pdf_really_carries_every_action():
    # The walk below is only worth something if it finds these in the original.
    assert names_in(hostile_pdf()) >= FORBIDDEN


def test_a_cleaned_pdf_keeps_no_action_script_form_link_or_attachment_anywhere():
    original = hostile_pdf()
    cleaned = uploads.pdf_clean(upload(original), unreadable=UNREADABLE)

    assert not FORBIDDEN & names_in(cleaned)
    for text in (b"app.alert", b"calc.exe", b"evil.example", b"invoice.exe", b"MZ\x90"):
        assert text not in cleaned
    reader = PdfReader(io.BytesIO(cleaned))
    assert len(reader.pages) == len(PdfReader(io.BytesIO(original)).pages) == 2
    # Same page size, and the page is still readable: the black bar is in its pixels.
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]
    import pypdfium2

    rendered = pypdfium2.PdfDocument(cleaned)[0].render(scale=1).to_pil().convert("L")
    assert rendered.getpixel((250, 842 - 640)) < 60
    assert rendered.getpixel((500, 100)) > 200


def test_a_page_with_a_huge_mediabox_is_rendered_within_the_pixel_cap():
    writer = PdfWriter()
    writer.add_blank_page(14_400, 14_400)  # 200 x 200 inches
    data = io.BytesIO()
    writer.write(data)
    cleaned = uploads.pdf_clean(upload(data.getvalue()), unreadable=UNREADABLE)
    reader = PdfReader(io.BytesIO(cleaned))
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [14_400, 14_400]
    (picture,) = reader.pages[0].images
    assert picture.image.width * picture.image.height <= uploads.PDF_PAGE_MAX_PIXELS


def test_a_pdf_with_a_password_or_too_many_pages_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="owner")
    locked = io.BytesIO()
    writer.write(locked)
    with translation.override("en"), pytest.raises(ValidationError, match="password"):
        uploads.pdf_clean(upload(locked.getvalue()), unreadable=UNREADABLE)

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(595, 842)
    long = io.BytesIO()
    writer.write(long)
    with translation.override("en"), pytest.raises(ValidationError, match="more than 2 pages"):
        uploads.pdf_clean(upload(long.getvalue()), unreadable=UNREADABLE, max_pages=2)


def test_a_broken_pdf_is_unreadable():
    with pytest.raises(ValidationError, match=UNREADABLE):
        uploads.pdf_clean(upload(b"%PDF-1.7\nnothing else"), unreadable=UNREADABLE)


# --- Pictures: decompression bombs --------------------------------------------------------


def png_bomb(side: int = 6000) -> bytes:
    """A PNG of side x side black RGB pixels, some 100 KB, written without ever holding the
    pixels (the test process would otherwise pay what the cleaner is meant to refuse)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + side * 3)  # filter byte, then the row's pixels
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pictures")
    bomb = folder / "bomb.png"
    bomb.write_bytes(png_bomb())
    # A phone photo: 4032 x 3024 (12 MP), with enough detail not to compress to nothing.
    photo = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize((4032, 3024)),
            Image.effect_noise((4032, 3024), 40),
            Image.radial_gradient("L").resize((4032, 3024)),
        ],
    )
    path = folder / "phone.jpg"
    photo.save(path, "JPEG", quality=90)
    return {"bomb": bomb, "photo": path}


MEASURE = """
import io, json, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from PIL import Image
from core import uploads

def status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])

# Warm up on a small picture so that lazily loaded code counts in the baseline.
warm = io.BytesIO()
Image.new("RGB", (64, 48)).save(warm, "PNG")
uploads.image_clean_jpeg(warm, max_side=32, unreadable="x")
data = open(sys.argv[1], "rb").read()
# The peak starts again from what the process holds now (after imports and the file read).
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")
before = status_kb("VmRSS")
try:
    uploads.image_clean_jpeg(io.BytesIO(data), max_side=int(sys.argv[2]), unreadable="x")
    outcome = "cleaned"
except ValidationError:
    outcome = "refused"
print(json.dumps({"outcome": outcome, "grown_mb": (status_kb("VmHWM") - before) / 1024}))
"""


def clean_in_subprocess(path: Path, max_side: int) -> dict:
    """Peak memory of cleaning one picture, in a fresh process. Pillow's buffers are
    allocated outside Python's allocator, so tracemalloc does not see them; and
    getrusage's ru_maxrss is carried over a fork and exec from this (large) test process,
    so the peak is read from /proc (VmHWM), which a new program starts afresh."""
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("measuring peak memory needs Linux's /proc")
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(max_side)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_png_bomb_is_refused_before_it_is_decoded(pictures):
    measured = clean_in_subprocess(pictures["bomb"], 2000)
    assert measured["outcome"] == "refused"
    assert measured["grown_mb"] < 10, measured


def test_a_phone_photo_is_cleaned_within_a_small_memory_bound(pictures):
    measured = clean_in_subprocess(pictures["photo"], 2000)
    assert measured["outcome"] == "cleaned"
    # Decoded in full, the photo alone is 36 MB (4032 x 3024 x 3), and the old cleaner's copies
    # took some 128 MB; decoded at half size, resized and encoded, about 35 MB.
    assert measured["grown_mb"] < 48, measured


def test_the_bomb_is_refused_with_a_message_that_says_what_to_send(pictures):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        uploads.image_clean_jpeg(
            io.BytesIO(pictures["bomb"].read_bytes()), max_side=1200, unreadable=UNREADABLE
        )
    assert refused.value.messages == [
        "The picture has too many pixels (at most 6 megapixels): send a smaller photo or a "
        "screenshot."
    ]


def test_a_large_photo_is_made_small_and_keeps_no_comment_or_exif(pictures):
    photo = Image.open(pictures["photo"])
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held upright: turn it
    exif[0x010F] = "PhoneMaker"
    tagged = io.BytesIO()
    photo.save(tagged, "JPEG", quality=70, exif=exif, comment=b"secret place")
    cleaned = uploads.image_clean_jpeg(tagged, max_side=1200, unreadable=UNREADABLE)
    assert b"secret place" not in cleaned
    assert b"PhoneMaker" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as result:
        assert result.size == (900, 1200)
        assert not result.getexif()
        assert "comment" not in result.info


@pytest.mark.parametrize("mode", ["P", "LA", "L", "RGBA", "I;16"])
def test_pictures_of_every_mode_come_out_as_rgb_jpegs(mode):
    source = io.BytesIO()
    Image.new(mode, (300, 200)).save(source, "PNG")
    cleaned = uploads.image_clean_jpeg(source, max_side=100, unreadable=UNREADABLE)
    with Image.open(io.BytesIO(cleaned)) as result:
        assert (result.format, result.mode, result.size) == ("JPEG", "RGB", (100, 67))
