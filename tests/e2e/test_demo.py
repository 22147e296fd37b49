"""`make demo` next to another checkout's localhub: the real scripts/demo.sh on a copy of this repository.

A foreign localhub (its own tokens, its own Space `demo/rag-chatbot`) listens on the demo's default port.
The demo must start its own localhub on another port, say so, deploy there, and never send the foreign
hub a request; `demo.sh destroy` must delete only the demo's Space and stop only the demo's localhub.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from huggingface_hub import HfApi

from localhub import serve
from localhub.serve import LocalHub
from tests.e2e.pulumi_cli import REPO

pytestmark = pytest.mark.e2e
SPACE = "demo/rag-chatbot"  # the demo's Space id (Pulumi.demo.yaml), also taken on the foreign hub
DEMO_TIMEOUT = 240  # below pytest-timeout's 300 s


def copy_checkout(dest: Path) -> Path:
    """This checkout's tracked files (working-tree content) plus symlinks to what `make setup` installed
    (.venv, tools/node_modules): no .demo/ is shared."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        src = REPO / name
        if src.is_file():  # skips deleted files and submodule entries
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name, follow_symlinks=False)
    for installed in (".venv", "tools/node_modules"):
        (dest / installed).symlink_to(REPO / installed)
    return dest


def demo(checkout: Path, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    """`bash scripts/demo.sh ARGS` as `make demo` runs it, with the default port set to PORT and fast builds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_RAG_DEMO_", "PULUMI_BACKEND_URL"))}
    env.update(HF_RAG_DEMO_PORT=str(port), HF_RAG_DEMO_BUILD_MODE="fast")
    return subprocess.run(["bash", "scripts/demo.sh", *args], cwd=checkout, env=env, capture_output=True,
                          text=True, timeout=DEMO_TIMEOUT)


def answers(endpoint: str) -> bool:
    try:
        return httpx.get(f"{endpoint}/_localhub/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def foreign(tmp_path: Path) -> Iterator[tuple[LocalHub, HfApi]]:
    """Another checkout's localhub on a free port, with its own token and its own Space `demo/rag-chatbot`."""
    token = f"hf_{secrets.token_hex(20)}"
    with serve(tmp_path / "foreign", tokens={token: "demo"}) as handle:
        api = HfApi(endpoint=handle.endpoint, token=token)
        api.create_repo(SPACE, repo_type="space", space_sdk="static")
        api.upload_file(path_or_fileobj=b"<h1>the other checkout's Space</h1>\n", path_in_repo="index.html",
                        repo_id=SPACE, repo_type="space")
        yield handle, api


def test_demo_avoids_a_foreign_localhub_on_its_port_and_destroys_only_its_own(
    tmp_path: Path, foreign: tuple[LocalHub, HfApi]
) -> None:
    hub, api = foreign
    taken = int(hub.endpoint.rsplit(":", 1)[1])
    before = api.space_info(SPACE)
    hub.reset_stats()
    checkout = copy_checkout(tmp_path / "checkout")
    try:
        up = demo(checkout, taken, "up")
        out = up.stdout + up.stderr
        assert up.returncode == 0, out[-4000:]
        started = re.search(r"started this checkout's localhub on (http://127\.0\.0\.1:(\d+)) \(port (\d+) is taken",
                            out)
        assert started, out[-4000:]
        endpoint, port = started.group(1), int(started.group(2))
        assert int(started.group(3)) == taken and port != taken
        assert f"hubEndpoint: http://127.0.0.1:{port}" in (checkout / ".demo/stack/Pulumi.demo.yaml").read_text()
        own = HfApi(endpoint=endpoint, token=(checkout / ".demo/hf-token").read_text().strip())
        assert own.get_space_runtime(SPACE).stage == "RUNNING"
        health_url = re.search(r"health of the running Space: GET (\S+)", out)
        assert health_url and f":{taken}/" not in health_url.group(1), out[-4000:]
        assert httpx.get(health_url.group(1), timeout=30).status_code == 200
        demo_spaces = list((checkout / ".demo/localhub").glob(f"repos/*/{SPACE}/repo.json"))
        assert len(demo_spaces) == 1, "the demo's Space is stored by the demo's own localhub"

        stats = hub.stats()  # admin routes are not counted: these are the Hub API requests it received
        assert stats["total_requests"] == 0 and stats["write_requests"] == 0, stats["requests"]
        pid = int((checkout / ".demo/localhub.pid").read_text())

        down = demo(checkout, taken, "destroy")
        out = down.stdout + down.stderr
        assert down.returncode == 0, out[-4000:]
        assert f"this checkout's localhub (port {port}) stopped" in out
        assert not list((checkout / ".demo/localhub").glob(f"repos/*/{SPACE}/repo.json")), "demo Space deleted"
        assert not Path(f"/proc/{pid}").exists() and not answers(endpoint), "the demo's localhub stopped"
    finally:
        demo(checkout, taken, "stop")

    assert hub.stats()["total_requests"] == 0, hub.stats()["requests"]
    assert answers(hub.endpoint), "the foreign localhub still serves"
    after = api.space_info(SPACE)
    assert after.sha == before.sha and after.private == before.private
    assert [f.rfilename for f in after.siblings or []] == [f.rfilename for f in before.siblings or []]
