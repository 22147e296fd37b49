"""The `components` logger tree, forwarded to the Pulumi CLI through `pulumi.log`, redacted.

Modules log with `logging.getLogger(__name__)` (a retry: components/retry.py). `install` puts one handler
on the `components` logger that hands every record to `pulumi.log` (debug -> debug, info -> info, warning
and above -> warn: an error diagnostic would fail the update by itself, and the error that ends a step is
raised, not logged) after the `redactor`: the provider's (provider_base.HubProvider.configure, built from
the stack's secrets) in the provider process, one from the stack's config in the program (run_program).
A forwarded record is marked, so the provider process's own stderr handler (provider_base's redacting
one) does not print it a second time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

ROOT = "components"
#: Set on a record once it went to the CLI.
FORWARDED = "forwarded_to_pulumi"


class PulumiHandler(logging.Handler):
    """Hands records to `pulumi.log`, through `redactor`."""

    def __init__(self, redactor: Callable[[str], str]) -> None:
        super().__init__(logging.DEBUG)
        self.redactor = redactor

    def emit(self, record: logging.LogRecord) -> None:
        try:
            import pulumi

            text = self.redactor(self.format(record))
            if record.levelno >= logging.WARNING:
                pulumi.log.warn(text)
            elif record.levelno >= logging.INFO:
                pulumi.log.info(text)
            else:
                pulumi.log.debug(text)
        except Exception:  # no engine to tell (gone: the provider is exiting): the stderr handler, if any, shows it
            return
        setattr(record, FORWARDED, True)


def not_forwarded(record: logging.LogRecord) -> bool:
    """A filter for other handlers: False for a record the bridge already sent to the CLI."""
    return not getattr(record, FORWARDED, False)


def install(redactor: Callable[[str], str], level: int = logging.INFO) -> PulumiHandler:
    """Forward `components.*` records at `level` and above to the CLI through `redactor` (once per process;
    a second call replaces the redactor)."""
    logger = logging.getLogger(ROOT)
    handler = next((h for h in logger.handlers if isinstance(h, PulumiHandler)), None)
    if handler is None:
        handler = PulumiHandler(redactor)
        logger.addHandler(handler)
    handler.redactor = redactor
    handler.setLevel(level)
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    return handler


def program_redactor(project: str) -> Callable[[str], str]:
    """The program's redactor: the stack's secrets (read from the runtime's config, as settings does), the
    HF token and the token formats; built at the first record, so a run that logs nothing never loads it."""
    built: list[Callable[[str], str]] = []

    def redact(text: str) -> str:
        if not built:
            from pulumi.runtime.config import get_config

            from components.redact import Redactor, secrets_of_config

            built.append(Redactor(secrets_of_config(lambda key: get_config(f"{project}:{key}"), os.environ)))
        return built[0](text)

    return redact
