"""LiveLogs: which log is followed at which stage, in order, rate-limited; the tail kept for failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from components.hub import client as hub
from components.hub.live_logs import LiveLogs


def runtime(stage: str) -> hub.Runtime:
    return hub.Runtime(stage=stage, error_message=None, sha=None)


class Streams:
    """Fake `follow`: the build stream yields its lines and ends; the run stream yields, then blocks."""

    def __init__(self, build: list[str], run: list[str]) -> None:
        self.build, self.run = build, run
        self.opened: list[str] = []
        self.release = threading.Event()

    def __call__(self, build: bool) -> Iterator[str]:
        self.opened.append("build" if build else "run")
        yield from (self.build if build else self.run)
        if not build:
            self.release.wait(5)


def collect(streams: Streams, stages: list[str], **kwargs: float) -> tuple[list[str], LiveLogs]:
    emitted: list[str] = []
    with LiveLogs("alice/demo", streams, emitted.append, flush_seconds=0.05, **kwargs) as live:  # type: ignore[arg-type]
        for stage in stages:
            live.on_stage(runtime(stage))
            time.sleep(0.1)
        time.sleep(0.2)
    streams.release.set()
    return "\n".join(emitted).splitlines(), live


def test_build_then_run_log_in_order() -> None:
    streams = Streams(["Collecting fastapi\n", "Successfully installed fastapi\n"], ["hello at import\n"])
    lines, live = collect(streams, ["BUILDING", "BUILDING", "APP_STARTING", "RUNNING"], max_lines_per_second=1000)
    assert streams.opened == ["build", "run"]  # each opened once
    assert lines == ["alice/demo [build] Collecting fastapi", "alice/demo [build] Successfully installed fastapi",
                     "alice/demo [run] hello at import"]
    assert live.tail(build=True) == ["Collecting fastapi", "Successfully installed fastapi"]


def test_the_previous_build_still_running_is_not_followed() -> None:
    """Right after a commit the Space may still report the old build's RUNNING: its run log is the old app's."""
    streams = Streams(["new build\n"], ["new app\n"])
    emitted: list[str] = []
    with LiveLogs("alice/demo", streams, emitted.append, flush_seconds=0.05) as live:
        live.on_stage(runtime("RUNNING"))
        time.sleep(0.1)
        assert streams.opened == []
        live.on_stage(runtime("BUILDING"))
        live.on_stage(runtime("RUNNING"))
        time.sleep(0.2)
    streams.release.set()
    assert streams.opened == ["build", "run"]


def test_a_flood_is_rate_limited_and_counted() -> None:
    streams = Streams([f"line {i}\n" for i in range(100)], [])
    lines, live = collect(streams, ["BUILDING"], max_lines_per_second=100)  # 5 per 0.05 s flush
    shown = [line for line in lines if "[build] line" in line]
    assert 0 < len(shown) < 100
    assert any("more log lines not shown here" in line for line in lines)
    assert len(live.tail(build=True, limit=200)) == 100  # the failure message still gets them all


def test_a_reading_error_is_a_line_not_a_failure() -> None:
    def broken(_build: bool) -> Iterator[str]:
        raise OSError("connection reset")
        yield ""  # pragma: no cover

    emitted: list[str] = []
    with LiveLogs("alice/demo", broken, emitted.append, flush_seconds=0.05) as live:
        live.on_stage(runtime("BUILDING"))
        time.sleep(0.2)
    assert any("could not follow the build log" in line for line in emitted)
