"""Which files in a folder are logs: a folder holds READMEs, images and archives beside its logs, and
reading those makes fake incidents (a README that quotes an error). A file named on the command line is
always read; a file found by walking a folder is skipped when its name or its first bytes say it is
something else, and the summary lists it with the reason."""

from __future__ import annotations

from pathlib import Path

from . import decoding

# Suffixes of files that are not logs, by the reason the summary gives.
_SUFFIXES = {
    "document": (".md", ".markdown", ".rst", ".adoc", ".html", ".htm", ".pdf", ".doc", ".docx", ".odt"),
    "image": (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".ico", ".tif", ".tiff"),
    "archive": (".zip", ".tar", ".tgz", ".7z", ".rar", ".jar", ".whl", ".deb", ".rpm"),
    "binary": (".so", ".o", ".a", ".exe", ".dll", ".pyc", ".class", ".bin", ".db", ".sqlite"),
}
_BY_SUFFIX = {suffix: reason for reason, suffixes in _SUFFIXES.items() for suffix in suffixes}
# First bytes of formats that are not logs (compressed logs, gzip and the like, are read).
_MAGIC = {
    b"\x89PNG": "image",
    b"\xff\xd8\xff": "image",
    b"GIF8": "image",
    b"%PDF": "document",
    b"PK\x03\x04": "archive",
    b"7z\xbc\xaf": "archive",
    b"Rar!": "archive",
    b"\x7fELF": "binary",
    b"SQLite format 3": "binary",
}
HEAD = 4096  # bytes read to tell a binary file


def skip_reason(path: str) -> str:
    """Why a file found in a folder is no log ("document", "image", "archive", "binary"), or "" to read it."""
    reason = _BY_SUFFIX.get(Path(path).suffix.lower(), "")
    if reason:
        return reason
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD)
    except OSError:
        return ""  # reading it reports the problem
    return _by_content(head)


def _by_content(head: bytes) -> str:
    found = next((reason for magic, reason in _MAGIC.items() if head.startswith(magic)), "")
    if found or any(head.startswith(magic) for magic in decoding.MAGIC):
        return found
    if b"\x00" in head and decoding.encoding(head) == ("", ""):  # zeros that are no UTF-16 or UTF-32 text
        return "binary"
    return ""
