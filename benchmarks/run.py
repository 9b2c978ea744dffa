"""Benchmark logscan against grep, lnav and a naive every-rule-on-every-line loop (issue 6).

    .venv/bin/python benchmarks/run.py [--lines 5000000] [--quick] [--repeat 3]

Builds the inputs with benchmarks/genlog.py into benchmarks/data/ (kept between runs, named with a
digest of genlog.py so that a changed generator builds them anew): a python-format day of --lines
lines, 1-million-line python, json and cri days. Measures wall time and peak RSS of each command
with /usr/bin/time, runs every command --repeat times round-robin (a drifting machine weighs on
all alike) and prints the medians and the ratios the issue sets as targets. The naive loop runs
on a slice of the file and is extrapolated linearly.
--quick: fewer lines (1,000,000), one run each, no regex-engine run on the large file.
--extra-lines N: one more run, on an N-line day, to see how peak memory grows with the input.
Also an outage day of 1,000,000 lines (genlog.py --outage, seeded): a quota outage all day long,
where half the lines are failed calls (an HTTP 429 line and an error line each): what logscan
costs when nearly everything is evidence, as in the log an on-call engineer pipes in.
The outage day is scanned with -f json, html and md (issue 19: each within 10x of grep over the same
file), and with --events none. --outage-lines 1000000,2000000,5000000: one run each on outage days of
those sizes, for peak RSS as events grow (issue 19: at most 150 MB, flat). --outage-only: only the
outage rows (and grep over the outage day).
And streams, which are read by one process and scanned by the workers in pieces: the 1M-line day
gzipped (against gzip -dc | grep) and the --lines day piped to stdin.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GENLOG = HERE / "genlog.py"
BIN = Path(sys.executable).parent / "logscan"
LNAV_QUERY = ";SELECT count(*) FROM all_logs WHERE log_level = 'error'"
NAIVE_SLICE = 50_000
OUTAGE_GREP = "grep -c -F -f SIGNATURES (1M outage)"
OUTAGE_SCAN = "logscan 1M outage -f {fmt} --jobs {jobs}"
OUTAGE_FORMATS = ("json", "html", "md")


def build(lines: int, fmt: str = "python", *flags: str) -> Path:
    """A genlog day (`--outage` among `flags`: the outage day), built once for each version of genlog.py."""
    digest = hashlib.sha256(GENLOG.read_bytes()).hexdigest()[:8]
    out = DATA / f"{'outage' if '--outage' in flags else fmt}-{lines}-{digest}.log"
    if not out.exists():
        DATA.mkdir(exist_ok=True)
        print(f"building {out.name} ...", file=sys.stderr)
        tmp = out.with_suffix(".tmp")
        cmd = [sys.executable, str(GENLOG), "--lines", str(lines), "--format", fmt, *flags, "--out", str(tmp)]
        subprocess.run(cmd, check=True)
        tmp.rename(out)
    return out


def compressed(path: Path) -> Path:
    """The file gzipped (level 6, as logrotate's compress does), built once."""
    out = path.with_name(path.name + ".gz")
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        with open(path, "rb") as src, gzip.open(tmp, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
        tmp.rename(out)
    return out


def signatures() -> Path:
    """One distinctive literal per shipped rule family (a root-cause category, or success): the
    first keyword of the first rule of each."""
    from analyzer import ruleset

    first: dict[str, str] = {}
    for rule in ruleset.load().rules:
        first.setdefault(rule.category.value if rule.category else "success", rule.keywords[0])
    path = DATA / "SIGNATURES"
    path.write_text("\n".join(first.values()) + "\n", encoding="utf-8")
    return path


def run_once(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run."""
    # stdout goes to a real file: GNU grep stops at its first match when it writes to /dev/null
    with tempfile.NamedTemporaryFile("r") as stats, tempfile.TemporaryFile() as out:
        full = ["/usr/bin/time", "-f", "%e %M", "-o", stats.name, *cmd]
        subprocess.run(full, stdout=out, stderr=subprocess.DEVNULL, env=env, check=False)
        wall, kb = stats.read().split()[-2:]
    return float(wall), int(kb) / 1024


Spec = tuple[str, list[str], int, "dict[str, str] | None"]  # name, command, runs, environment


def measure_all(specs: list[Spec]) -> tuple[dict[str, tuple[float, float]], dict[str, list[float]]]:
    """Median wall seconds and median peak RSS of each command, and each one's wall seconds run by
    run. Commands run round-robin (the first run of each, then the second of each, ...): a machine
    that speeds up or slows down over the minutes of a benchmark then weighs on every command
    alike, not on the ones measured last, and the runs of one round compare best."""
    walls: dict[str, list[float]] = {name: [] for name, *_ in specs}
    rss: dict[str, list[float]] = {name: [] for name, *_ in specs}
    for round_no in range(max(times for _, _, times, _ in specs)):
        for name, cmd, times, env in specs:
            if round_no < times:
                wall, peak = run_once(cmd, env)
                walls[name].append(wall)
                rss[name].append(peak)
                print(f"  run {round_no + 1}: {name}: {wall:.2f} s, {peak:.0f} MB", file=sys.stderr)
    medians = {name: (statistics.median(walls[name]), statistics.median(rss[name])) for name in walls}
    return medians, walls


def naive(path: Path, total_lines: int, repeat: int) -> tuple[float, float]:
    """Every pattern of every rule on every line, on the first NAIVE_SLICE lines, extrapolated."""
    from analyzer import ruleset

    patterns = [p for rule in ruleset.load().rules for p in rule.patterns]
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [line for _, line in zip(range(NAIVE_SLICE), f, strict=False)]
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        hits = 0
        for line in lines:
            for pattern in patterns:
                if pattern.search(line):
                    hits += 1
        walls.append(time.perf_counter() - start)
    return statistics.median(walls) * total_lines / len(lines), 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--extra-lines", type=int, default=0, help="also one run on a day this long (memory)")
    parser.add_argument("--outage-lines", default="", help="outage days of these many lines, one run each (memory)")
    parser.add_argument("--outage-only", action="store_true", help="only the outage rows")
    args = parser.parse_args()
    if args.outage_only:
        return outage_only(args)
    lines, repeat = (1_000_000, 1) if args.quick else (args.lines, args.repeat)
    jobs = len(os.sched_getaffinity(0))
    big, small = build(lines), build(1_000_000)
    days = {fmt: build(1_000_000, fmt) for fmt in ("json", "cri")}
    outage = build(1_000_000, "python", "--outage")
    sig = signatures()
    lnav_home = tempfile.mkdtemp(prefix="lnav-home-")
    lnav_env = {**os.environ, "HOME": lnav_home}
    scan = [str(BIN), "-f", "json", "--tz", "UTC"]
    specs: list[Spec] = []

    def row(name: str, cmd: list[str], times: int = repeat, env: dict[str, str] | None = None) -> None:
        specs.append((name, cmd, times, env))

    size = big.stat().st_size / 1e6
    row("grep -c -F -f SIGNATURES", ["grep", "-c", "-F", "-f", str(sig), str(big)])
    row(f"logscan hyperscan --jobs {jobs}", [*scan, "--engine", "hyperscan", "--jobs", str(jobs), str(big)])
    row("logscan hyperscan --jobs 1", [*scan, "--engine", "hyperscan", "--jobs", "1", str(big)])
    if not args.quick:
        row(f"logscan regex --jobs {jobs} (1 run)", [*scan, "--engine", "regex", "--jobs", str(jobs), str(big)], 1)
    row("lnav count(error)", ["lnav", "-n", "-c", LNAV_QUERY, str(big)], env=lnav_env)
    row(f"logscan 1M python --jobs {jobs}", [*scan, "--jobs", str(jobs), str(small)])
    row("logscan 1M python --jobs 1", [*scan, "--jobs", "1", str(small)])
    for fmt, path in days.items():
        row(f"logscan 1M {fmt} --jobs {jobs}", [*scan, "--jobs", str(jobs), str(path)])
        if not args.quick:
            row(f"logscan 1M {fmt} regex --jobs {jobs}", [*scan, "--engine", "regex", "--jobs", str(jobs), str(path)])
    # Streams: a compressed file and a pipe are read by one process and scanned by the workers in pieces.
    gz = compressed(small)
    row("gzip -dc | grep -c -F -f SIGNATURES (1M gz)", ["sh", "-c", f"gzip -dc {gz} | grep -c -F -f {sig}"])
    row(f"logscan 1M python.gz --jobs {jobs}", [*scan, "--jobs", str(jobs), str(gz)])
    row("logscan 1M python.gz --jobs 1", [*scan, "--jobs", "1", str(gz)])
    # A pipe, as from kubectl logs: `logscan < file` is cut in ranges as the file is (sources.stdin_source).
    stdin = f"cat {shlex.quote(str(big))} | {shlex.join(scan)} --jobs {{}}"
    row(f"cat {lines / 1e6:g}M python | logscan (stdin) --jobs {jobs}", ["sh", "-c", stdin.format(jobs)])
    specs += outage_specs(outage, sig, jobs, repeat, args.outage_lines)
    if args.extra_lines:
        extra = build(args.extra_lines)
        row(f"logscan {args.extra_lines / 1e6:g}M python --jobs {jobs} (1 run)", [*scan, str(extra)], 1)
    measured, runs = measure_all(specs)
    rows = [(name, *measured[name]) for name, *_ in specs]
    wall, _ = naive(big, lines, repeat)
    rows.insert(5, (f"naive loop (x{lines // NAIVE_SLICE} of {NAIVE_SLICE:,} lines)", wall, 0.0))
    report(rows, lines, size, jobs, repeat, runs)


def outage_specs(outage: Path, sig: Path, jobs: int, repeat: int, sizes: str) -> list[Spec]:
    """The outage rows: grep over the 1M-line outage day, logscan with each report format and with
    --events none; then one run on an outage day of each of `sizes` lines (comma-separated), for memory."""
    scan = [str(BIN), "--tz", "UTC", "--jobs", str(jobs)]
    specs: list[Spec] = [(OUTAGE_GREP, ["grep", "-c", "-F", "-f", str(sig), str(outage)], repeat, None)]
    for fmt in OUTAGE_FORMATS:
        specs.append((OUTAGE_SCAN.format(fmt=fmt, jobs=jobs), [*scan, "-f", fmt, str(outage)], repeat, None))
    none = OUTAGE_SCAN.format(fmt="json", jobs=jobs) + " --events none"
    specs.append((none, [*scan, "-f", "json", "--events", "none", str(outage)], repeat, None))
    for lines in (int(n) for n in sizes.split(",") if n):
        day = build(lines, "python", "--outage")
        specs.append(
            (f"logscan {lines / 1e6:g}M outage -f json --jobs {jobs} (1 run)", [*scan, "-f", "json", str(day)], 1, None)
        )
    return specs


def outage_only(args: argparse.Namespace) -> None:
    """The outage rows alone, and their targets."""
    jobs, repeat = len(os.sched_getaffinity(0)), 1 if args.quick else args.repeat
    outage = build(1_000_000, "python", "--outage")
    measured, runs = measure_all(outage_specs(outage, signatures(), jobs, repeat, args.outage_lines))
    print(f"\noutage day: 1,000,000 lines, {outage.stat().st_size / 1e6:,.0f} MB; medians of {repeat}; nproc {jobs}\n")
    print("| command | wall s | peak RSS MB |\n| --- | ---: | ---: |")
    for name, (wall, rss) in measured.items():
        print(f"| {name} | {wall:.2f} | {rss:.0f} |")
    outage_targets(measured, runs, jobs)


def outage_targets(by: dict[str, tuple[float, float]], runs: dict[str, list[float]], jobs: int) -> None:
    """Issue 19's targets: each format within 10x of grep over the outage day; peak RSS at most 150 MB
    on every outage day, flat as they grow."""
    grep = by[OUTAGE_GREP][0]
    print("\n| target (outage day) | measured | met |\n| --- | --- | --- |")
    for fmt in OUTAGE_FORMATS:
        name = OUTAGE_SCAN.format(fmt=fmt, jobs=jobs)
        ratio = by[name][0] / grep
        met = "yes" if ratio <= 10 else "no"
        print(f"| -f {fmt} within 10x grep | {ratio:.0f}x grep{_by_round(runs, name, OUTAGE_GREP)} | {met} |")
    peaks = {name: rss for name, (_, rss) in by.items() if "outage" in name and name.startswith("logscan")}
    worst = max(peaks.values())
    rows = ", ".join(f"{name.split()[1]} {rss:.0f} MB" for name, rss in peaks.items() if "(1 run)" in name)
    met = "yes" if worst <= 150 else "no"
    print(f"| peak RSS <= 150 MB, flat | {worst:.0f} MB at most{'; ' + rows if rows else ''} | {met} |")


def report(
    rows: list[tuple[str, float, float]],
    lines: int,
    size: float,
    jobs: int,
    repeat: int,
    runs: dict[str, list[float]] | None = None,
) -> None:
    """The tables of medians and targets; with `runs`, each target's ratio round by round too (the two
    commands of a round ran within a minute of each other: steadier than the ratio of medians)."""
    by = {name: (wall, rss) for name, wall, rss in rows}
    print(f"\ninput: {lines:,} lines, {size:,.0f} MB; medians of {repeat}; nproc {jobs}\n")
    print("| command | wall s | peak RSS MB |\n| --- | ---: | ---: |")
    for name, wall, rss in rows:
        cell = name.replace("|", "\\|")  # a pipe in a command would end the cell: the table goes into the README
        print(f"| {cell} | {wall:.2f} | {rss:.0f} |" if rss else f"| {cell} | {wall:.2f} | - |")
    best_name = f"logscan hyperscan --jobs {jobs}"
    best = by[best_name][0]
    grep = by["grep -c -F -f SIGNATURES"][0]
    lnav = by["lnav count(error)"][0]
    naive_wall = next(wall for name, wall, _ in rows if name.startswith("naive"))
    one_m = by.get(f"logscan 1M python --jobs {jobs}", (0.0, 0.0))[0]
    peak = max(rss for name, _, rss in rows if name.startswith("logscan") and "outage" not in name)  # the days
    print("\n| target | measured | met |\n| --- | --- | --- |")
    by_round = _by_round(runs or {}, best_name, "grep -c -F -f SIGNATURES")
    print(f"| wall <= 2x grep | {best / grep:.1f}x grep{by_round} | {'yes' if best <= 2 * grep else 'no'} |")
    print(f"| peak RSS <= 150 MB | {peak:.0f} MB | {'yes' if peak <= 150 else 'no'} |")
    if one_m and lines != 1_000_000:
        ratio = best / one_m
        print(f"| linear ({lines // 1_000_000}M vs 1M) | {ratio:.1f}x time for {lines / 1e6:.0f}x lines | - |")
    by_round = _by_round(runs or {}, "lnav count(error)", best_name)
    print(f"| >= 5x faster than lnav | {lnav / best:.1f}x{by_round} | {'yes' if lnav >= 5 * best else 'no'} |")
    print(
        f"| >= 10x faster than naive loop | {naive_wall / best:.1f}x | {'yes' if naive_wall >= 10 * best else 'no'} |"
    )
    if OUTAGE_GREP in by:
        outage_targets(by, runs or {}, jobs)


def _by_round(runs: dict[str, list[float]], mine: str, theirs: str) -> str:
    """The ratio of `mine` to `theirs` in each round both ran, as ' (runs: 3.0x, 3.1x, 2.9x)'; '' with
    fewer than two rounds."""
    pairs = list(zip(runs.get(mine, []), runs.get(theirs, []), strict=False))
    if len(pairs) < 2:
        return ""
    return " (runs: " + ", ".join(f"{a / b:.1f}x" for a, b in pairs) + ")"


if __name__ == "__main__":
    main()
