"""Rendering the Space's files does not import huggingface_hub (ARCHITECTURE.md: only hub/client.py does,
when the Hub is called), so a no-change program run does not pay its import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.unit.test_settings import make_cfg

ROOT = Path(__file__).resolve().parents[2]


def test_rendering_the_readme_does_not_import_huggingface_hub(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    (backend / "app").mkdir(parents=True)
    (backend / "app" / "main.py").write_text("app = None\n")
    (backend / "requirements.txt").write_text("fastapi\n")
    code = f"""
import json, sys
from pathlib import Path
from components.config import Settings, from_config
from components.bundle.templating import render_readme, render_dockerfile
settings = from_config(json.loads({json.dumps(json.dumps(make_cfg(backend)))}), {{}}, Path("."))
assert render_readme(settings).startswith("---\\ntitle: rag-chatbot\\n")
render_dockerfile(health_path="/api/health")
import components.bundle.build
print(sorted(m for m in sys.modules if m.startswith("huggingface_hub")))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
