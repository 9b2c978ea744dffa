"""Two builds of logscan side by side: the same commands, alternating, medians and their ratio.

    python benchmarks/side_by_side.py --before OLD/bin/logscan --after .venv/bin/logscan \\
        --repeat 5 -- -j 2 -f json benchmarks/data/python-5000000-*.log

The machine drifts within minutes, so a figure measured an hour apart compares nothing: each round
runs the before build, then the after build (then swaps the order, so neither always runs on a warm
cache), and the ratio is of the medians of wall time and of user+system CPU time. Peak RSS is the
largest of the runs. The report is thrown away (stdout to /dev/null: logscan writes all of it).
Build the before side once, e.g. `git worktree add /tmp/before HEAD~1 && python3 -m venv /tmp/b &&
/tmp/b/bin/pip install /tmp/before`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field


@dataclass
class Runs:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mb: float = 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:7s} wall {statistics.median(self.wall):7.2f} s (runs {', '.join(f'{w:.2f}' for w in self.wall)})"
            f"  cpu {statistics.median(self.cpu):7.2f} s  peak RSS {self.rss_mb:6.0f} MB"
        )


def run_once(binary: str, args: list[str], runs: Runs) -> None:
    """One run: wall time, the CPU time of the command and its workers, the peak RSS of the largest of
    its processes (what wait4 tells of the command, whose workers it waited for)."""
    start = time.perf_counter()
    child = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        sys.exit(f"{binary} {' '.join(args)} exited {child.returncode}")
    runs.wall.append(wall)
    runs.cpu.append(usage.ru_utime + usage.ru_stime)
    runs.rss_mb = max(runs.rss_mb, usage.ru_maxrss / 1024)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the logscan command of the build before")
    parser.add_argument("--after", required=True, help="the logscan command of the build after")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- then logscan's arguments")
    options = parser.parse_args(argv)
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    sides = {"before": (options.before, Runs()), "after": (options.after, Runs())}
    for n in range(options.repeat):
        order = ["before", "after"] if n % 2 == 0 else ["after", "before"]
        for name in order:
            binary, runs = sides[name]
            run_once(binary, args, runs)
    for name, (_, runs) in sides.items():
        print(runs.line(name))
    before, after = sides["before"][1], sides["after"][1]
    wall = statistics.median(after.wall) / statistics.median(before.wall)
    cpu = statistics.median(after.cpu) / statistics.median(before.cpu)
    print(f"after/before: wall {wall:.3f}x, cpu {cpu:.3f}x  ({' '.join(args)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
