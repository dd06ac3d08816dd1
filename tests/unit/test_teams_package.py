"""The Teams app package: a manifest Teams accepts, the bot's id everywhere, icons of the right size."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

from handlers.teams.package import build_package

APP_ID = "11111111-2222-3333-4444-555555555555"


def test_the_package_names_the_bot_and_holds_two_icons_of_the_right_size(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_package(APP_ID, "bot.example.com", tmp_path / "p.zip")) as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(z.read("manifest.json"))
        sizes = {name: struct.unpack(">II", z.read(name)[16:24]) for name in ("color.png", "outline.png")}
    for field in ("manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor"):
        assert field in manifest
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert "YOUR-HOST" not in json.dumps(manifest) and "bot.example.com" in manifest["validDomains"]
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    lists = manifest["bots"][0]["commandLists"]
    assert len(lists) <= 3 and all(len(cl["commands"]) <= 12 for cl in lists)
    assert all(set(cl.get("triggers", ["mention"])) <= {"mention", "slash"} for cl in lists)
    assert "slash" in lists[0]["triggers"], "the commands show in the / menu where Teams supports it"
    assert {"handoff", "list", "who owns"} <= {cmd["title"] for cl in lists for cmd in cl["commands"]}
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}
