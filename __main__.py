"""hf-rag-space: settings -> bundle -> RagSpaceDeployment (+ FrontendApiUrl) -> stack outputs."""

from pathlib import Path

import pulumi

from components.provider_start import start_dynamic_provider

# First of all: the engine starts the dynamic provider while the modules below load and the bundle is built.
start_dynamic_provider()

from components.bundle.build import bundle_for  # noqa: E402
from components.bundle.preflight import preflight  # noqa: E402
from components.config import load_settings  # noqa: E402
from components.deployment import RagSpaceDeployment  # noqa: E402
from components.frontend import check_client_file, maybe_frontend  # noqa: E402
from components.program import run_program  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parent


def main() -> None:
    settings = load_settings(PROJECT_DIR)
    check_client_file(settings)  # before any resource: a bad client file fails `up` before the Hub is written
    blob_dir = Path(".hf-rag-space") / pulumi.get_stack() / "blobs"  # relative: state holds no machine path
    bundle = bundle_for(settings, scan_cache=PROJECT_DIR / blob_dir.parent / "scanned-clean")
    if bundle.skipped:
        pulumi.log.info(bundle.skipped_report())
    notes = preflight(settings, bundle)  # what may fail at run time, and what was chosen: shown, never blocking
    for fact in notes.facts:
        pulumi.log.info(fact)
    for warning in notes.warnings:
        pulumi.log.warn(warning)
    deployment = RagSpaceDeployment("rag", settings, bundle, blob_dir, cors_hint=notes.cors_hint)
    frontend = maybe_frontend(settings, deployment.space_url)

    pulumi.export("spaceId", deployment.space.space_id)
    pulumi.export("repoUrl", deployment.repo_url)
    pulumi.export("spaceUrl", deployment.space_url)
    pulumi.export("docsUrl", deployment.docs_url)
    pulumi.export("healthUrl", deployment.health_url)
    pulumi.export("filesRevision", deployment.files.revision)
    if deployment.health is not None:
        pulumi.export("health", deployment.health.health)
        pulumi.export("healthyRevision", deployment.health.healthy_revision)
    if frontend is not None:
        pulumi.export("frontendClientFile", frontend.path)


run_program(main)
