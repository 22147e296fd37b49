"""The ownership rules of components/rules/ownership.py (pure)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from components.rules.ownership import adoption_refusal, deletion_refusal, stack_instance, stack_marker, update_refusal

SPACE = "alice/rag-chatbot"
ME = stack_marker("hf-rag-space", "prod")


def test_marker_names_project_and_stack() -> None:
    assert ME == "hf-rag-space/prod"
    assert stack_marker("hf-rag-space", "dev", "0123456789ab") == "hf-rag-space/dev#0123456789ab"


def stack_file(folder: Path, stack: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"Pulumi.{stack}.yaml").write_text(body)
    return folder


def test_instance_tells_apart_two_inits_of_one_stack_name_and_hides_the_salt(tmp_path: Path) -> None:
    salts = [f"v1:{secrets.token_urlsafe(12)}" for _ in range(2)]
    body = "config:\n  hf-rag-space:spaceName: rag-chatbot-dev\nencryptionsalt: {salt}\n"
    mine, theirs = (stack_file(tmp_path / who, "dev", body.format(salt=salt))
                    for who, salt in zip(("a", "b"), salts, strict=True))
    a = stack_instance(mine, "hf-rag-space", "dev", "organization")
    b = stack_instance(theirs, "hf-rag-space", "dev", "organization")
    assert a != b and len(a) == 12 and int(a, 16) >= 0
    assert a == stack_instance(mine, "hf-rag-space", "dev", "organization")  # stable
    marker = stack_marker("hf-rag-space", "dev", a)
    assert all(part not in marker for salt in salts for part in (salt, salt[3:], salt[3:11]))


def test_instance_from_encrypted_key_from_stack_config_dir_or_from_the_organization(tmp_path: Path) -> None:
    kms = stack_file(tmp_path / "kms", "prod", "secretsprovider: awskms://alias/x\nencryptedkey: AQICAHg1\n")
    other = stack_file(tmp_path / "kms2", "prod", "secretsprovider: awskms://alias/x\nencryptedkey: AQICAHg2\n")
    assert stack_instance(kms, "p", "prod", None) != stack_instance(other, "p", "prod", None)
    (tmp_path / "cfg" / "Pulumi.yaml").parent.mkdir()
    (tmp_path / "cfg" / "Pulumi.yaml").write_text("name: p\nstackConfigDir: stacks\n")
    stack_file(tmp_path / "cfg" / "stacks", "prod", "encryptedkey: AQICAHg1\n")
    assert stack_instance(tmp_path / "cfg", "p", "prod", None) == stack_instance(kms, "p", "prod", None)
    cloud = stack_file(tmp_path / "cloud", "prod", "config: {}\n")  # Pulumi Cloud: no salt, no key
    assert stack_instance(cloud, "p", "prod", "alice-org") != stack_instance(cloud, "p", "prod", "bob-org")
    no_file = stack_instance(tmp_path / "none", "p", "prod", "alice-org")
    assert no_file == stack_instance(cloud, "p", "prod", "alice-org")


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
    ("hf-rag-space/prod", "hf-rag-space/prod", False, True),  # marked before instances, by this stack's state
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


def test_same_stack_name_of_another_init_is_another_owner() -> None:
    mine = stack_marker("hf-rag-space", "dev", "0123456789ab")
    theirs = stack_marker("hf-rag-space", "dev", "ba9876543210")
    assert adoption_refusal(SPACE, theirs, mine, False) is not None
    refusal = update_refusal(SPACE, theirs, mine, mine, False)
    assert refusal is not None and theirs in refusal
    assert deletion_refusal(SPACE, theirs, mine) is not None
    # This stack's own Space, marked before instances existed: recognised through its state, then re-marked.
    assert update_refusal(SPACE, "hf-rag-space/dev", mine, "hf-rag-space/dev", False) is None
    assert deletion_refusal(SPACE, "hf-rag-space/dev", "hf-rag-space/dev") is None


def test_the_marker_recorded_in_state_is_kept_whatever_this_checkout_derives() -> None:
    from components.rules.ownership import kept_marker

    recorded, derived = "hf-rag-space/prod#0123456789ab", "hf-rag-space/prod#ba9876543210"
    assert kept_marker(recorded, derived) == recorded  # another checkout, a runner, a new secrets provider
    assert kept_marker(None, derived) == derived  # a new stack
    assert kept_marker("hf-rag-space/prod", derived) == derived  # the pre-instance marker is replaced
    assert kept_marker("hf-rag-space/dev#0123456789ab", derived) == derived  # a renamed stack
    assert kept_marker("other-project/prod#0123456789ab", derived) == derived
    assert kept_marker("hf-rag-space/prod#not-an-instance", derived) == derived
