"""Dockerfile parsing, build rules and the launch command, without a server."""

from __future__ import annotations

import sys

import pytest

from localhub import build, dockerfile
from localhub.runtime import Runtime, subdomain

README = b"---\nsdk: docker\napp_port: 7860\n---\n"


def check(docker: str, readme: bytes = README, extra: tuple[str, ...] = ()) -> build.BuildResult:
    data = {"README.md": readme, "Dockerfile": docker.encode()}
    return build.check({"README.md", "Dockerfile", *extra}, lambda p: data[p])


def test_multi_stage_uses_the_final_stage() -> None:
    result = check(
        "ARG PY=3.11\nFROM python:${PY} AS build\nUSER root\n"
        "FROM python:3.11-slim\nRUN groupadd app && useradd --uid 1000 -m -g app appuser\nUSER appuser\n"
        'ENTRYPOINT ["gunicorn", "-k", "uvicorn.workers.UvicornWorker"]\nCMD ["-b", "0.0.0.0:7860", "main:app"]\n'
    )
    assert result.failures == [] and result.plan is not None
    assert result.plan.argv[:2] == ["gunicorn", "-k"]


def test_shell_form_cmd_expands_env() -> None:
    result = check(
        "FROM python:3.11\nRUN useradd -m -u 1000 user\nUSER 1000\nENV PORT=7860\n"
        'CMD sh -c "uvicorn main:app --host 0.0.0.0 --port ${PORT}"\n'
    )
    assert result.plan is not None and result.plan.argv[-1] == "7860"


def test_continuations_and_comments() -> None:
    result = check(
        "# syntax=docker/dockerfile:1\nFROM python:3.11\nRUN useradd \\\n  # a comment inside\n  -m -u 1000 user\n"
        'USER user\nCMD ["python", "-m", "uvicorn", "main:app", "--host=0.0.0.0", "--port=7860"]\n'
    )
    assert result.failures == []


def test_exec_form_does_not_expand_variables() -> None:
    result = check(
        "FROM python\nRUN useradd -u 1000 u\nUSER u\nENV P=7860\n"
        'CMD ["uvicorn", "m:a", "--host", "0.0.0.0", "--port", "$P"]\n'
    )
    assert result.failures == [] and [rule for rule, _ in result.launch_errors] == ["dockerfile-cmd-port"]
    assert result.plan is not None and "dockerfile-cmd-port" in (result.plan.launch_error or "")


@pytest.mark.parametrize(
    ("docker", "rule"),
    [
        ("", "dockerfile-parse"),
        ("RUN echo hi\n", "dockerfile-parse"),
        ("FROM python\nRUN useradd -u 1000 u\nUSER u\n", "dockerfile-cmd"),
    ],
)
def test_rules(docker: str, rule: str) -> None:
    assert rule in [r for r, _ in check(docker).failures]


@pytest.mark.parametrize(
    ("docker", "rule"),
    [
        ("FROM python\nCMD uvicorn m:a --host 127.0.0.1 --port 7860\n", "dockerfile-cmd-host"),
        ('FROM python\nCMD ["uvicorn", "m:a", "--port", "7860"]\n', "dockerfile-cmd-host"),  # uvicorn's default
        ('FROM python\nCMD ["uvicorn", "m:a", "--host", "0.0.0.0"]\n', "dockerfile-cmd-port"),  # 8000, not 7860
    ],
)
def test_an_app_the_proxy_cannot_reach_builds_then_fails_at_launch(docker: str, rule: str) -> None:
    result = check(docker)
    assert result.failures == [] and result.plan is not None
    assert rule in (result.plan.launch_error or "")


def test_gunicorn_with_env_port_binds_all_interfaces() -> None:
    result = check("FROM python\nENV PORT=7860\nCMD gunicorn -k uvicorn.workers.UvicornWorker m:a\n")
    assert result.failures == [] and result.plan is not None and result.plan.launch_error is None
    assert not result.plan.add_port  # gunicorn reads $PORT, which localhub sets to the app's private port


def test_root_image_builds_with_a_warning_and_app_port_follows_the_card() -> None:
    """hub-docs spaces-sdks-docker: any Dockerfile builds and runs as UID 1000; requests go to app_port."""
    result = check('FROM python\nWORKDIR /app\nCOPY . .\nCMD ["uvicorn", "m:a", "--host", "0.0.0.0"]\n',
                   readme=b"---\nsdk: docker\napp_port: 8000\n---\n")
    assert result.failures == [] and result.plan is not None and result.plan.launch_error is None
    assert result.plan.app_port == 8000 and result.plan.add_port  # uvicorn's default 8000 is app_port
    assert any("WARNING: [rule dockerfile-user-1000]" in line for line in result.log)


def test_missing_app_port_defaults_to_7860() -> None:
    result = check(
        'FROM python\nRUN useradd -u 1000 u\nUSER u\nCMD ["uvicorn", "m:a", "--host", "0.0.0.0", "--port", "7860"]\n',
        readme=b"---\nsdk: docker\n---\n",
    )
    assert result.failures == [] and any("readme-app-port" in line for line in result.log)


def test_parse_errors_name_the_line() -> None:
    with pytest.raises(dockerfile.DockerfileError, match="line 2"):
        dockerfile.parse("FROM python\nBOGUS x\n")


def test_launch_argv_rewrites_server_host_and_port() -> None:
    launch = Runtime._launch_argv
    argv = launch(None, ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "7860"], 5555)  # type: ignore[arg-type]
    assert argv == [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", "5555"]
    argv = launch(None, ["gunicorn", "-b", "0.0.0.0:7860", "m:a"], 5555)  # type: ignore[arg-type]
    assert argv[-2:] == ["127.0.0.1:5555", "m:a"]
    argv = launch(None, ["python", "-m", "uvicorn", "m:a", "--host=0.0.0.0", "--port=7860"], 5555)  # type: ignore[arg-type]
    assert argv == [sys.executable, "-m", "uvicorn", "m:a", "--host=127.0.0.1", "--port=5555"]


@pytest.mark.parametrize(
    ("repo_id", "expected"),
    [
        ("NimaBoscarino/hotdog-gradio", "nimaboscarino-hotdog-gradio"),
        ("user/tmp_test_space", "user-tmp-test-space"),
        ("black-forest-labs/FLUX.1-schnell", "black-forest-labs-flux-1-schnell"),
    ],
)
def test_subdomain(repo_id: str, expected: str) -> None:
    assert subdomain(repo_id) == expected


def test_build_secrets_reach_the_install_only_through_a_secret_mount() -> None:
    """hub-docs spaces-sdks-docker.md: a secret is visible at build time only through `RUN --mount=type=secret`;
    with `env=` (Docker's RUN --mount reference) the step sees it as that variable."""
    result = check(
        "FROM python:3.11\nRUN useradd -m -u 1000 user\nUSER user\n"
        "RUN --mount=type=secret,id=PIP_EXTRA_INDEX_URL,env=PIP_EXTRA_INDEX_URL,required=true "
        "--mount=type=secret,id=OPTIONAL_ONE,env=OPT pip install -r requirements.txt\n"
        "RUN --mount=type=secret,id=AS_FILE,mode=0444 cat /run/secrets/AS_FILE\n"
        'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "7860"]\n'
    )
    assert result.plan is not None
    secrets = {"PIP_EXTRA_INDEX_URL": "https://idx/tok/simple", "AS_FILE": "f", "NOT_MOUNTED": "n"}
    assert build.build_secrets(result.plan, secrets, result) == {"PIP_EXTRA_INDEX_URL": "https://idx/tok/simple"}
    missing = build.build_secrets(result.plan, {}, result)
    assert missing is None and "[rule dockerfile-secret-missing] line 4: secret PIP_EXTRA_INDEX_URL" in result.log[-1]


def test_a_bare_required_secret_mount_option_means_required() -> None:
    result = check(
        "FROM python:3.11\nRUN useradd -m -u 1000 user\nUSER user\n"
        "RUN --mount=type=secret,id=TOKEN,env=TOKEN,required pip install -r requirements.txt\n"
        'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "7860"]\n'
    )
    assert result.plan is not None and result.plan.secret_mounts[0].required
