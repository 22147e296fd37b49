"""What preview says about the backend before anything is built: the bundle's choices and risks
(Dockerfile, app_port, dependencies), the environment names the app needs that the stack does not set
(components/bundle/app_env.py), and CORS origins the app does not read from the stack's variable
(components/bundle/cors_source.py). Warnings never block: each names its file and line, or key, and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.bundle import app_env
from components.bundle.build import Bundle
from components.bundle.cors_source import find_cors
from components.config import ALLOWED_ORIGINS, Settings
from components.rules.lazy_files import kept


@dataclass(frozen=True)
class Preflight:
    """What preview prints: warnings (what may fail, with the fix) and facts (what was chosen)."""

    warnings: tuple[str, ...]
    facts: tuple[str, ...]
    cors_hint: str = ""
    """Why the app may refuse the frontend's origin, for the health check's CORS message ("" when none)."""


def preflight(settings: Settings, bundle: Bundle) -> Preflight:
    """The notes for ``bundle`` deployed with ``settings``."""
    warnings = list(bundle.warnings)
    facts = list(bundle.facts)
    provided = {*settings.secrets, *settings.variables, *bundle.dockerfile_env}
    needs = app_env.required_names(kept(bundle.files)) + app_env.template_names(settings.backend_path)
    for name, places in app_env.missing(needs, provided).items():
        warnings.append(app_env.warning(name, places))
    cors = cors_notes(settings, bundle)
    warnings += cors
    return Preflight(tuple(warnings), tuple(facts), " ".join(cors))


def cors_notes(settings: Settings, bundle: Bundle) -> list[str]:
    """One warning per CORSMiddleware that will not allow the stack's origins: hard-coded without them,
    or read from another variable than the one the stack writes (``corsOriginsVariable``)."""
    origins = settings.cors_origins
    if not origins:
        return []
    variable = settings.cors_origins_variable
    notes = []
    for source in find_cors(kept(bundle.files)):
        where = f"{source.file} line {source.line}"
        if source.origins is not None:
            absent = [o for o in origins if o not in source.origins]
            if "*" in source.origins or not absent:
                continue
            notes.append(f"{where} hard-codes the CORS origins ({', '.join(source.origins) or 'none'}) without "
                         f"{', '.join(absent)}, so browsers calling from there are refused: read them from the "
                         f"environment, e.g. `allow_origins=os.environ.get(\"{variable}\", \"\").split(\",\")` "
                         f"(the stack sets {variable}), or add the origin to the list")
        elif source.variables and variable not in source.variables:
            theirs = source.variables[0]
            notes.append(f"{where} reads the CORS origins from {theirs}, not {variable}, which the stack writes: "
                         f"`pulumi config set corsOriginsVariable {theirs}` makes the stack write the origins "
                         f"({','.join(origins)}) to {theirs}"
                         + (" instead" if variable == ALLOWED_ORIGINS else ""))
    return notes
