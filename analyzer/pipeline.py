"""The one module that knows the order of the stages: sources, framing, parsing, matching, correlation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import BinaryIO, cast

from . import parallel, prefilter, redaction, sources, timelimit, window
from .correlation import Correlation, Order, anchors, assemble_calls, correlate, fold_reprints, input_order
from .events import Events, named, of_kind, places, sources_of, subset, undated, values_of
from .evidence import Texts
from .framing import Counts, Prefilter, frame_blocks, prefixes
from .framing.context import PRIOR, Around
from .lane.columns import Successes
from .lane.shortcut import Lane, Span
from .matching import BY_SOURCE, Compiled, Matcher, MatchStats, extractor_gate, match, stopped_note
from .models import Analysis, Entry, Event, Outcome
from .parsing import TIME_OF_DAY, parse
from .prefilter import PatternGate
from .ruleset import RuleSet
from .sources import SourceStats
from .timestamps import Clock


@dataclass(frozen=True, slots=True)
class Options:
    """Everything a run depends on; the CLI builds it, tests build it directly."""

    paths: tuple[str, ...]
    tz: tzinfo
    now: datetime
    since: str = ""
    until: str = ""
    engine: str = "auto"
    redact: bool = True
    jobs: int = 0  # processes per large file; 0: the CPU count for files over parallel.MIN_SIZE
    output: str = ""  # the report's file, which must be none of the inputs
    fixed_now: bool = False  # --now: durations count back from `now`, not from the last record
    day: date | None = None  # --date: the day of stamps with a time of day and no date

    @property
    def bounds(self) -> window.Bounds:
        """--since, --until and --now."""
        return window.Bounds(self.since, self.until, self.now if self.fixed_now else None)


def run(
    options: Options, ruleset: RuleSet, stdin: BinaryIO | None, progress: parallel.Progress | None = None
) -> Analysis:
    """The stages in their order: the sources; framing, parsing and matching of each (in workers where
    that pays); the calls, the window and correlation. The report writers take it from there."""
    inputs = sources.resolve(options.paths, stdin)
    if options.output:
        sources.refuse_output(options.output, inputs)
    scanner = Scanner.of(options, ruleset)
    into = parallel.Into(scanner.matcher(MatchStats()), Span(), Texts())
    counts = [SourceStats(source.name, skipped=source.skipped) for source in inputs]
    for source, stats in zip(inputs, counts, strict=True):
        parallel.scan_source(source, stats, options.jobs, scanner, into, progress)
    found: Sequence[Event] = Events.of(into.store)  # every event of every source, as columns
    found, unshown = by_source(found, into.matcher.stats, into.matcher.successes)
    order = _in_input_order(found, counts)
    bounds, notes = _window(options, found, into.matcher.successes, into.span)
    kept, left_out = _kept(options, found, bounds)
    notes += [*left_out, *dated_notes(counts, options)]
    made = _Made(options, ruleset, counts, into, bounds, notes, len(found) - len(kept), unshown)
    del found  # (as_calls empties the list: the originals of the attempts it relabels go)
    if progress is not None:
        progress.stage(f"{len(kept):,} events: reprints and calls")
    kept, made.reprints = as_calls(kept, ruleset, into.texts)
    successes = _in_order(into.matcher.successes, bounds, order)
    if progress is not None:
        progress.stage(f"{len(kept):,} calls' events: incidents")
    return made.analysis(kept, successes, correlate(kept, ruleset, bounds[1] or into.span.end, successes, order))


@dataclass
class _Made:
    """What a run made besides its events, for its Analysis."""

    options: Options
    ruleset: RuleSet
    counts: list[SourceStats]
    into: parallel.Into
    bounds: window.Window
    notes: list[str]
    filtered: int  # events outside the window
    unshown: int  # failures that showed no provider
    reprints: int = 0

    def analysis(self, kept: Sequence[Event], successes: Successes, correlation: Correlation) -> Analysis:
        into = self.into
        stopped = [stopped_note(name, count) for name, count in sorted(into.matcher.stats.stopped.items())]
        return Analysis(
            sources=self.counts,
            events=of_kind(kept, lambda e: e.outcome is not Outcome.SUCCESS),
            incidents=correlation.incidents,
            successes=len(successes),
            start=into.span.start,
            end=into.span.end,
            match_stats=into.matcher.stats,
            ruleset=self.ruleset,
            options=self.options,
            texts=into.texts,
            window=self.bounds,
            filtered_out=self.filtered + len(into.matcher.successes) - len(successes),
            success_times=cast(Sequence[datetime], successes.times.select(range(successes.times.dated()))),
            undetermined=correlation.undetermined,
            reprints=self.reprints,
            unshown=self.unshown,
            notes=[*self.notes, *stopped],
        )


def dated_notes(counts: list[SourceStats], options: Options) -> list[str]:
    """Which sources had stamps with a time of day and no date, and the day they were given."""
    if options.day is not None:
        day, how = options.day, "--date"
    else:
        day, how = options.now.date(), "the day of --now" if options.fixed_now else "today; give --date for another day"
    return [
        f"{c.name}: {n} records had a time but no date: dated {day.isoformat()} ({how})"
        for c in counts
        if (n := c.formats.get(TIME_OF_DAY, 0))
    ]


def _in_input_order(found: Sequence[Event], counts: list[SourceStats]) -> Order:
    """The order of events (time, then input, then line; an undated event of a source with dated ones at its place
    among them, `anchors`), the found ones put in it."""
    names = [c.name for c in counts]
    order = input_order(names, anchors(places(found)) if undated(found) else None)
    if not _ordered(found, order):  # a sort's keys cost 90 bytes an event while it lasts: the peak of an outage
        # (a source whose times step back: an event stamped to the second at the time of the one above it, where it
        # is in that one's second, and that time is its own from now on: the events stay in time order)
        placed = anchors(places(found), back=True)
        order = input_order(names, placed)
        found.sort(key=lambda e: order(e.time, e.source, e.line))  # type: ignore[attr-defined]
        if placed:  # (a pass over an outage's events only where something was placed)
            moved = [(i, placed[(s, n)]) for i, (time, s, n) in enumerate(places(found)) if time and (s, n) in placed]
            for i, time in moved:
                found[i] = replace(found[i], time=time)  # type: ignore[index]
    return order


def as_calls(events: Sequence[Event], ruleset: RuleSet, texts: Texts) -> tuple[Sequence[Event], int]:
    """The events of failed calls as calls: each failure printed several times once (how many prints were
    folded), each call's transport lines and retry notices its attempts. `events` is emptied: the
    attempts that assemble_calls relabels are copies, and the list kept every original alive beside
    them (an outage's quarter of a million attempts, 30 MB at the peak)."""
    priority = {r.id: r.priority for r in (*ruleset.rules, *ruleset.derived.values())}
    kept = fold_reprints(events, (lambda rule: priority.get(rule, 0), ruleset.derived.__contains__, texts.of))
    folded = len(events) - len(kept)
    events.clear()  # type: ignore[attr-defined]
    assemble_calls(kept, ruleset.derived.__contains__)
    return kept, folded


def _window(options: Options, found: Sequence[Event], calls: Successes, span: Span) -> tuple[window.Window, list[str]]:
    """--since and --until as times, and the note of the stray records their durations passed over."""
    bounds = options.bounds
    if not bounds.counted_back():
        return window.time_window(bounds, options.tz, span.end, options.now), []
    end_at = "{}:{}".format(*span.end_at) if span.end_at else ""
    last = window.last_record(found, calls, (span.end, end_at) if span.end else None)
    notes = [window.stray_note(bounds, last, options.tz)] if last.strays else []
    return window.time_window(bounds, options.tz, last.time, options.now), notes


def _kept(options: Options, found: Sequence[Event], bounds: window.Window) -> tuple[Sequence[Event], list[str]]:
    """The events inside the window, and the note of a window that left out every failure."""
    if bounds == (None, None):
        return found, []
    kept = subset(found, lambda e: window.inside(e.time, bounds))
    failures = sum(1 for e in found if e.outcome is not Outcome.SUCCESS)
    if not failures or any(e.outcome is not Outcome.SUCCESS for e in kept):
        return kept, []
    return kept, [window.empty_note(options.bounds, bounds, failures, options.tz)]


@dataclass(frozen=True, slots=True)
class Scanner:
    """The per-source stages of a run: framing with the prefilter, parsing, matching."""

    engine: Prefilter
    clock: Clock
    ruleset: RuleSet
    redact: Callable[[str], str]
    engine_name: str = "auto"
    gate: PatternGate | None = None  # the extractors' gate, shared by the matchers of every part
    calls: tuple[str, ...] = ()  # the successful-call keywords the prefilter marks, by bit
    compiled: Compiled | None = None  # what every matcher reads of the rules, made once

    @classmethod
    def of(cls, options: Options, ruleset: RuleSet) -> Scanner:
        """The stages a run's options and rules make."""
        call_words = tuple(ruleset.call_keywords()[: prefilter.CALL_BITS])
        confirm = [r.single for r in ruleset.rules if r.call_success and r.single is not None]
        return cls(
            prefilter.build(options.engine, ruleset.keywords(), call_words, confirm),
            Clock(options.tz, options.now, options.day),
            ruleset,
            redaction.redact if options.redact else redaction.identity,
            options.engine,
            extractor_gate(ruleset, options.engine),
            call_words,
            Compiled.of(ruleset, options.engine),
        )

    def matcher(self, stats: MatchStats) -> Matcher:
        return Matcher(self.ruleset, self.redact, stats, self.engine_name, self.gate, self.compiled)

    def prepare(self) -> None:
        if self.gate is not None:
            self.gate.prepare()
        if self.compiled is not None:  # the providers' marks: every worker's failures ask it
            self.compiled.attributor.gate.prepare()

    def events(self, blocks: Iterable[bytes], name: str, stats: SourceStats, into: parallel.Into) -> Iterator[Event]:
        """The events of one source scanned in this process, with the run's matcher."""
        return self._events(blocks, name, stats, into.matcher, into.span)

    def _events(
        self,
        blocks: Iterable[bytes],
        name: str,
        stats: SourceStats,
        matcher: Matcher,
        span: Span,
        part: parallel.Chunk | parallel.Piece | None = None,
        lead: bytes = b"",
    ) -> Iterator[Event]:
        """The events of one source, or of one byte range or piece of it: framing, the successful-call
        lane, parsing, matching; what framing and the lane counted added to the source's once it is done."""
        edges = (part.first, part.last) if part else (True, True)
        split_end = isinstance(part, parallel.Piece) and part.split
        lane = Lane(self.clock, matcher, span, name, self.calls, self.engine.confirmed)
        around = Around()  # framing places each record it yields, matching reads its context there
        counts = Counts()
        framed = frame_blocks(blocks, name, counts, self.engine, edges, split_end, around, calls=True, lead=lead)
        entries = _observed((parse(r, self.clock) for r in lane.route(framed)), stats, span)
        yield from match(entries, matcher, around.of, around.line_before)
        stats.add_framed(counts)
        stats.add_formats(lane.formats)

    def chunk(self, name: str, chunk: parallel.Chunk) -> parallel.Part:
        """Scan one byte range of a file (in a worker process)."""
        stats = SourceStats(name)
        # (the file's first lines: a CSV export's header tells the columns of every range's rows)
        first = 2 * prefixes.SAMPLE_BYTES
        head = sources.read_before(chunk.fd, first, first) if chunk.start else b""
        blocks = prefixes.each_taken_off(sources.read_range(chunk.fd, chunk.start, chunk.end, stats), head)
        lead = prefixes.taken_off(sources.read_before(chunk.fd, chunk.start, PRIOR))  # as the range's own lines
        return self._part(blocks, name, stats, chunk, chunk.end - chunk.start, lead)

    def piece(self, name: str, piece: parallel.Piece) -> parallel.Part:
        """Scan one piece of a stream (in a worker process); its reading was counted where it was read."""
        return self._part([piece.data], name, SourceStats(name), piece, len(piece.data), piece.lead)

    def _part(
        self,
        blocks: Iterable[bytes],
        name: str,
        stats: SourceStats,
        part: parallel.Chunk | parallel.Piece,
        size: int,
        lead: bytes,
    ) -> parallel.Part:
        match_stats, span = MatchStats(), Span()
        matcher = self.matcher(match_stats)
        with timelimit.watched():
            events = [e.row() for e in self._events(blocks, name, stats, matcher, span, part, lead)]
        return parallel.Part(events, stats, match_stats, span.start, span.end, span.latest, size, matcher.successes)


def by_source(events: Sequence[Event], stats: MatchStats, calls: Successes) -> tuple[Sequence[Event], int]:
    """The events whose record showed no provider (BY_SOURCE) kept where their source shows OpenAI (a
    record of OpenAI's, or a successful call to it) and no other provider; the others left out, counted."""
    if not named(events, "attributed") or BY_SOURCE not in values_of(events, "attributed"):
        return events, 0
    called = set(calls.sources.names)
    shown = {s for s in sources_of(events) if (stats.openai_records.get(s) or s in called)}
    shown -= {s for s, n in stats.other_records.items() if n}
    kept = subset(events, lambda e: e.source in shown or e.fields.get("attributed") != BY_SOURCE)
    return kept, len(events) - len(kept)


def _in_order(calls: Successes, bounds: window.Window, order: Order) -> Successes:
    """The successful calls inside the window, in `order`; as they are when they already are (one
    source, times never going back: the usual log)."""
    if bounds == (None, None):
        inside: list[int] | range = range(len(calls))
    else:
        inside = [i for i, t in enumerate(calls.times) if window.inside(t, bounds)]
    times = calls.times
    if calls.sources.distinct() <= 1 and times.ascending():
        return calls if isinstance(inside, range) else calls.select(inside)
    return calls.select(sorted(inside, key=lambda i: order(times[i], calls.sources[i], calls.lines[i])))


def _ordered(events: Sequence[Event], order: Order) -> bool:
    """Whether the events are in `order` already (one source whose times never go back: the usual log)."""
    keys = (order(*place) for place in places(events))
    last = next(keys, None)
    for key in keys:
        if key < last:  # type: ignore[operator]
            return False
        last = key
    return True


def _observed(entries: Iterable[Entry], stats: SourceStats, span: Span) -> Iterator[Entry]:
    for entry in entries:
        stats.formats[entry.format] = stats.formats.get(entry.format, 0) + 1
        if entry.time is None:
            stats.bad_times += entry.bad_time
        else:
            span.add(entry.time, (entry.record.source, entry.record.line))
        yield entry


# what the CLI and tests ask of the pipeline about --since and --until
parse_duration = window.parse_duration
option_time = window.option_time


def time_window(options: Options, last: datetime | None) -> window.Window:
    """--since and --until as times: ISO times, or durations back from --now, else the last record."""
    return window.time_window(options.bounds, options.tz, last, options.now)
