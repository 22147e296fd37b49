"""A dynamic resource that owns one marker file on disk: the smallest real create/read/delete."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, ResourceProvider, UpdateResult


class MarkerProvider(ResourceProvider):
    """Writes `text` to `path`; refresh notices the file is gone; delete removes it."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        Path(props["path"]).write_text(props["text"])
        return CreateResult(props["path"], {**props, "digest": hashlib.sha256(props["text"].encode()).hexdigest()})

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self.create(news).outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if not Path(id_).exists():
            return ReadResult(None, {})
        return ReadResult(id_, props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        Path(id_).unlink(missing_ok=True)


class Marker(Resource, module="probe", name="Marker"):
    """The marker file resource."""

    digest: pulumi.Output[str]

    def __init__(self, name: str, path: str, text: pulumi.Input[str]) -> None:
        super().__init__(MarkerProvider(), name, {"path": path, "text": text, "digest": None})
