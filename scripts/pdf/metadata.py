"""Make the PDF a function of the commit: dates from SOURCE_DATE_EPOCH, and a way to say what differs.

Chromium (Skia) stamps /CreationDate and /ModDate with the wall clock; that is all that
changes between two prints of one document (it writes no /ID and no XMP packet today; if
a later version does, those are handled the same way). Each stamp is overwritten in place
with the commit's time in the same notation and length, so no byte offset moves and the
cross-reference table stays valid: the file is otherwise exactly what Chromium wrote.
"""

from __future__ import annotations

import hashlib
import io
import re
import time

from pypdf import PdfReader

INFO_DATE = re.compile(rb"/(?P<key>CreationDate|ModDate)\s*\((?P<date>D:(?P<stamp>\d{4,14})(?P<tz>[Zz]|[+\-]\d{2}'?\d{2}'?)?)\)")
XMP_DATE = re.compile(rb"<(?P<key>xmp:(?:CreateDate|ModifyDate|MetadataDate))>(?P<date>[^<]{4,40})</(?P=key)>")
XMP_UUID = re.compile(rb"uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TRAILER_ID = re.compile(rb"/ID\s*\[\s*<(?P<a>[0-9A-Fa-f]+)>\s*<(?P<b>[0-9A-Fa-f]+)>\s*\]")


def pdf_date(epoch: int, like: bytes = b"D:00000000000000+00'00'") -> bytes:
    """The UTC time `epoch` written as PDF date with the same precision and zone notation as `like`."""
    m = re.fullmatch(rb"D:(\d{4,14})([Zz]|[+\-]\d{2}'?\d{2}'?)?", like)
    if not m:
        raise ValueError(f"not a PDF date: {like!r}")
    digits = time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch)).encode()[: len(m[1])]
    tz = m[2] or b""
    if tz and tz not in (b"Z", b"z"):
        tz = tz[:1].replace(b"-", b"+") + re.sub(rb"\d", b"0", tz[1:])
    return b"D:" + digits + tz


def _same_length(old: bytes, new: bytes, what: str) -> bytes:
    if len(old) != len(new):
        raise ValueError(f"cannot overwrite {what} in place: {old!r} -> {new!r}")
    return new


def normalise(pdf: bytes, epoch: int) -> bytes:
    """Dates -> `epoch`; a document ID or XMP UUID (if any) -> a hash of the otherwise normalised file."""
    out = INFO_DATE.sub(lambda m: m[0].replace(m["date"], _same_length(m["date"], pdf_date(epoch, m["date"]), m["key"])), pdf)
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)).encode()

    def xmp(m):  # 2026-11-30T19:11:25+01:00 -> the commit time, as UTC, in the same notation
        date = m["date"]
        if not re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+\-]\d\d:\d\d)?", date):
            raise ValueError(f"cannot overwrite {m['key']!r} in place: {date!r}")
        rest = re.sub(rb"\d", b"0", date[19:]).replace(b"-", b"+")
        return m[0].replace(date, iso + rest)

    out = XMP_DATE.sub(xmp, out)
    if XMP_UUID.search(out) or TRAILER_ID.search(out):
        blanked = XMP_UUID.sub(b"uuid:", TRAILER_ID.sub(b"/ID[]", out))
        digest = hashlib.sha256(blanked).hexdigest()
        uuid = f"uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}".encode()
        out = XMP_UUID.sub(uuid, out)
        out = TRAILER_ID.sub(lambda m: m[0].replace(m["a"], digest.encode()[: len(m["a"])].upper())
                             .replace(m["b"], digest.encode()[: len(m["b"])].upper()), out)
    return out


def info(pdf: bytes) -> dict[str, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return {str(k): str(v) for k, v in (reader.metadata or {}).items()}


def describe_differences(a: bytes, b: bytes) -> list[str]:
    """What makes two PDFs differ, in words: metadata fields first, else where the bytes part."""
    if a == b:
        return []
    notes = []
    ia, ib = info(a), info(b)
    for key in sorted(set(ia) | set(ib)):
        if ia.get(key) != ib.get(key):
            notes.append(f"document info {key}: {ia.get(key)!r} != {ib.get(key)!r}")
    ta, tb = TRAILER_ID.search(a), TRAILER_ID.search(b)
    if (ta and ta[0]) != (tb and tb[0]):
        notes.append(f"trailer /ID: {ta and ta[0]!r} != {tb and tb[0]!r}")
    for pattern, what in ((XMP_DATE, "XMP date"), (XMP_UUID, "XMP UUID")):
        if [m[0] for m in pattern.finditer(a)] != [m[0] for m in pattern.finditer(b)]:
            notes.append(f"{what}s differ")
    ra, rb = PdfReader(io.BytesIO(a)), PdfReader(io.BytesIO(b))
    if len(ra.pages) != len(rb.pages):
        notes.append(f"page count: {len(ra.pages)} != {len(rb.pages)}")
    # Where the bytes part, once the fields above are set aside.
    sa = INFO_DATE.sub(b"/Date()", a)
    sb = INFO_DATE.sub(b"/Date()", b)
    if sa != sb:
        first = next((i for i, (x, y) in enumerate(zip(sa, sb, strict=False)) if x != y), min(len(sa), len(sb)))
        notes.append(f"content: {len(a)} vs {len(b)} bytes, first difference (dates aside) at byte {first}: "
                     f"{sa[max(0, first - 40):first + 40]!r} vs {sb[max(0, first - 40):first + 40]!r}")
    return notes
