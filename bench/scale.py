"""Scale: how time, state size and memory grow with the number of files of the backend.

Synthetic backends of 10, 100, 1,000 and 5,000 files (app/main.py + requirements.txt + generated
files; mixed sizes: ~70% small .py modules of 0.3-8 KB, ~25% 10-60 KB text data, ~5% binary blobs of
0.1-2.5 MB, every file < 10 MB; about 10 KB per file on average, so 50 MB in all at 5,000 files).
For each size, on localhub:
  first deploy   `pulumi up` of a fresh stack (one run);
  state size     the stack's JSON checkpoint under the file backend (.pulumi/stacks/<project>/<stack>.json);
  preview / up   no-change `pulumi preview` and `pulumi up --yes --skip-preview`, interleaved with the same
                 command on an empty Pulumi Python program (A B A B ...), one warm-up round first;
  peak memory    VmHWM of the program process (and, separately, of the dynamic provider process),
                 sampled from /proc while the command runs (see bench.common.PeakSampler for why).
Targets: at the largest size (5,000 files) a no-change preview <= 1.5 x the empty program's; the
no-change preview's slope <= 0.05 s per 1,000 unchanged files; the provider's peak RSS at the largest
size <= 150 MB.

Usage: python -m bench.scale [--sizes 10,100,1000,5000] [--rounds N] [--big-rounds N]
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from bench.common import (
    Series,
    Stack,
    demo_stack,
    empty_stack,
    human_bytes,
    interleave,
    localhub,
    machine_summary,
    shared_note,
    table,
)

TOTAL_AT_TOP = 50 * 1024 * 1024
TOP = 5000
PREVIEW_TARGET = 1.5
SLOPE_TARGET = 0.05  # s per 1,000 unchanged files, no-change preview
PROVIDER_PEAK_TARGET_MB = 150
WORDS = ("retrieve", "chunk", "embedding", "vector", "answer", "context", "score", "query", "document",
         "session", "history", "prompt", "model", "token", "cache", "index", "collection", "payload")
MAIN = ('"""Synthetic benchmark backend."""\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n'
        '@app.get("/api/health")\ndef health() -> dict[str, str]:\n    return {"status": "healthy"}\n')


def _text(rng: random.Random, size: int, python: bool) -> bytes:
    lines = []
    total = 0
    n = 0
    while total < size:
        words = " ".join(rng.choice(WORDS) for _ in range(8))
        line = f'VALUE_{n} = "{words}"  # {n}\n' if python else f"{n}. {words}\n"
        lines.append(line)
        total += len(line)
        n += 1
    return "".join(lines).encode()[:size]


def make_backend(dest: Path, n_files: int, seed: int = 7) -> tuple[int, int]:
    """Write a synthetic backend of n_files files (including app/main.py and requirements.txt).

    Returns (files, bytes) written. Sizes are drawn then scaled so the total is ~10 KB per file.
    """
    rng = random.Random(seed)
    (dest / "app").mkdir(parents=True)
    (dest / "requirements.txt").write_text("fastapi\nuvicorn\npytest\n")
    (dest / "app" / "main.py").write_text(MAIN)
    kinds: list[tuple[str, int]] = []
    for _ in range(n_files - 2):
        r = rng.random()
        if r < 0.70:
            kinds.append(("py", rng.randint(300, 8 * 1024)))
        elif r < 0.95:
            kinds.append(("txt", rng.randint(10 * 1024, 60 * 1024)))
        else:
            kinds.append(("bin", rng.randint(100 * 1024, 2560 * 1024)))
    if n_files >= 20 and not any(k == "bin" for k, _ in kinds):
        kinds[-1] = ("bin", 1024 * 1024)
    target = TOTAL_AT_TOP * n_files // TOP
    drawn = sum(size for _, size in kinds) + len(MAIN) + 28
    scale = max(target - len(MAIN) - 28, 0) / drawn if drawn else 1.0
    written = len(MAIN) + 28
    for i, (kind, size) in enumerate(kinds):
        size = max(64, min(int(size * scale), 9 * 1024 * 1024))
        folder = dest / "app" / f"pkg{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        if kind == "bin":
            data = rng.randbytes(size)
            path = folder / f"blob_{i:05d}.bin"
        else:
            data = _text(rng, size, python=kind == "py")
            path = folder / (f"mod_{i:05d}.py" if kind == "py" else f"data_{i:05d}.txt")
        path.write_bytes(data)
        written += len(data)
    return n_files, written


def _fit(xs: list[int], ys: list[float]) -> tuple[float, float, float]:
    """Least-squares slope and intercept, and the largest |residual| / value."""
    n = len(xs)
    if n < 2:
        return 0.0, ys[0] if ys else 0.0, 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    intercept = my - slope * mx
    worst = max(abs(y - (intercept + slope * x)) / y for x, y in zip(xs, ys, strict=True) if y)
    return slope, intercept, worst


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big-rounds", type=int, default=5, help="rounds at 5,000 files and more")
    parser.add_argument("--no-machine", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not args.no_machine:
        print("\n".join(machine_summary()) + "\n")
    print(f"## Scale ({args.rounds} rounds after 1 warm-up per size, {args.big_rounds} at >= 5,000 files; "
          "each command interleaved with the empty program)\n")

    rows = []
    growth: list[tuple[int, float, float, float, int, int, int]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        with localhub(tmp / "hub") as (handle, token):
            empty = empty_stack(tmp / "empty", tmp / "state-empty")
            empty.up()
            for n in sizes:
                src = tmp / f"src-{n}"
                files, total = make_backend(src, n)
                stack = demo_stack(tmp / f"p{n}", tmp / f"state-{n}", handle.endpoint, token, f"scale-{n}",
                                   backend=src)
                handle.reset_stats()
                first = stack.up(sample=True)
                stats = handle.stats()
                state_bytes = stack.state_file().stat().st_size
                rounds = args.big_rounds if n >= 5000 else args.rounds
                series: dict[str, Series] = {}
                peaks: dict[str, list[int]] = {}

                def record(name: str, _round: int, result: object,
                           series: dict[str, Series] = series, peaks: dict[str, list[int]] = peaks) -> None:
                    series.setdefault(name, Series()).add(result.seconds)  # type: ignore[attr-defined]
                    peaks.setdefault(name, []).append(result.program_peak_kb)  # type: ignore[attr-defined]

                def run(s: Stack, op: str):  # type: ignore[no-untyped-def]
                    def go():  # type: ignore[no-untyped-def]
                        result = getattr(s, op)(sample=True)
                        s.assert_no_change(result)
                        return result
                    return go

                interleave(rounds, [("preview", run(stack, "preview")), ("empty preview", run(empty, "preview")),
                                    ("up", run(stack, "up")), ("empty up", run(empty, "up"))], on_result=record)
                ratio = series["preview"].median / series["empty preview"].median
                up_ratio = series["up"].median / series["empty up"].median
                rows.append([
                    f"{files:,}", human_bytes(total), f"{first.seconds:.1f}s",
                    f"{stats['total_requests']} / {sum(stats['commits'].values())}",
                    human_bytes(state_bytes), series["preview"].describe(), f"{ratio:.2f}",
                    series["up"].describe(), f"{up_ratio:.2f}",
                    f"{max(peaks['preview']) / 1024:.0f} MB", f"{first.program_peak_kb / 1024:.0f} MB",
                    f"{first.provider_peak_kb / 1024:.0f} MB",
                ])
                growth.append((files, series["preview"].median, series["up"].median, first.seconds,
                               state_bytes, first.program_peak_kb, first.provider_peak_kb))
                print(f"[{files} files done: preview {series['preview'].median:.2f}s, ratio {ratio:.2f}]",
                      flush=True)
            empty_preview = series["empty preview"].median

    print()
    print(table(["files", "bytes", "first deploy", "deploy requests / commits", "state file",
                 "no-change preview: median (min, max)", "÷ empty", "no-change up: median (min, max)",
                 "÷ empty", "program peak RSS (preview)", "program peak RSS (deploy)",
                 "provider peak RSS (deploy)"], rows))
    print(f"\nEmpty program, no-change preview (last size's rounds): {empty_preview:.2f}s\n")
    print("Growth: least-squares line over all sizes (value = intercept + slope x files), and the worst\n"
          "relative residual (how far any size is from the line; small means linear):\n")
    fit_rows = []
    names = ("no-change preview", "no-change up", "first deploy", "state file", "program peak RSS (deploy)",
             "provider peak RSS (deploy)")
    units = ("s", "s", "s", "B", "KB", "KB")
    for i, (name, unit) in enumerate(zip(names, units, strict=True)):
        xs = [g[0] for g in growth]
        ys = [float(g[i + 1]) for g in growth]
        slope, intercept, worst = _fit(xs, ys)
        if unit == "s":
            fit_rows.append([name, f"{intercept:.2f} s", f"{slope * 1000:+.2f} s", f"{worst:.0%}"])
        elif unit == "B":
            fit_rows.append([name, human_bytes(intercept), human_bytes(slope * 1000), f"{worst:.0%}"])
        else:
            fit_rows.append([name, f"{intercept / 1024:.0f} MB", f"{slope * 1000 / 1024:+.1f} MB", f"{worst:.0%}"])
    print(table(["measure", "intercept", "slope per 1,000 files", "worst residual"], fit_rows))
    if rows:
        top, ratio = rows[-1][0], float(rows[-1][6])
        provider_mb = growth[-1][6] / 1024
        slope = _fit([g[0] for g in growth], [g[1] for g in growth])[0] * 1000
        print(f"\nTarget: no-change preview at {top} files <= {PREVIEW_TARGET} x empty program: ratio {ratio:.2f}, "
              f"{'met' if ratio <= PREVIEW_TARGET else 'MISSED'}")
        print(f"Target: no-change preview slope <= {SLOPE_TARGET} s per 1,000 unchanged files: {slope:+.2f} s, "
              f"{'met' if slope <= SLOPE_TARGET else 'MISSED'}")
        print(f"Target: provider peak RSS at {top} files (first deploy) <= {PROVIDER_PEAK_TARGET_MB} MB: "
              f"{provider_mb:.0f} MB, {'met' if 0 < provider_mb <= PROVIDER_PEAK_TARGET_MB else 'MISSED'}")
    note = shared_note()
    if note:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
