"""The ownership rules of components/ownership.py (pure)."""

from __future__ import annotations

import pytest

from components.ownership import adoption_refusal, deletion_refusal, stack_marker, update_refusal

SPACE = "alice/rag-chatbot"
ME = stack_marker("hf-rag-space", "prod")


def test_marker_names_project_and_stack() -> None:
    assert ME == "hf-rag-space/prod"


@pytest.mark.parametrize(("marker", "adopt", "allowed"), [
    (ME, False, True),  # an interrupted run of this stack
    ("hf-rag-space/dev", False, False),  # another stack
    (None, False, False),  # made by hand
    ("hf-rag-space/dev", True, True),  # the opt-in
    (None, True, True),
])
def test_adoption(marker: str | None, adopt: bool, allowed: bool) -> None:
    refusal = adoption_refusal(SPACE, marker, ME, adopt)
    assert (refusal is None) is allowed
    if refusal:
        assert f"pulumi config set adoptSpace {SPACE}" in refusal and "spaceName" in refusal
        assert (marker or "no ownership marker") in refusal


@pytest.mark.parametrize(("marker", "previous", "adopt", "allowed"), [
    (ME, ME, False, True),
    (None, ME, False, True),  # marker removed by hand: written again
    ("hf-rag-space/old-name", "hf-rag-space/old-name", False, True),  # stack renamed
    (None, None, False, True),  # state from before markers
    ("hf-rag-space/dev", ME, False, False),  # taken over by another stack
    ("hf-rag-space/dev", ME, True, True),  # taken back on purpose
])
def test_update(marker: str | None, previous: str | None, adopt: bool, allowed: bool) -> None:
    refusal = update_refusal(SPACE, marker, ME, previous, adopt)
    assert (refusal is None) is allowed
    if refusal:
        assert "hf-rag-space/dev" in refusal and "adoptSpace" in refusal


@pytest.mark.parametrize(("marker", "this_stack", "deleted"), [
    (ME, ME, True),
    ("hf-rag-space/dev", ME, False),
    (None, ME, False),
    (None, None, False),  # state from before markers: left, with the reason
    (ME, None, False),
])
def test_deletion(marker: str | None, this_stack: str | None, deleted: bool) -> None:
    refusal = deletion_refusal(SPACE, marker, this_stack)
    assert (refusal is None) is deleted
    if refusal:
        assert refusal.startswith(f"Left Space {SPACE} on the Hub")
