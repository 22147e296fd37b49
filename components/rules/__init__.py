"""Pure checks that are not settings, shared by the settings, the providers, the bundle and the redactor.

- ``urls``: where a token may go (``may_carry_token``, ``is_loopback``), origins, redacting a URL's credentials;
- ``tokens``: well-known credential formats (``TOKEN_FORMATS``, ``token_kind``) and the Hub token rule
  (``resolve_token``);
- ``names``: Space secret/variable names (``is_env_name``, ``reserved_env_name``), Hub names and the Space id;
- ``card``: what one line of the Space card may hold (``card_text_problem``, ``is_single_emoji``).
"""
