"""The stack's settings: every config key declared once (`keys`), the `Settings` it builds (`model`), the
readers by concern (`space`, `urls`, `files`, `names`, `card`, `numbers`, `generic` on top of `reader`),
the entry points (`load`: `load_settings`, `from_config`), the managed Space secrets and variables
(`managed`) and the generated docs (`docs`: Pulumi.yaml's config block, the README's table).

Floor 2 (ARCHITECTURE.md): imports components/rules/ (pure checks) and the foundation only.
"""

from components.config.choices import (
    ALLOWED_ORIGINS,
    DOCKERFILE_MODES,
    HARDWARE_FLAVORS,
    HEALTH_REQUIRE,
    LOG_LEVELS,
    MAX_FILE_MB,
    MAX_FILE_MB_CEILING,
)
from components.config.keys import CONFIG_KEYS, KEYS, SECRET_KEYS
from components.config.load import (
    from_config,
    load_settings,
    namespace_keys,
    plaintext_map_entries,
    unknown_key_problem,
)
from components.config.managed import MANAGED, MANAGED_SECRETS, MANAGED_VARIABLES
from components.config.model import Settings

__all__ = [
    "ALLOWED_ORIGINS",
    "CONFIG_KEYS",
    "DOCKERFILE_MODES",
    "HARDWARE_FLAVORS",
    "HEALTH_REQUIRE",
    "KEYS",
    "LOG_LEVELS",
    "MANAGED",
    "MANAGED_SECRETS",
    "MANAGED_VARIABLES",
    "MAX_FILE_MB",
    "MAX_FILE_MB_CEILING",
    "SECRET_KEYS",
    "Settings",
    "from_config",
    "load_settings",
    "namespace_keys",
    "plaintext_map_entries",
    "unknown_key_problem",
]
