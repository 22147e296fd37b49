"""Rendered Dockerfile (Hugging Face Docker rules) and README.md (Space card + docs)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2
import pytest
import yaml
from fastapi.testclient import TestClient
from huggingface_hub.repocard import SpaceCard

from components.bundle.routes import find_routes
from components.bundle.templating import render, render_dockerfile, render_readme
from components.config import Settings, from_config
from components.errors import ConfigError
from components.rules.card import SPACE_DESCRIPTION_MAX, is_single_emoji

PROJECT_DIR = Path(__file__).resolve().parents[2]
SECRET_VALUES = {
    "hfToken": "hf_" + "Q" * 34,
    "geminiApiKey": "AIzaGeminiSecretValue",
    "qdrantUrl": "https://cluster-secret.cloud.qdrant.io:6333",
    "qdrantApiKey": "qdrant-secret-key-value",
    "databaseUrl": "postgresql://u:pgPassw0rdSecret@db.example.com/app?sslmode=require",
    "extraSecrets": json.dumps({"SENTRY_DSN": "https://sentry-secret-dsn@o1.ingest.sentry.io/1"}),
}


_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rag-backend"
EXAMPLE_ROUTES = find_routes(
    {p.relative_to(_EXAMPLE).as_posix(): p.read_bytes() for p in _EXAMPLE.rglob("app/**/*.py")}, "app.main")


def settings(**overrides: str) -> Settings:
    schema = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["config"]
    cfg: dict[str, str | None] = {
        k: str(v["default"]).lower() if isinstance(v["default"], bool) else str(v["default"])
        for k, v in schema.items()
        if "default" in v
    }
    cfg |= {"hfOwner": "alice", "spaceName": "rag-chatbot", "backendDir": "examples/rag-backend"}
    cfg |= {"hfToken": "hf_token_for_tests"} | overrides
    return from_config(cfg, {}, PROJECT_DIR)


# -- Dockerfile -----------------------------------------------------------------------------


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments and blank lines dropped, continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, args = (pending + line).strip().partition(" ")
        instructions.append((keyword.upper(), " ".join(args.split())))
        pending = ""
    assert not pending, "dangling line continuation"
    return instructions


def index(instructions: list[tuple[str, str]], keyword: str, contains: str = "") -> int:
    return next(i for i, (k, a) in enumerate(instructions) if k == keyword and contains in a)


def test_dockerfile_follows_hugging_face_rules() -> None:
    ins = parse_dockerfile(render_dockerfile(health_path="/api/health"))
    args = dict(ins)  # last value per keyword; fine for single-use keywords
    assert ins[0] == ("FROM", "python:3.11-slim")

    apt = ins[index(ins, "RUN", "apt-get install")][1]
    assert re.search(r"apt-get install -y --no-install-recommends gcc g\+\+ curl", apt)
    assert apt.startswith("apt-get update") and "rm -rf /var/lib/apt/lists/*" in apt

    useradd, user = index(ins, "RUN", "useradd"), index(ins, "USER")
    assert ins[useradd][1] == "useradd -m -u 1000 user" and useradd < user
    assert args["USER"] == "user"
    assert args["ENV"] == "HOME=/home/user PATH=/home/user/.local/bin:$PATH"
    assert args["WORKDIR"] == "$HOME/app"

    copies = [i for i, (k, _) in enumerate(ins) if k == "COPY"]
    assert copies and all(ins[i][1].startswith("--chown=user ") for i in copies)
    assert all(i > user for i in copies)
    requirements = index(ins, "COPY", "requirements.txt")
    pip = index(ins, "RUN", "pip install")
    code = index(ins, "COPY", ". .")
    assert requirements < pip < code
    assert ins[pip][1] == "pip install --no-cache-dir --upgrade -r requirements.txt"

    assert args["EXPOSE"] == "7860"
    healthcheck = args["HEALTHCHECK"]
    command = json.loads(healthcheck.partition(" CMD ")[2])
    assert command[:2] == ["curl", "-f"] and command[-1] == "http://localhost:7860/api/health"
    assert json.loads(args["CMD"]) == ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "7860"]
    assert ins[-1][0] == "CMD"


@pytest.mark.parametrize("path", ["/healthz", '/api/v1/health?deep=1&x="y"', "/ok'$(id)"])
def test_dockerfile_healthcheck_path_is_quoted_safely(path: str) -> None:
    healthcheck = dict(parse_dockerfile(render_dockerfile(health_path=path)))["HEALTHCHECK"]
    assert json.loads(healthcheck.partition(" CMD ")[2])[-1] == f"http://localhost:7860{path}"


# -- README ---------------------------------------------------------------------------------


def front_matter(readme: str) -> dict[str, object]:
    match = re.match(r"---\n(.*?)\n---\n", readme, re.S)
    assert match, "README must start with YAML front matter"
    data = yaml.safe_load(match.group(1))
    assert isinstance(data, dict)
    return data


def test_readme_front_matter() -> None:
    readme = render_readme(settings())
    data = front_matter(readme)
    assert data["sdk"] == "docker" and data["app_port"] == 7860
    assert data["title"] == "rag-chatbot"
    assert all(data[k] for k in ("emoji", "colorFrom", "colorTo", "short_description"))
    assert len(str(data["short_description"])) <= 60
    assert SpaceCard(readme).data.to_dict() == data  # huggingface_hub reads it back the same


def test_readme_sections_from_settings() -> None:
    readme = render_readme(
        settings(**SECRET_VALUES, frontendUrl="https://my-app.vercel.app/", allowedOrigins="http://localhost:3000"),
        routes=EXAMPLE_ROUTES,
    )
    for heading in [
        "Features",
        "API Endpoints",
        "Required Secrets",
        "Variables",
        "Configuration",
        "CORS",
        "Health check",
        "Cold start",
    ]:
        assert f"\n## {heading}\n" in readme
    for route in ["| POST | `/api/chat` |", "| GET | `/api/health` |", "| GET | `/docs` |"]:
        assert route in readme
    for name in ["GEMINI_API_KEY", "QDRANT_URL", "QDRANT_API_KEY", "DATABASE_URL", "SENTRY_DSN"]:
        assert f"| `{name}` |" in readme
    assert "- `https://my-app.vercel.app`\n- `http://localhost:3000`\n" in readme
    assert "| `LOG_LEVEL` | `INFO` |" in readme
    assert "30\u201360 seconds" in readme and "sleep" in readme


def test_readme_never_contains_secret_values() -> None:
    readme = render_readme(settings(**SECRET_VALUES))
    values = [*SECRET_VALUES.values(), "pgPassw0rdSecret", "sentry-secret-dsn"]
    assert not [v for v in values if v in readme]


def readme_health_example(s: Settings) -> Any:
    block = re.search(r"```json\n(.*?)\n```", render_readme(s), re.S)
    assert block
    return json.loads(block.group(1))


def test_readme_health_example_is_what_the_example_backend_answers(backend: ModuleType) -> None:
    """The README's example health answer, compared with the example backend's real answer (not with the
    function that rendered it)."""
    assert readme_health_example(settings()) == TestClient(backend.app).get("/api/health").json()


def test_readme_health_example_follows_the_settings() -> None:
    example = readme_health_example(settings(geminiApiKey="AIzaGeminiSecretValue"))
    assert example["services"]["gemini"] == {"status": "connected"}
    assert example["services"]["qdrant"] == {"status": "not_configured"}
    assert example["services"]["postgres"] == {"status": "not_configured"}


def test_readme_without_origins_says_so() -> None:
    assert "none: set `frontendUrl` or `allowedOrigins`" in render_readme(settings())


RENDER_SCRIPT = """
import json, sys
from tests.unit.test_templating import EXAMPLE_ROUTES, SECRET_VALUES, settings
from components.bundle.templating import render_dockerfile, render_readme
s = settings(**SECRET_VALUES, extraVariables=json.dumps({"B_VAR": "2", "A_VAR": "1", "C_VAR": "3"}),
             allowedOrigins="http://localhost:3000,https://b.example.com,https://a.example.com")
sys.stdout.write(render_readme(s, routes=EXAMPLE_ROUTES))
sys.stdout.write(render_dockerfile(health_path="/x", target="pkg.main:app", app_dir="src",
                                   system_packages=("libpq-dev", "git", "curl"), constraints=True))
"""


def test_rendering_is_deterministic() -> None:
    """Two interpreters with different string hashing (set and dict orders of str keys) render the same bytes."""
    renders = []
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", RENDER_SCRIPT], cwd=PROJECT_DIR, env=env,
                                capture_output=True, text=True, check=True)
        renders.append(result.stdout)
    assert renders[0] and "B_VAR" in renders[0] and "SENTRY_DSN" in renders[0] and "libpq-dev" in renders[0]
    assert renders[0] == renders[1] == renders[2]


# -- Space card settings (spaceTitle, spaceEmoji, spaceDescription) -------------------------------


def test_space_card_comes_from_config() -> None:
    readme = render_readme(settings(spaceTitle="Docs Chat: ask our handbook", spaceEmoji="🤖",
                                    spaceDescription="Answers from our docs: Gemini + Qdrant"))
    data = front_matter(readme)
    assert (data["title"], data["emoji"], data["short_description"]) == (
        "Docs Chat: ask our handbook", "🤖", "Answers from our docs: Gemini + Qdrant")
    assert "\n# Docs Chat: ask our handbook\n" in readme
    assert SpaceCard(readme).data.to_dict() == data
    default = front_matter(render_readme(settings()))  # Pulumi.yaml defaults: the Space name, 💬
    assert (default["title"], default["emoji"]) == ("rag-chatbot", "💬")


@pytest.mark.parametrize("emoji", ["🤖", "❤️", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🇫🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "⭐"])
def test_one_emoji_is_accepted(emoji: str) -> None:
    assert is_single_emoji(emoji) and settings(spaceEmoji=emoji).space_emoji == emoji


@pytest.mark.parametrize("emoji", ["ab", "🤖🤖", " 🤖", "🤖 ", ":)", "\u200d🤖", "🤖\u200d", "🇫", "🇫🇷🇩🇪", "️"])
def test_anything_but_one_emoji_is_refused(emoji: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings(spaceEmoji=emoji)
    assert "hf-rag-space:spaceEmoji: must be one emoji" in str(info.value)


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("spaceDescription", "x" * (SPACE_DESCRIPTION_MAX + 1), "must be one line of 1 to 60 characters"),
    ("spaceDescription", "two\nlines", "must be one line"),
    ("spaceDescription", " ", "must be one line"),
    ("spaceTitle", "Title\nInjected: yes", "must be one line"),
])
def test_space_card_text_is_checked_against_the_hub_rules(key: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings(**{key: value})
    assert f"hf-rag-space:{key}: {expected}" in str(info.value)
    assert settings(spaceDescription="y" * SPACE_DESCRIPTION_MAX).space_description == "y" * SPACE_DESCRIPTION_MAX


def test_space_card_defaults_in_pulumi_yaml_pass_the_checks() -> None:
    schema = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["config"]
    assert is_single_emoji(schema["spaceEmoji"]["default"])
    assert 0 < len(schema["spaceDescription"]["default"]) <= SPACE_DESCRIPTION_MAX


def test_undefined_template_variables_fail() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("README.md.j2", title="x")
