"""The patched example frontend in a real headless Chromium: which backend does the page call?

The example (``examples/frontend``) is copied, its client patched with :func:`patch_file`, bundled
with esbuild and served on 127.0.0.1. Two loopback servers stand in for the dev backend and the
Space and record requests. Chromium maps the made-up names ``space-test.example`` (the page) and
``rag-space.hf.test`` (the Space) to 127.0.0.1, so the page sees a non-localhost hostname.
Needs ``/usr/bin/chromium`` (scripts/install-browser.sh) and tools/ (scripts/install-node-tools.sh):
missing either is a failure, not a skip, because CI installs both.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from components.frontend_patch_provider import esbuild_path, patch_file

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "frontend"
DRIVER = Path(__file__).resolve().parent / "driver.cjs"
CHROMIUM = Path("/usr/bin/chromium")
PAGE_HOST = "space-test.example"
SPACE_HOST = "rag-space.hf.test"
# Production hosts whose name merely contains "localhost". Chromium preloads HSTS for the whole .app TLD,
# so mylocalhost.app is served over TLS (a throwaway self-signed certificate, errors ignored).
LOOKALIKE_HOST = "mylocalhost.example"
LOOKALIKE_APP_HOST = "mylocalhost.app"


@dataclass
class Backend:
    """A loopback HTTP server answering /api/health and recording every request."""

    name: str
    server: ThreadingHTTPServer
    requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.server_address[1]


def start_backend(name: str, tls: ssl.SSLContext | None = None) -> Backend:
    backend: Backend

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            backend.requests.append({"method": self.command, "path": self.path, "host": self.headers.get("Host", "")})

        def _send(self, status: int, body: bytes = b"") -> None:
            self.send_response(status)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_OPTIONS(self) -> None:
            self._record()
            self._send(204)

        def do_GET(self) -> None:
            self._record()
            if self.path == "/api/health":
                self._send(200, json.dumps({"status": f"healthy ({name})"}).encode())
            else:
                self._send(404, b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    backend = Backend(name, ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    if tls is not None:
        backend.server.socket = tls.wrap_socket(backend.server.socket, server_side=True)
    threading.Thread(target=backend.server.serve_forever, daemon=True).start()
    return backend


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Site:
    page_port: int
    dev: Backend
    space: Backend
    bundle: str

    @property
    def dev_url(self) -> str:
        return f"http://localhost:{self.dev.port}"

    @property
    def space_url(self) -> str:
        return f"http://{SPACE_HOST}:{self.space.port}"


def require_tools() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run scripts/install-browser.sh (CI installs Debian's chromium)")
    if shutil.which("node") is None:
        pytest.fail("node not found: install Node.js 20+ (the browser tests drive Chromium with playwright-core)")
    if not esbuild_path().exists() or not (ROOT / "tools/node_modules/playwright-core").is_dir():
        pytest.fail("tools/node_modules incomplete: run scripts/install-node-tools.sh")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_tools()
    dev, space = start_backend("dev"), start_backend("space")
    frontend = tmp_path_factory.mktemp("frontend")
    shutil.copytree(EXAMPLE, frontend, dirs_exist_ok=True, ignore=shutil.ignore_patterns("dist", "node_modules"))
    client = frontend / "src/services/api.ts"
    result = patch_file(client, f"http://localhost:{dev.port}", f"http://{SPACE_HOST}:{space.port}")
    assert result.plan.action == "insert"
    subprocess.run(["bash", str(EXAMPLE / "build.sh"), str(frontend)], check=True, timeout=120)
    bundle = (frontend / "dist/app.js").read_text()
    pages = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietFiles, directory=str(frontend)))
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    try:
        yield Site(pages.server_address[1], dev, space, bundle)
    finally:
        for server in (pages, dev.server, space.server):
            server.shutdown()
            server.server_close()


def open_page(site: Site, url: str, ignore_https_errors: bool = False) -> dict[str, Any]:
    site.dev.requests.clear()
    site.space.requests.clear()
    options = {
        "url": url,
        "chromium": str(CHROMIUM),
        "hostRules": f"MAP {PAGE_HOST} 127.0.0.1, MAP {SPACE_HOST} 127.0.0.1, MAP {LOOKALIKE_HOST} 127.0.0.1, "
                     f"MAP {LOOKALIKE_APP_HOST} 127.0.0.1",
        "ignoreHTTPSErrors": ignore_https_errors,
    }
    done = subprocess.run(
        ["node", str(DRIVER), json.dumps(options)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"browser driver failed:\n{done.stderr}"
    report: dict[str, Any] = json.loads(done.stdout)
    assert "driverError" not in report, (
        f"{report['driverError']}\npage errors: {report['pageErrors']}\nconsole: {report['console']}"
    )
    return report


def assert_clean(report: dict[str, Any]) -> None:
    errors = [m for m in report["console"] if m["type"] in ("error", "assert")]
    assert errors == [], f"console errors: {errors}"
    assert report["pageErrors"] == [], f"page errors (e.g. 'process is not defined'): {report['pageErrors']}"
    assert report["failedRequests"] == []


def health_calls(backend: Backend) -> list[dict[str, str]]:
    return [r for r in backend.requests if r["path"] == "/api/health"]


def test_bundle_picks_the_url_by_hostname_without_process_env(site: Site) -> None:
    assert "window.location.hostname" in site.bundle
    assert "process.env" not in site.bundle
    assert site.dev_url in site.bundle and site.space_url in site.bundle


def test_page_on_localhost_calls_the_dev_backend(site: Site) -> None:
    report = open_page(site, f"http://localhost:{site.page_port}/")
    assert report["baseUrl"] == site.dev_url
    assert report["health"] == "healthy (dev)"
    assert [r["host"] for r in health_calls(site.dev)] == [f"localhost:{site.dev.port}"]
    assert site.space.requests == []
    assert_clean(report)


def test_page_on_loopback_address_calls_the_dev_backend(site: Site) -> None:
    report = open_page(site, f"http://127.0.0.1:{site.page_port}/")
    assert report["baseUrl"] == site.dev_url
    assert len(health_calls(site.dev)) == 1
    assert site.space.requests == []
    assert_clean(report)


def test_page_on_another_host_calls_the_space(site: Site) -> None:
    report = open_page(site, f"http://{PAGE_HOST}:{site.page_port}/")
    assert report["location"] == f"http://{PAGE_HOST}:{site.page_port}/"
    assert report["baseUrl"] == site.space_url
    assert report["health"] == "healthy (space)"
    assert [r["host"] for r in health_calls(site.space)] == [f"{SPACE_HOST}:{site.space.port}"]
    assert site.dev.requests == []
    assert_clean(report)


def test_page_on_a_host_merely_named_like_localhost_calls_the_space(site: Site) -> None:
    report = open_page(site, f"http://{LOOKALIKE_HOST}:{site.page_port}/")
    assert report["location"] == f"http://{LOOKALIKE_HOST}:{site.page_port}/"
    assert report["baseUrl"] == site.space_url
    assert len(health_calls(site.space)) == 1 and site.dev.requests == []
    assert_clean(report)


def test_page_on_a_localhost_subdomain_calls_the_dev_backend(site: Site) -> None:
    report = open_page(site, f"http://app.localhost:{site.page_port}/")  # Chromium resolves *.localhost itself
    assert report["baseUrl"] == site.dev_url
    assert len(health_calls(site.dev)) == 1 and site.space.requests == []
    assert_clean(report)


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The same frontend served over TLS, calling a Space that also speaks TLS (an https page may not
    call plain http), with one throwaway self-signed certificate for both names."""
    require_tools()
    certs = tmp_path_factory.mktemp("certs")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    f"/CN={LOOKALIKE_APP_HOST}", "-addext", f"subjectAltName=DNS:{LOOKALIKE_APP_HOST},DNS:{SPACE_HOST}",
                    "-keyout", str(certs / "key.pem"), "-out", str(certs / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs / "cert.pem", certs / "key.pem")
    dev, space = start_backend("dev"), start_backend("space", tls=context)
    frontend = tmp_path_factory.mktemp("tls-frontend")
    shutil.copytree(EXAMPLE, frontend, dirs_exist_ok=True, ignore=shutil.ignore_patterns("dist", "node_modules"))
    result = patch_file(frontend / "src/services/api.ts", f"http://localhost:{dev.port}",
                        f"https://{SPACE_HOST}:{space.port}")
    assert result.plan.action == "insert"
    subprocess.run(["bash", str(EXAMPLE / "build.sh"), str(frontend)], check=True, timeout=120)
    pages = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietFiles, directory=str(frontend)))
    pages.socket = context.wrap_socket(pages.socket, server_side=True)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    try:
        yield Site(pages.server_address[1], dev, space, (frontend / "dist/app.js").read_text())
    finally:
        for server in (pages, dev.server, space.server):
            server.shutdown()
            server.server_close()


def test_page_on_mylocalhost_app_calls_the_space(tls_site: Site) -> None:
    report = open_page(tls_site, f"https://{LOOKALIKE_APP_HOST}:{tls_site.page_port}/", ignore_https_errors=True)
    assert report["location"] == f"https://{LOOKALIKE_APP_HOST}:{tls_site.page_port}/"
    assert report["baseUrl"] == f"https://{SPACE_HOST}:{tls_site.space.port}"
    assert report["health"] == "healthy (space)"
    assert len(health_calls(tls_site.space)) == 1 and tls_site.dev.requests == []
    assert_clean(report)
