"""RagSpaceDeployment: the whole backend deployment as one component.

Order on the Hub: the Space, then every secret and variable, then the single files commit, so the one
rebuild that commit starts already has the final configuration (then SpaceHealth, when enabled). With
`rollback` on, the files resource itself waits for its commit and rolls a failing one back.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from components.bundle.build import Bundle
from components.bundle.templating import purpose
from components.config import Settings
from components.health import SpaceHealth, SpaceHealthArgs, config_digest
from components.hub.provenance import Provenance
from components.rules.ownership import stack_instance, stack_marker
from components.space import Space, SpaceArgs
from components.space_config import SpaceSecret, SpaceSettingArgs, SpaceVariable
from components.space_files import SpaceFiles, SpaceFilesArgs, stage_blobs


def _description(key: str) -> str:
    """Shown on the Hub next to each key (never the value): the README's purpose (components/config/managed.py)."""
    return f"{purpose(key) or 'Additional setting'} (managed by hf-rag-space)"


def _logical(key: str) -> str:
    return key.lower().replace("_", "-")


class RagSpaceDeployment(pulumi.ComponentResource):
    """A Docker Space holding the backend bundle, with its secrets and variables."""

    space: Space
    files: SpaceFiles
    health: SpaceHealth | None
    space_url: pulumi.Output[str]

    def __init__(self, name: str, settings: Settings, bundle: Bundle, blob_dir: Path,
                 opts: pulumi.ResourceOptions | None = None, cors_hint: str = "") -> None:
        """`blob_dir` is relative to the project directory: state never holds a path of one machine."""
        super().__init__("hf-rag-space:index:RagSpaceDeployment", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        endpoint = settings.hub_endpoint.rstrip("/")
        project, stack = pulumi.get_project(), pulumi.get_stack()
        root = Path(pulumi.get_root_directory() or ".")
        managed_by = stack_marker(project, stack, stack_instance(root, project, stack, pulumi.get_organization()))
        self.space = Space(f"{name}-space", SpaceArgs(
            hub_endpoint=endpoint, owner=settings.hf_owner, name=settings.space_name,
            private=settings.private, hardware=settings.hardware, sleep_time=settings.sleep_time,
            managed_by=managed_by, adopt=settings.adopt_space == settings.space_id,
        ), child)
        after_space = pulumi.ResourceOptions(parent=self, depends_on=[self.space])
        config: list[pulumi.Resource] = []
        kinds = ((SpaceSecret, "secret", settings.secrets), (SpaceVariable, "variable", settings.variables))
        for resource, kind, values in kinds:
            for key, value in values.items():
                config.append(resource(f"{name}-{kind}-{_logical(key)}", SpaceSettingArgs(
                    hub_endpoint=endpoint, space_id=self.space.space_id, key=key, value=value,
                    description=_description(key), managed_by=self.space.managed_by), after_space))
        stage_blobs(bundle.files, bundle.manifest, root / blob_dir)
        source = Provenance.of(settings.backend_path, f"{project}/{stack}", settings.secret_values)
        self.space_url = self.space.host
        digest = config_digest(settings.space_id, {**{f"secret:{k}": v for k, v in settings.secrets.items()},
                                                   **{f"variable:{k}": v for k, v in settings.variables.items()}})
        check = dict(
            space_url=self.space_url, health_path=settings.health_path, frontend_origin=settings.frontend_origin,
            require=settings.health_require, timeout_seconds=settings.health_timeout_seconds,
            private=settings.private, cors_path=bundle.cors_check_path(settings.cors_check_path, settings.health_path),
            cors_hint=cors_hint, cors_variable=settings.cors_origins_variable)
        # Rollback on: SpaceFiles verifies its own commit, so a failing one is rolled back inside its update
        # and the state keeps the healthy manifest (components/rollback.py).
        watch = check if settings.health_check and settings.rollback else None
        self.files = SpaceFiles(f"{name}-files", SpaceFilesArgs(
            hub_endpoint=endpoint, space_id=self.space.space_id, manifest=bundle.manifest,
            blob_dir=blob_dir.as_posix(), managed_by=self.space.managed_by,
            source=source.as_input(settings.backend_dir), watch=watch,
            config_digest=digest if watch is not None else None,
        ), pulumi.ResourceOptions(parent=self, depends_on=[self.space, *config]), sizes=bundle.sizes)
        self.health = None
        if settings.health_check:
            self.health = SpaceHealth(f"{name}-health", SpaceHealthArgs(
                hub_endpoint=endpoint, space_id=self.space.space_id, revision=self.files.revision,
                config_digest=digest, settled_revision=self.files.settled_revision, **check,  # type: ignore[arg-type]
            ), pulumi.ResourceOptions(parent=self, depends_on=[self.files, *config]))
        self.repo_url = self.space.space_id.apply(lambda sid: f"{endpoint}/spaces/{sid}")
        self.health_url = self.space_url.apply(lambda url: f"{url}{settings.health_path}")
        self.docs_url = self.space_url.apply(lambda url: f"{url}/docs")
        self.register_outputs({
            "space_id": self.space.space_id, "repo_url": self.repo_url, "space_url": self.space_url,
            "docs_url": self.docs_url, "health_url": self.health_url, "files_revision": self.files.revision,
            **({"health": self.health.health, "healthy_revision": self.health.healthy_revision}
               if self.health is not None else {}),
        })
