"""Engine overhead: how much time our program adds over Pulumi itself when nothing changes.

Contenders (interleaved A B A B ..., one warm-up round, then ROUNDS rounds):
  A  `pulumi preview` of the demo stack: a copy of this project with the example backend,
     healthCheck false, deployed once to localhub before timing (so there is nothing to change);
  B  `pulumi preview` of an empty Pulumi Python program (`import pulumi`), same backend kind (file),
     same language host, same runtime options (pip toolchain, the same virtualenv);
  C  (attribution) a program with as many no-op Python dynamic resources as the demo stack has
     custom resources (9): what Pulumi's dynamic-provider model costs by itself (a second Python
     process for the provider, a Check and a Diff per resource), whatever the resources do.
Then the same for `pulumi up --yes --skip-preview` with nothing to change. Targets: A/B <= 1.5, and
A/C <= 1.10: A/C is what our program and providers cost beyond Pulumi's own dynamic-provider overhead.

Usage: python -m bench.engine_overhead [--rounds N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import (
    Series,
    Stack,
    demo_stack,
    empty_stack,
    hub_stats,
    interleave,
    localhub,
    machine_summary,
    noop_dynamic_project,
    shared_note,
    table,
)

TARGET = 1.5
OURS_TARGET = 1.10
DEMO_CUSTOM_RESOURCES = 9  # Space, 4 secrets, 3 variables, SpaceFiles


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-machine", action="store_true", help="omit the machine summary (run.sh prints it)")
    args = parser.parse_args()
    if not args.no_machine:
        print("\n".join(machine_summary()) + "\n")
    print(f"## Engine overhead (no-change runs; {args.rounds} rounds after 1 warm-up, interleaved)\n")
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp_name:
        tmp = Path(tmp_name)
        with localhub(tmp / "hub") as (handle, token):
            demo = demo_stack(tmp / "demo", tmp / "state-demo", handle.endpoint, token, "bench-engine")
            demo.up()
            empty = empty_stack(tmp / "empty", tmp / "state-empty")
            empty.up()
            noop_project = noop_dynamic_project(tmp / "noop", DEMO_CUSTOM_RESOURCES)
            noop = Stack.create(noop_project, tmp / "state-noop")
            noop.up()
            results: dict[str, Series] = {}

            def record(name: str, _round: int, result: object) -> None:
                results.setdefault(name, Series()).add(result.seconds)  # type: ignore[attr-defined]

            def checked(stack, op):  # type: ignore[no-untyped-def]
                def run():  # type: ignore[no-untyped-def]
                    result = getattr(stack, op)()
                    stack.assert_no_change(result)
                    return result
                return run

            handle.reset_stats()
            interleave(args.rounds, [("demo preview", checked(demo, "preview")),
                                     ("empty preview", checked(empty, "preview")),
                                     ("noop preview", checked(noop, "preview"))], on_result=record)
            interleave(args.rounds, [("demo up", checked(demo, "up")),
                                     ("empty up", checked(empty, "up")),
                                     ("noop up", checked(noop, "up"))], on_result=record)
            requests = hub_stats(handle)["total_requests"]

    rows = []
    for op in ("preview", "up"):
        ours, base, noop_s = results[f"demo {op}"], results[f"empty {op}"], results[f"noop {op}"]
        ratio = ours.median / base.median
        own = ours.median / noop_s.median
        rows.append([f"`pulumi {op}` (no change)", ours.describe(), base.describe(), f"{ratio:.2f}",
                     f"{'met' if ratio <= TARGET else 'MISSED'} (<= {TARGET})", noop_s.describe(),
                     f"{noop_s.median / base.median:.2f}", f"{own:.2f}",
                     f"{'met' if own <= OURS_TARGET else 'MISSED'} (<= {OURS_TARGET})"])
    print(table(["operation", "A demo stack: median (min, max)", "B empty program", "A/B", "target",
                 f"C {DEMO_CUSTOM_RESOURCES} no-op dynamic resources", "C/B (Pulumi's own)", "A/C (ours)",
                 "A/C target"], rows))
    print(f"\nHub requests during all {6 * (args.rounds + 1)} no-change runs: {requests}")
    note = shared_note()
    if note:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
