"""The form-filling benchmark of this checkout and of an earlier revision,
run side by side at the same moments, so the machine's ups and downs fall
on both alike (on a shared 2-core machine, runs minutes apart differ by
more than any change measured). Prints each pair's steps/s and CPU
milliseconds a step, and their ratios (for CPU, above 100 % is slower).

    python bench/side_by_side.py REVISION [--runs 3] [ARGS for form_throughput.py, e.g. --users 200]

The earlier revision runs with this checkout's bench/ scripts (the same
workload), in a temporary git worktree; both use this virtualenv.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# steps/s, and the CPU a step takes (ms), which contention for the machine inflates far less
FIGURES = {"burst": r"burst throughput (\d+) steps/s", "single": r"single-stream throughput (\d+) steps/s",
           "CPU single": r"CPU a step: single ([\d.]+) ms", "CPU burst": r"CPU a step: .*burst ([\d.]+) ms"}


def run_pair(earlier: Path, args: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    procs = [subprocess.Popen([sys.executable, "bench/form_throughput.py", *args], cwd=tree,
                              env={**os.environ, "PYTHONPATH": str(tree)},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for tree in (ROOT, earlier)]
    now, then = (_figures(p.communicate()[0]) for p in procs)
    return now, then


def _figures(output: str) -> dict[str, float]:
    found = {}
    for name, pattern in FIGURES.items():
        match = re.search(pattern, output)
        if match is None:
            raise SystemExit(f"no {name} figure in the benchmark's output:\n{output[-2000:]}")
        found[name] = float(match.group(1))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision")
    parser.add_argument("--runs", type=int, default=3)
    opts, rest = parser.parse_known_args()
    args = [a for a in rest if a != "--"]
    with tempfile.TemporaryDirectory(prefix="bina-side-") as tmp:
        earlier = Path(tmp) / "earlier"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(earlier), opts.revision], cwd=ROOT,
                       check=True)
        try:
            for script in (ROOT / "bench").glob("*.py"):
                (earlier / "bench" / script.name).write_bytes(script.read_bytes())
            ratios: dict[str, list[float]] = {name: [] for name in FIGURES}
            print(f"this checkout against {opts.revision}, {opts.runs} runs side by side (steps/s)")
            for run in range(1, opts.runs + 1):
                now, then = run_pair(earlier, args)
                for name in FIGURES:
                    ratios[name].append(now[name] / then[name])
                print(f"  run {run}: " + ", ".join(f"{name} {now[name]:g} vs {then[name]:g} "
                                                   f"({now[name] / then[name]:.1%})" for name in FIGURES))
            print("same-run ratio, this checkout / earlier (median): " + ", ".join(
                f"{name} {statistics.median(r):.1%}" for name, r in ratios.items()))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(earlier)], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
