"""``python app.py teams-package``: the zip a Teams admin side-loads (manifest and two icons).

The icons are drawn here (a PNG writer in a dozen lines) so the repository holds no binaries.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "teams" / "manifest.json"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"


def png(size: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    """An RGBA PNG whose pixel (x, y) is ``pixel(x, y)``."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _arrow(x: int, y: int, size: int) -> bool:
    """A right-pointing arrow: one person handing something to another."""
    u, v = x / size, y / size
    shaft = 0.2 <= u <= 0.6 and 0.42 <= v <= 0.58
    head = 0.55 <= u <= 0.82 and abs(v - 0.5) <= (0.82 - u) * 0.9
    return shaft or head


def color_icon() -> bytes:
    return png(192, lambda x, y: (255, 255, 255, 255) if _arrow(x, y, 192) else (0x2C, 0x3E, 0x50, 255))


def outline_icon() -> bytes:
    return png(32, lambda x, y: (255, 255, 255, 255) if _arrow(x, y, 32) else (0, 0, 0, 0))


def build_package(app_id: str, host: str, out: Path, version: str = "1.0.0") -> Path:
    manifest = json.loads(MANIFEST.read_text())
    manifest["id"] = app_id
    manifest["version"] = version
    for bot in (*manifest["bots"], *manifest.get("composeExtensions", [])):
        bot["botId"] = app_id  # the bot answers the message actions too
    text = json.dumps(manifest, indent=2).replace("YOUR-HOST", host)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", text)
        z.writestr("color.png", color_icon())
        z.writestr("outline.png", outline_icon())
    return out
