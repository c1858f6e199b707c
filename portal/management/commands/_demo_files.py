"""Small attachments for the demo, made in code: a one-page PDF notice in Chinese and a PNG
bar chart. Both are real files that readers open, and pass the upload checks by content."""

from __future__ import annotations

import struct
import zlib


def pdf_notice(title: str, lines: list[str]) -> bytes:
    """Return a one-page A4 PDF showing ``title`` and ``lines``.

    The text uses STSong-Light, one of the standard Chinese fonts every PDF reader provides,
    so nothing is embedded; each character is written as its UTF-16 code (UniGB-UCS2-H)."""

    def text(value: str) -> str:
        return "<" + value.encode("utf-16-be").hex().upper() + ">"

    rows = [f"BT /F1 20 Tf 64 770 Td {text(title)} Tj ET"]
    for number, line in enumerate(lines):
        rows.append(f"BT /F1 12 Tf 64 {730 - 22 * number} Td {text(line)} Tj ET")
    stream = "\n".join(rows).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


RED, GREY, WHITE = (200, 16, 46), (150, 150, 150), (255, 255, 255)


def png_bars(values: list[int], width: int = 320, height: int = 160) -> bytes:
    """Return a PNG bar chart of ``values`` (percentages): a red band on top, one grey bar
    per value on white."""
    band, gap = 16, 12
    bar = max(4, (height - band - gap * (len(values) + 1)) // max(len(values), 1))
    pixels = [[WHITE] * width for _row in range(height)]
    for y in range(band):
        pixels[y] = [RED] * width
    for index, value in enumerate(values):
        top = band + gap + index * (bar + gap)
        length = (width - 2 * gap) * max(0, min(value, 100)) // 100
        for y in range(top, min(top + bar, height)):
            pixels[y][gap:gap + length] = [GREY] * length
    raw = b"".join(b"\x00" + bytes(c for pixel in row for c in pixel) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def docx_notice(title: str, paragraphs: list[str]) -> bytes:
    """Return a Word document (.docx) with ``title`` as its heading and ``paragraphs``."""
    import io

    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
