"""Floor 3: what is deployed (ARCHITECTURE.md). ``build`` selects and reads the backend's files, renders
the Dockerfile and README (``templating``) and checks them into a manifest; ``dependencies`` the
requirements; ``routes``, ``app_env``, ``cors_source`` read the app's code (``python_ast``); ``git_ignore``
asks git; ``file_cache`` keeps unchanged files' digests; ``preflight`` is preview's notes. Never imports
``components.hub``."""
