"""Floor 1: pure checks, shared by the settings, the bundle, the Hub client and the providers (ARCHITECTURE.md).

- ``urls``: where a token may go (``may_carry_token``, ``is_loopback``), origins, redacting a URL's credentials;
- ``tokens``: well-known credential formats (``TOKEN_FORMATS``, ``token_kind``) and the Hub token rule
  (``resolve_token``);
- ``names``: Space secret/variable names (``is_env_name``, ``reserved_env_name``), Hub names and the Space id;
- ``card``: what one line of the Space card may hold (``card_text_problem``, ``is_single_emoji``);
- ``ownership``: the ownership marker, the stack file it comes from, and the adopt/update/delete rules;
- ``entry_point``: where the backend's FastAPI app is (``detect_entry``, ``appModule``);
- ``dockerfile``: a backend's own Dockerfile against the Hub's rules;
- ``credentials``, ``globs``, ``secret_scan``, ``secret_plugins``: what must never be uploaded, and the
  secret scanner with its plugins.
"""
