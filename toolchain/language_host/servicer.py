"""The LanguageRuntime gRPC service: what the Pulumi engine asks of a Python language host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format

from . import proto, python_env

language_pb2, language_pb2_grpc, plugin_pb2 = proto.load()
_Servicer: Any = language_pb2_grpc.LanguageRuntimeServicer

VERSION = os.environ.get("HF_RAG_PULUMI_VERSION", "3.259.0")
BAIL_EXIT_CODE = 32  # the program already reported its error through the engine
EXECUTOR = Path(__file__).resolve().parent.parent / "bin" / "pulumi-language-python-exec"


def _options(info: Any) -> dict[str, Any]:
    return json_format.MessageToDict(info.options) if info and info.HasField("options") else {}


def _program_path(request: Any) -> str:
    """The program file or directory to run, absolute."""
    info = request.info
    if info and info.program_directory:
        entry = info.entry_point or "."
        return str(Path(info.program_directory) / entry)
    return str(Path(request.pwd or ".") / (request.program or "."))


def _root(info: Any, fallback: str) -> str:
    return (info.root_directory if info and info.root_directory else fallback) or os.getcwd()


class LanguageHost(_Servicer):
    """Runs Pulumi Python programs with the interpreter named by the project's runtime options."""

    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self._children: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def Handshake(self, request: Any, context: Any) -> Any:
        if request.engine_address:
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=VERSION)

    def _env_for(self, info: Any, pwd: str) -> python_env.PythonEnv:
        return python_env.resolve(_root(info, pwd), _options(info))

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        env = self._env_for(request.info, request.info.program_directory)
        packages = [
            plugin_pb2.PackageDependency(kind="resource", name=p["name"], version=p["version"],
                                         server=p["server"])
            for p in env.inspect()["plugins"]
        ]
        return language_pb2.GetRequiredPackagesResponse(packages=packages)

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        env = self._env_for(request.info, request.pwd)
        plugins = [
            plugin_pb2.PluginDependency(kind="resource", name=p["name"], version=p["version"],
                                        server=p["server"])
            for p in env.inspect()["plugins"]
        ]
        return language_pb2.GetRequiredPluginsResponse(plugins=plugins)

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        env = self._env_for(request.info, request.pwd)
        deps = [language_pb2.DependencyInfo(name=d["name"], version=d["version"])
                for d in env.inspect()["dists"]]
        return language_pb2.GetProgramDependenciesResponse(dependencies=deps)

    def About(self, request: Any, context: Any) -> Any:
        env = self._env_for(request.info, os.getcwd())
        version = subprocess.run([env.python, "--version"], capture_output=True, text=True, check=False)
        return language_pb2.AboutResponse(executable=env.python,
                                          version=version.stdout.strip().removeprefix("Python "))

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:
        return language_pb2.RuntimeOptionsResponse()

    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:
        """Create the virtualenv if needed and install requirements.txt, streaming pip's output."""
        options = _options(request.info)
        root = _root(request.info, request.directory)
        venv = options.get("virtualenv")
        commands: list[list[str]] = []
        if venv:
            path = Path(venv) if os.path.isabs(venv) else Path(root) / venv
            if not (path / "bin" / "python").exists():
                commands.append([sys.executable, "-m", "venv", str(path)])
            python = str(path / "bin" / "python")
        else:
            python = os.environ.get("PULUMI_PYTHON_CMD", "python3")
        requirements = Path(request.directory or root) / "requirements.txt"
        if requirements.exists():
            commands.append([python, "-m", "pip", "install", "-r", str(requirements)])
        for command in commands:
            proc = subprocess.run(command, capture_output=True, check=False)
            yield language_pb2.InstallDependenciesResponse(stdout=proc.stdout, stderr=proc.stderr)
            if proc.returncode != 0:
                context.abort(grpc.StatusCode.UNKNOWN, f"{' '.join(command)} failed ({proc.returncode})")

    def Run(self, request: Any, context: Any) -> Any:
        """Run the program in a child interpreter connected to the engine's resource monitor."""
        try:
            env = self._env_for(request.info, request.pwd)
        except FileNotFoundError as exc:
            return language_pb2.RunResponse(error=str(exc))
        args = [
            env.python, "-u", str(EXECUTOR),
            "--monitor", request.monitor_address,
            "--engine", self.engine_address,
            "--project", request.project,
            "--stack", request.stack,
            "--pwd", request.pwd,
            "--parallel", str(request.parallel or 1),
            "--organization", request.organization,
            "--root_directory", _root(request.info, request.pwd),
        ]
        if request.dryRun:
            args.append("--dry_run")
        args.append(_program_path(request))
        args.extend(request.args)
        child_env = env.environ(os.environ)
        child_env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        child_env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        proc = subprocess.Popen(args, cwd=request.pwd or None, env=child_env)
        with self._lock:
            self._children.add(proc)
        try:
            code = proc.wait()
        finally:
            with self._lock:
                self._children.discard(proc)
        if code == 0:
            return language_pb2.RunResponse()
        if code == BAIL_EXIT_CODE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"Program exited with non-zero exit code: {code}")

    def stop_children(self) -> None:
        """Terminate every running program."""
        with self._lock:
            for proc in self._children:
                proc.terminate()

    def Cancel(self, request: Any, context: Any) -> Any:
        self.stop_children()
        return empty_pb2.Empty()
