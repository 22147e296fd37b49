"""Resource type -> the provider class its pickled `__provider` names in users' state (module and class
never move: ARCHITECTURE.md). Shared by the state-compatibility test and the program's mocks test."""

PICKLED_PROVIDERS = {
    "Space": "components.space.SpaceProvider",
    "SpaceSecret": "components.space_config.SpaceSecretProvider",
    "SpaceVariable": "components.space_config.SpaceVariableProvider",
    "SpaceFiles": "components.space_files.SpaceFilesProvider",
    "SpaceHealth": "components.health.SpaceHealthProvider",
    "FrontendClientPatch": "components.frontend_patch_provider.FrontendClientPatchProvider",
}
