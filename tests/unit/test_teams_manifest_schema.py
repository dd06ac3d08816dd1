"""The Teams manifest, as kept in the repository and as a built package holds it, against the
official v1.29 manifest schema (vendored from @microsoft/app-manifest; see tests/schemas/README.md)."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from handlers.teams.package import MANIFEST, build_package

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "teams-manifest-1.29.json").read_text())
APP_ID = "11111111-2222-3333-4444-555555555555"
# The schema declares draft-04 but also uses ``const`` (draft-06) for manifestVersion; the Teams
# tooling honours it, so the validator does too rather than skip it as an unknown keyword.
Validator = jsonschema.validators.extend(jsonschema.Draft4Validator,
                                         {"const": jsonschema.Draft6Validator.VALIDATORS["const"]})


def errors(manifest: dict[str, Any]) -> list[str]:
    validator = Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(manifest)]


def test_the_vendored_schema_is_the_v1_29_manifest_schema() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    # A well-formed draft-04 schema; its patterns are ECMA-262 (``\p{L}`` in one Office add-in
    # field this manifest does not use), so the metaschema's "regex" format is not checked.
    jsonschema.Draft4Validator(jsonschema.Draft4Validator.META_SCHEMA).validate(SCHEMA)
    assert SCHEMA["properties"]["manifestVersion"]["const"] == "1.29"


def test_the_repository_manifest_validates() -> None:
    manifest = json.loads(MANIFEST.read_text())
    assert manifest["$schema"].endswith("/v1.29/MicrosoftTeams.schema.json")
    assert errors(manifest) == []


def test_a_built_package_manifest_validates(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_package(APP_ID, "bot.example.com", tmp_path / "p.zip", version="2.4.1")) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert errors(manifest) == []
    assert [x["botId"] for x in manifest["composeExtensions"]] == [APP_ID], "the bot answers the message actions"


def test_the_message_actions_are_declared_in_the_message_context() -> None:
    manifest = json.loads(MANIFEST.read_text())
    [extension] = manifest["composeExtensions"]
    commands = {cmd["id"]: cmd for cmd in extension["commands"]}
    assert set(commands) == {"handoff_message", "add_to_release_thread", "draft_message"}, "Slack's shortcut ids"
    for cmd in commands.values():
        assert cmd["type"] == "action" and cmd["context"] == ["message"] and cmd["fetchTask"] is True


@pytest.mark.parametrize("break_it", [
    lambda m: m.update(manifestVersion="1.28"),
    lambda m: m.update(id="not-a-guid"),
    lambda m: m["composeExtensions"][0]["commands"][0].update(type="shortcut"),
    lambda m: m["composeExtensions"][0]["commands"][0].update(title="x" * 33),
    lambda m: m["composeExtensions"][0]["commands"][0].update(context=["message", "everywhere"]),
    lambda m: m["composeExtensions"].append(copy.deepcopy(m["composeExtensions"][0])),
    lambda m: m.update(unknownField=True),
    lambda m: m.pop("accentColor"),
], ids=["version", "id", "command type", "long title", "context", "two extensions", "unknown field", "missing field"])
def test_the_schema_refuses_a_broken_manifest(break_it: Any) -> None:
    """The check can fail: each of these is a manifest Teams would refuse."""
    manifest = json.loads(MANIFEST.read_text())
    break_it(manifest)
    assert errors(manifest)
