"""Config as data: Pulumi.yaml's config block and the README's table are what the key declarations
(components/config/keys.py) give, the reader and the suggestions follow the declarations, and the readers stay
small functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from components.config import docs, keys, load
from components.config.keys import KEYS, NO_DEFAULT, Key, SpaceSetting

ROOT = Path(__file__).resolve().parents[2]
MAX_FUNCTION_LINES = 60


@pytest.mark.parametrize("name", ["Pulumi.yaml", "README.md"])
def test_generated_parts_are_up_to_date(name: str) -> None:
    """Fails after a declaration changed until `make config-docs` rewrote the file."""
    assert (ROOT / name).read_text() == docs.generated(ROOT)[ROOT / name], "run `make config-docs`"


def test_pulumi_yaml_schema_is_the_declarations() -> None:
    schema = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    plain = [key for key in KEYS if not key.secret]
    assert list(schema) == [key.name for key in plain]
    for key in plain:
        spec = schema[key.name]
        assert spec["description"] == key.doc, key.name
        assert spec.get("default", NO_DEFAULT) == key.default, key.name
        assert spec.get("type", key.type if key.type in ("map", "list") else None) == key.type, key.name


def test_readme_table_has_one_row_per_key() -> None:
    table = docs.readme_table()
    for key in KEYS:
        assert f"| `{key.name}` |" in table
    assert "| `geminiApiKey` | secret, optional | `GEMINI_API_KEY` secret |" in table
    assert "| `hfOwner` | required |" in table


def test_a_new_declaration_reaches_pulumi_yaml_readme_and_suggestions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key is one entry: the generated Pulumi.yaml block, the README row and the unknown-key hint follow."""
    new = Key("sentryDsn", "Sentry DSN of the app (SENTRY_DSN Space variable).", None, default="",
              space=SpaceSetting("SENTRY_DSN", "Sentry DSN", "sentry_dsn", "https://{tag}@sentry.example.com/1"))
    declared = (*KEYS, new)
    monkeypatch.setattr(docs, "KEYS", declared)
    monkeypatch.setattr(load, "CONFIG_KEYS", tuple(key.name for key in declared))
    block = yaml.safe_load(docs.pulumi_yaml_block())["config"]
    assert block["sentryDsn"] == {"type": "string", "default": "", "description": new.doc}
    assert "| `sentryDsn` | empty | `SENTRY_DSN` variable |" in docs.readme_table()
    assert "did you mean `sentryDsn`?" in load.unknown_key_problem("sentrydsn")


def test_unknown_key_suggestions_come_from_the_declared_names() -> None:
    for key in KEYS:
        assert f"did you mean `{key.name}`?" in load.unknown_key_problem(key.name.lower()[:-1]), key.name


def test_every_key_has_a_reader_and_a_field() -> None:
    from dataclasses import fields

    from components.config.model import Settings

    names = {f.name for f in fields(Settings)}
    for index, key in enumerate(KEYS):
        assert key.read is not None or KEYS[index - 1].read is not None, key.name  # read with the key before
        assert key.doc and "\n" not in key.doc, key.name
        if key.name not in ("shareHfTokenWithApp", "backendDir", "frontendDir"):
            assert key.field in names, key.name
    assert len(set(keys.CONFIG_KEYS)) == len(KEYS)


def _long_functions(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return found


@pytest.mark.parametrize("package", ["components/config", "components/rules"])
def test_no_function_over_60_lines(package: str) -> None:
    assert _long_functions(ROOT / package) == []
