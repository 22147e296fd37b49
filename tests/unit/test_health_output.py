"""The `health` output: status words only, never what else the app wrote."""

from __future__ import annotations

from components.health import NOT_A_WORD, status_word, summarize


def test_health_output_keeps_short_status_words_only() -> None:
    body = {"status": "healthy", "version": "1.2.3", "env": {"DATABASE_URL": "postgresql://u:p@h/d"},
            "services": {"postgres": {"status": "connected", "dsn": "postgresql://u:p@h/d"},
                         "qdrant": "not_configured", "vector-store": "ok",
                         "gemini": {"status": "error: key AIza... rejected by https://generativelanguage.x/"},
                         "postgresql://u:p@h/d": "ok"}}
    assert summarize(body) == {"status": "healthy", "services": {
        "postgres": "connected", "qdrant": "not_configured", "vector-store": "ok", "gemini": NOT_A_WORD,
        NOT_A_WORD: "ok"}}


def test_status_word_refuses_long_or_multi_line_text() -> None:
    assert status_word("degraded") == "degraded"
    assert status_word("x" * 41) == NOT_A_WORD
    assert status_word("ok\nfake line") == NOT_A_WORD
    assert status_word({"status": "ok"}) == NOT_A_WORD
