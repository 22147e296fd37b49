"""The allowed values and bounds of config keys (read by the key declarations, the readers and the bundle)."""

from __future__ import annotations

#: Hardware flavors of huggingface_hub 2.4.0 ``SpaceHardware`` (a unit test keeps them in sync).
HARDWARE_FLAVORS = (
    "cpu-basic",
    "cpu-upgrade",
    "zero-a10g",
    "t4-small",
    "t4-medium",
    "l4x1",
    "l4x4",
    "l40sx1",
    "l40sx4",
    "l40sx8",
    "a10g-small",
    "a10g-large",
    "a10g-largex2",
    "a10g-largex4",
    "a100-large",
    "a100x4",
    "a100x8",
    "rtx-pro-6000",
    "rtx-pro-6000x2",
    "rtx-pro-6000x4",
    "rtx-pro-6000x8",
)

#: Largest backend file by default, in MB (`maxFileSizeMB`'s default).
#: The Hub takes large and binary files (LFS/Xet), but the program reads each file whole (manifest, secret
#: scan, staging) and a Space repo is meant to hold an app, not data (about 1 GB per Space), so a file over
#: half a GB is almost surely a mistake.
MAX_FILE_MB = 512
#: Upper bound of ``maxFileSizeMB``: the Hub stores files up to 50 GB through LFS/Xet, but the program reads
#: each file whole (hashing, secret scan, staging), so a bound far above a Space app's needs is refused.
MAX_FILE_MB_CEILING = 5000

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
HEALTH_REQUIRE = ("healthy", "reachable")
#: Config ``dockerfile``: the backend's own Dockerfile when it has one, only its own, or always the generated one.
DOCKERFILE_MODES = ("auto", "own", "generated")
#: The Space variable the CORS origins are written to unless ``corsOriginsVariable`` names the app's own.
ALLOWED_ORIGINS = "ALLOWED_ORIGINS"
