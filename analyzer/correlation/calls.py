"""One failed API call logs up to six lines: its transport lines are attempts of the exception that ends it."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from ..events import parts, picked
from ..models import APP_RETRY, SDK_RETRY, Category, Event, Outcome
from ..templates import DATE_TIME, TIME_OF_DAY, message_line, template_of

SHARED = 4096  # distinct fields of attempts kept as one dict each
APP_RETRY_GAP = 3  # lines from a failure's end to its next try's failure after an app's notice (`_tried_again`)
CALL_WINDOW = timedelta(seconds=90)  # an SDK's retries of one call fit in this (0.5 s to 60 s backoff)
# Fields a transport line takes from the exception of its call, so both land in the same group.
INHERITED = ("organization", "model", "limit_kind", "limit_unit", "limit_period", "deployment", "code", "type")


REPRINT_LINES = 12  # a reprint starts at most this many lines after the print before it ends
# a response dumped whole (its status line, its headers, a blank line, its body: Julia's HTTP.jl, curl -v, a
# client's toString): the body's failure starts at most this many lines after the status line
RESPONSE_LINES = 40
_STATUS_LINE = re.compile(r"^\W{0,4}HTTP/[12](?:\.[01])? [1-5]\d\d\b[^\n]{0,40}$")
REPRINT_TIME = timedelta(milliseconds=500)
INNER_MESSAGE = 12  # characters of an inner exception's message that its outer one must repeat, at the least
MIXED_GAP = 2  # lines from an undated attempt to a dated failure (or back), at most, for it to be that call's try
BARE_STATUS = 80  # characters: a line this short with a status and no body is a wrapper's status line
_TUNNEL = ("403", "407")  # a forward proxy's refusal of a CONNECT: the cause of a connection error
_HOST = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)+:\d{2,5}\b|://[a-z0-9-]+(?:\.[a-z0-9-]+)*", re.IGNORECASE)
# the kinds of failure that only an answer tells (a 403 may be a proxy's refusal of the tunnel)
_ANSWERS = frozenset(
    {
        Category.QUOTA,
        Category.RATE_LIMIT,
        Category.AUTH,
        Category.CONTEXT_LENGTH,
        Category.MODEL_NOT_FOUND,
        Category.INVALID_REQUEST,
        Category.CONTENT_FILTER,
    }
)
_FAMILY = {Category.OVERLOADED: Category.SERVER_ERROR, Category.CONNECTION: Category.TIMEOUT}
# The HTTP status each kind of failure is answered with (`_named_by`; not `_ANSWERS` above): a generic failure told
# only by its status or class takes a try's kind of the same status only
_STATUS_OF = {
    Category.QUOTA: "429",
    Category.RATE_LIMIT: "429",
    Category.INVALID_REQUEST: "400",
    Category.CONTEXT_LENGTH: "400",
    Category.CONTENT_FILTER: "400",
    Category.AUTH: "401",
    Category.PERMISSION_REGION: "403",
    Category.MODEL_NOT_FOUND: "404",
    Category.SERVER_ERROR: "5xx",
    Category.OVERLOADED: "5xx",
}


Judge = tuple[Callable[[str], int], Callable[[str], bool], Callable[[Event], str]]  # priority, generic, text


def fold_reprints(events: Sequence[Event], judge: Judge) -> Sequence[Event]:
    """One failure printed several times is one event: the message and then its traceback, a
    wrapper's re-raise, each hard-wrapped line that holds its status. Of two failure events next to
    each other in one source (no event of that source between them, the second starting at most
    REPRINT_LINES lines after the first ends, or RESPONSE_LINES after a response's status line or as a .NET
    inner exception that says the first one's message (`_far_print`; the lines after such an inner print
    count from it), their
    times within REPRINT_TIME or unknown; of two rules, or one of them a record of several lines, or
    two one-line prints of one rule, neither's template in the other's, with no two statuses: the same
    one-line print twice is two calls failing alike; of two lines with no time, the same words only, so that
    a program's print with a wrapper's words and then bare is one failure, `_same_print`) that
    tell the same failure (of one family; or one of them a generic rule's, and no two statuses; or one
    a gateway's and both of one status), the one whose rule has the higher priority (then the one that
    shows a status, then the first) is kept. Two one-line records of two statuses (a 503, then a 502) are
    two calls, of one family or not. A wrapper's own status on the line before the call's failure (`Status: 500`,
    then `Error: ... 429 You exceeded your current quota`) is a print of that failure too, and the
    failure is kept (`_wrapper`). Attempts (transport lines, retry notices) are tries of a call, never
    reprints. `judge`: a rule's priority, whether it is generic, and an event's text. The events kept,
    in order, of the kind `events` is (a list, or Events); the folded ones are left out."""
    priority = judge[0]
    kept = array("q")  # the positions in `events` of those kept
    last: dict[str, tuple[int, Event]] = {}  # by source: its last event kept, and where in `kept` it is
    inner: dict[str, int] = {}  # by source: where the inner exception's print folded into it ends (its lines follow)
    # by source: the time of the failure its last event kept tells, where that print has none and a print folded
    # into it has one (an undated line placed before its dated reprint): the next print is timed against it
    told: dict[str, datetime] = {}
    for i, event in enumerate(events):
        prior = last.get(event.source)
        # most pairs are further apart than a reprint can be: told before anything else is looked at
        gap = event.line - max(prior[1].end_line, inner.get(event.source, 0)) if prior is not None else 0
        if (
            prior is not None
            and (0 < gap <= REPRINT_LINES or (0 < gap <= RESPONSE_LINES and _far_print(prior[1], event, judge)))
            and _reprint(prior[1], event, judge, told.get(event.source))
        ):
            if prior[1].time is None and event.time is not None:
                told.setdefault(event.source, event.time)
            if _inner_print(event, judge):
                inner[event.source] = event.end_line
            first = prior[1]
            if (
                (_tells_more(first, event, priority) and not _cause_told(first, event, judge))
                or _cause_told(event, first, judge)
                or _wrapper(first, event, judge)
            ):
                kept[prior[0]] = i
                last[event.source] = (prior[0], event)
            continue
        last[event.source] = (len(kept), event)
        inner.pop(event.source, None)
        told.pop(event.source, None)
        kept.append(i)
    return picked(events, kept)


def _far_print(prior: Event, event: Event, judge: Judge) -> bool:
    """Whether a failure may print again further down than REPRINT_LINES: after a response's status line (its
    headers between), or as the inner exception of .NET's `ToString()` (` ---> Azure.RequestFailedException: ...`,
    the outer one's message, status, body and headers between)."""
    if _status_line(prior, judge):
        return True
    if not _inner_print(event, judge):
        return False
    # (the inner exception of this failure: the outer one's text says the same, `The API deployment for this
    # resource does not exist`; a `--->` under another exception that no rule named is another failure's)
    message = judge[2](event).split("\n", 1)[0].partition(": ")[2].strip()
    return len(message) >= INNER_MESSAGE and message in judge[2](prior)


def _inner_print(event: Event, judge: Judge) -> bool:
    return judge[2](event).lstrip().startswith("--->")


def _status_line(event: Event, judge: Judge) -> bool:
    """Whether the event is a response's status line alone (`HTTP/1.1 429 Too Many Requests`), whose headers
    may come between it and the body that tells its failure."""
    return _STATUS_LINE.match(judge[2](event)) is not None


def _reprint(before: Event, event: Event, judge: Judge, told: datetime | None = None) -> bool:
    """Whether `event` prints the failure `before` printed (`told`: that failure's time, where `before` has none)."""
    if before.outcome is not Outcome.FAILURE or event.outcome is not Outcome.FAILURE:
        return False
    if Category.BILLING_CARD in (before.category, event.category):  # a payment is no print of a call
        return False
    if is_attempt(before) or is_attempt(event):
        return False
    when = before.time or told
    if when is not None and event.time is not None and abs(event.time - when) > REPRINT_TIME:
        return False
    if _told_apart(before, event):
        return False
    _, generic, text = judge
    statuses = {before.fields.get("status"), event.fields.get("status")} - {None, ""}
    # the same one-line print twice, or two statuses: two calls failing alike; one failure's message and
    # then its body's lines (a dump whose indentation was lost) are one
    if _one_line_each(before, event) and (
        len(statuses) > 1 or _same_print(before, event, text) or _two_messages(before, event, text)
    ):
        return False
    if len(statuses) > 1 and _one_line(before) and _one_line(event) and not _wrapper(before, event, judge):
        return False
    if before.rule == event.rule and _two_told(text(before), text(event)):
        return False
    # two prints of one wording whose numbers differ (`batch 1 (0-99)`, then `batch 2 (100-199)`, each with its
    # own stack): two calls failing alike; the same print by two handlers (only their times differ) stays one
    if before.rule == event.rule and _numbered_apart(text(before), text(event)):
        return False
    if _family(before.category) is _family(event.category):
        return True
    # a client's print of a gateway's answer (`HTTP code 522 from API (<html>...`) and the gateway's own page in it
    # (`<title>oai.hconeai.com | 522: Connection timed out</title>`): one answer, told by its one status
    status = before.fields.get("status")
    if Category.GATEWAY in (before.category, event.category) and status and status == event.fields.get("status"):
        return True
    if _answered_and_unreached(before, event, text):
        return False
    if (generic(before.rule) or generic(event.rule)) and len(statuses) <= 1:
        return True
    return _wrapper(before, event, judge)


CALL_FIELDS = ("model", "request_id")  # what one call's failure names once, whichever print shows it


def _told_apart(before: Event, event: Event) -> bool:
    """Whether two failures name two models or two request ids: two calls, however alike their prints. Two
    names of one model (a snapshot and its alias, `gpt-4o-2024-08-06` and `gpt-4o`) or of one id (`req_abc`
    and `abc`) are one."""
    for name in CALL_FIELDS:
        if name not in before.fields or name not in event.fields:
            continue
        one, other = sorted((_bare(before.fields.get(name)), _bare(event.fields.get(name))), key=len)
        if one and other and not other.startswith(one):
            return True
    return False


def _bare(value: str | None) -> str:
    return (value or "").removeprefix("req_").removeprefix("default-")


def _tells_more(kept: Event, event: Event, priority: Callable[[str], int]) -> bool:
    """Whether a print of a failure is the better one to keep than the print kept so far: its rule ranks
    higher, or as high and it shows the status the other does not (`raise error.APIError(`, a traceback's
    code line, then `openai.error.APIError: HTTP code 403 from API (...`)."""
    mine, theirs = priority(event.rule), priority(kept.rule)
    if mine != theirs:
        return mine > theirs
    shows, showed = bool(event.fields.get("status")), bool(kept.fields.get("status"))
    # (of two alike, the dated print: an undated one placed among dated ones, `anchors`)
    return shows and not showed if shows != showed else kept.time is None and event.time is not None


def _cause_told(cause: Event, answer: Event, judge: Judge) -> bool:
    """Whether of two prints of one failure `cause` tells its cause and `answer` only a proxy's answer to it: a
    call that could not reach its host (a timeout, or a connection that failed: one family) and a bare 502 or 504
    that no rule named (a reverse proxy's `http: proxy error: dial tcp: lookup x.openai.azure.com ...: i/o
    timeout`, and its client's `ChatGPT error 502`, in either order): the transport failure is kept."""
    return (
        _family(cause.category) is Category.TIMEOUT
        and not cause.fields.get("status")
        and answer.fields.get("status") in ("502", "504")
        and judge[1](answer.rule)
    )


def _wrapper(before: Event, event: Event, judge: Judge) -> bool:
    """Whether `before` is a wrapper's own server-error status printed on the line before the client
    error it relays (a UI's or a proxy's `Status: 500`, then the call's 4xx): a generic 5xx on a short
    line of its own with no body (two calls' failures, each with its message, stay two) right before a 4xx."""
    status, inner = before.fields.get("status", ""), event.fields.get("status", "")
    if status[:1] != "5" or inner[:1] != "4" or not before.line == before.end_line == event.line - 1:
        return False
    text = judge[2](before)
    return judge[1](before.rule) and len(text) <= BARE_STATUS and "{" not in text


def _answered_and_unreached(before: Event, event: Event, text: Callable[[Event], str]) -> bool:
    """Whether one of two failures is a transport error that names the host it could not reach, or a socket's
    exception that says it never connected (`java.net.SocketTimeoutException: Connect timed out`) or that no answer
    came (`socket hang up`, `timed out waiting for response`), and the other an answer of a client error: a call
    that was answered was reached and answered, so they are two calls. (A bare
    `Connection error.` after an answered failure is an app's fallback message for it; a proxy's 403 or 407 to a
    tunnel is a transport error's cause, and may be its print.)"""
    pairs = ((before, event), (event, before))
    return any(
        not one.fields.get("status")
        and _answered(other)
        and (
            (one.category is Category.CONNECTION and _HOST.search(text(one)) is not None)
            or (_family(one.category) is Category.TIMEOUT and _UNANSWERED.search(text(one)) is not None)
        )
        for one, other in pairs
    )


_OPENAI_REQUEST_ID = re.compile(r"(?:req_)?[0-9a-f]{32}")  # the ids of OpenAI's answers (x-request-id)


# a socket's own exception for a connection it never made (Java's `SocketTimeoutException: Connect timed out`,
# `ConnectException: Connection refused`, Python's `ConnectTimeout`, `ConnectionRefusedError`), or a client's for
# an answer that never came (Node's `socket hang up`, a client's own `timed out waiting for response`)
_UNANSWERED = re.compile(
    r"\b(?:SocketTimeoutException: [Cc]onnect timed out|ConnectException|ConnectTimeout(?:Exception|Error)?"
    r"|ConnectionRefusedError|socket hang up|timed out waiting for (?:a |the )?response)\b"
)


def _answered(event: Event) -> bool:
    """Whether a failure is an API's answer: of a client error (its 4xx status, else its kind), or one that names
    the request id OpenAI gave it (`Please include the request ID <32 hex digits> in your message`, `req_<32 hex
    digits>`), not a gateway's status of an upstream it could not reach (a 502's or 504's page, an edge's own id)."""
    status = event.fields.get("status", "")
    if _OPENAI_REQUEST_ID.fullmatch(event.fields.get("request_id", "")):
        return status not in (*_TUNNEL, "502", "504")
    if status:
        return status[:1] == "4" and status not in _TUNNEL
    return event.category in _ANSWERS


def _same_print(before: Event, after: Event, text: Callable[[Event], str]) -> bool:
    """Whether two lines print the same text, whatever each puts around it (a time, a level, `msg="..."`, a
    head the template does not take off). Of two lines with no time (a program's own prints, no logger's head
    around them, and no stamped line before them to lend theirs) only the same words: a wrapper's
    `ChatCompletion error: ...` and then the error bare are one failure printed twice."""
    one, other = template_of(text(before)).strip("'\""), template_of(text(after)).strip("'\"")
    if before.time is None and after.time is None:
        return one == other
    return one in other or other in one


# an error body's message, as a dict, JSON or an object's dump prints it (`'message': 'Conversation already has...'`)
_BODY_MESSAGE = re.compile(r"""['"]message['"]\s*:\s*(['"])(.{8,300}?)\1""")  # (not a logger's `message=`)


def _two_messages(before: Event, after: Event, text: Callable[[Event], str]) -> bool:
    """Whether two lines each print an error body whose messages differ: two answers, so two calls (a Realtime
    client's `Error: {..., 'message': 'Error committing input audio buffer...'}` and then `Error: {..., 'message':
    'Conversation already has an active response'}`)."""
    one, other = _BODY_MESSAGE.search(text(before)), _BODY_MESSAGE.search(text(after))
    return one is not None and other is not None and one.group(2) != other.group(2)


def _two_told(before: str, after: str) -> bool:
    """Whether two one-line records each tell a failure of its own after one announcement (`ERROR
    app::openai_realtime: OpenAI Realtime error: The Realtime Beta API is no longer supported...`, then the same head
    and `Turn detection is not supported...`): two answers, so two calls. Not a head that only names its logger or
    its level (`[api] error: `: one failure told over two of its lines), nor two prints of one message (a longer or
    a cut one, its repr and its text: the two share a run of words)."""
    one, other = before.strip(), after.strip()
    if "\n" in one or "\n" in other:  # each a line of its own (a blank line after it aside)
        return False
    if _ANNOUNCED.search(one, 0, HEAD_CHARS) is None:  # (most lines announce nothing: told at once)
        return False
    one, other = _TIME.sub("", one), _TIME.sub("", other)
    cuts = list(_ANNOUNCED.finditer(_common_prefix(one, other)))
    if not cuts:
        return False
    cut = cuts[-1]  # (the last announcement of the shared head)
    rest, more = one[cut.end() :].strip(), other[cut.end() :].strip()
    return min(len(rest), len(more)) >= SHARED_RUN and not _share_a_run(rest, more)


def _common_prefix(one: str, other: str) -> str:
    """The text two strings begin with, up to HEAD_CHARS characters (a head is short: the search after it bounded),
    found by halving (a slice's comparison is one step, a character's loop many)."""
    low, high = 0, min(len(one), len(other), HEAD_CHARS)
    while low < high:
        middle = (low + high + 1) // 2
        if one[:middle] == other[:middle]:
            low = middle
        else:
            high = middle - 1
    return one[:low]


def _share_a_run(one: str, other: str, most: int = 400) -> bool:
    """Whether two messages share a run of SHARED_RUN characters (looked for in their first `most`): one message
    printed twice, however differently."""
    short, long = sorted((one[:most], other[:most]), key=len)
    return any(short[at : at + SHARED_RUN] in long for at in range(0, len(short) - SHARED_RUN + 1, SHARED_RUN // 3))


SHARED_RUN = 24  # characters two prints of one message share, at the least
HEAD_CHARS = 400  # characters of two lines where the head they share is looked for
# an announcement in a line's shared head: a word of its message, then `error: ` (`OpenAI Realtime error: `, `request
# failed: `); not a level after a bracketed label or alone (`[api] error: `, `ERROR: `: no word of a message before it)
_ANNOUNCED = re.compile(
    r"(?<![\w\[\]])[A-Za-z][\w-]{0,40}[ \t]+(?:[Ee]rror|[Ff]ailed|[Ff]ailure|[Ee]xception)\b[^:\n]{0,20}:\s"
)


def _numbered_apart(before: str, after: str) -> bool:
    """Whether two records' error lines are one wording whose numbers differ (times left out): the same
    text but for its digits (cheap enough for every pair of an outage's failures)."""
    one, other = _TIME.sub("", message_line(before)), _TIME.sub("", message_line(after))
    return _NUMBER.findall(one) != _NUMBER.findall(other) and _NUMBER.sub("", one) == _NUMBER.sub("", other)


_TIME = re.compile(f"{DATE_TIME}|{TIME_OF_DAY}")
_NUMBER = re.compile(r"\d+")


def _one_line(event: Event) -> bool:
    return event.line == event.end_line


def _one_line_each(before: Event, event: Event) -> bool:
    return before.rule == event.rule and _one_line(before) and _one_line(event)


def _family(category: Category | None) -> Category | None:
    return _FAMILY.get(category, category) if category is not None else None


def assemble_calls(events: Sequence[Event], generic: Callable[[str], bool] = lambda rule: False) -> Sequence[Event]:
    """Transport lines of one call take the category of the exception that ends it.

    An attempt (an HTTP status line, or a retry notice) followed, in the same source and within
    CALL_WINDOW, by a failure that is not an attempt is an attempt of that failed call: it is relabelled
    with the failure's category, severity and grouping fields, and its `call` field names the
    failure's rule. Where that failure is a generic rule's (`generic`: its class or status only, no error code)
    and one of its tries a specific rule's with its code (openai v0's `error_code=insufficient_quota ... message='OpenAI
    API error received'` line, then the app's bare `RateLimitError`), the try tells the call's kind: the failure
    takes that rule (`_named_by`). A failure just after an app's own bare retry notice (APP_RETRY) is the next try
    of the call whose failure ends just before its notice (`_tried_again`): that failure is relabelled an attempt of
    it. Time-ordered; relabelled in place (a copy of the list would keep every replaced attempt alive as long as it
    lives: half the events of an outage), and returned.
    """
    out = events
    pending: dict[str, list[tuple[int, Event]]] = {}  # by source: the attempts waiting for their call
    # by source: the last failure that ended a call, where it is, and when its call's first try failed
    ended: dict[str, tuple[int, Event, datetime | None]] = {}
    told: dict[str, Event] = {}  # by source: the last retry notice that quotes its error's code or status
    shared: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}  # the attempts of an outage: one dict
    for index, event in enumerate(out):
        # a card declined while a call retries is not that call's end: payments are no API calls
        if event.outcome is not Outcome.FAILURE or event.category is Category.BILLING_CARD:
            continue
        try_of = _told(event, told, shared)
        if try_of is not event:  # (written back only when it changed: a write to Events goes to the store)
            event = out[index] = try_of  # type: ignore[index]
        waiting = pending.setdefault(event.source, [])
        if told.get(event.source) is event:  # a retry notice: the status lines just before it are its tries
            for i, low in waiting:
                if _per_try(low) and _near(low, event) and _same_status(low, event):
                    out[i] = _attempt_of(low, event, shared)  # type: ignore[index]
        if is_attempt(event):
            waiting.append((index, event))
            continue
        # the call's failure: its tries are the attempts before it within CALL_WINDOW; in a log with no
        # times (logging's basicConfig prints none), those since the last failure that show its status; where one
        # of the two has none (httpx's unstamped line placed before an app's stamped error, `anchors`), the one
        # just before it (MIXED_GAP) that shows its status
        tries = []
        for i, low in waiting:
            if low.time is not None and event.time is not None:
                if event.time - low.time > CALL_WINDOW:
                    continue
            elif not (_same_status(low, event) and _recent(low, event.time, event.line, event.fields)):
                continue
            tries.append((i, low))
        if tries and generic(event.rule) and "code" not in event.fields:
            named = _named_by(event, [low for _, low in tries], generic)
            if named is not event:
                event = out[index] = named  # type: ignore[index]
        for i, low in tries:
            out[i] = _attempt_of(low, event, shared)  # type: ignore[index]
        waiting.clear()
        before = ended.get(event.source)
        first = event.time
        if APP_RETRY in event.fields and before is not None and _tried_again(before[1], event, before[2]):
            out[before[0]] = _attempt_of(before[1], event, shared, APP_RETRY)  # type: ignore[index]
            first = before[2]
        ended[event.source] = (index, event, first)
    return out


def _named_by(call: Event, tries: Sequence[Event], generic: Callable[[str], bool]) -> Event:
    """A generic failure with no code as the last of its tries that a specific rule named by its code, of its status
    (where both show one) and of a kind its status has too (`_STATUS_OF`: a RateLimitError's 429 is out of quota or
    rate limited; a BadRequestError is neither): that rule, kind and code, the failure's own place, text and other
    fields; else the failure."""
    answer = _STATUS_OF.get(call.category) if call.category is not None else None
    for low in reversed(tries):
        if (
            "code" in low.fields
            and not generic(low.rule)
            and _same_status(low, call)
            and answer is not None
            and _STATUS_OF.get(low.category) == answer  # type: ignore[arg-type]
        ):
            fields = {**call.fields, "code": low.fields["code"]}
            return Event(  # (positional, as `_attempt_of`)
                low.rule, low.category, call.outcome, low.severity, low.retryable, call.confidence, call.time,
                call.source, call.line, call.end_line, call.text, fields,
            )  # fmt: skip
    return call


def _tried_again(first: Event, then: Event, began: datetime | None) -> bool:
    """Whether a failure an app tried again (`then` has APP_RETRY) is `first`'s call tried again: of its category,
    status and model, just after it (the notice between them, or `first`'s own last line; a line of `first`'s that a
    terminal wrapped may be between too), its call's tries since `began` within CALL_WINDOW, and, where the notice
    named its delay (`Retrying in 2.0s`), at least half of it after `first` (a call running at once fails sooner)."""
    if not (0 < then.line - first.end_line <= APP_RETRY_GAP and first.category is then.category):
        return False
    if not (_same_status(first, then) and first.fields.get("model") == then.fields.get("model")):
        return False
    if then.time is None or first.time is None:
        return True
    delay = then.fields.get(APP_RETRY, "")
    waited = (then.time - first.time).total_seconds()
    if delay[:1].isdigit() and waited < float(delay) / 2:
        return False
    return then.time - (began or first.time) <= CALL_WINDOW


def _same_status(low: Event, call: Event) -> bool:
    """Whether an attempt's status (if it shows one) is the call's (if it shows one)."""
    return _statuses_agree(low.fields, call.fields)


def _statuses_agree(low: Mapping[str, str], call: Mapping[str, str]) -> bool:
    mine, theirs = low.get("status"), call.get("status")
    return mine is None or theirs is None or mine == theirs


def _recent(attempt: _Try | Event, time: datetime | None, line: int, fields: Mapping[str, str]) -> bool:
    """Whether an attempt is a try of the failure at `time` and `line` with `fields` (as `assemble_calls` relabels
    them): within CALL_WINDOW of it; where one of the two is undated, just before it (MIXED_GAP) and of its status;
    where both are, any."""
    if time is not None and attempt.time is not None:
        return time - attempt.time <= CALL_WINDOW
    if (time is None) != (attempt.time is None):
        return line - attempt.end_line <= MIXED_GAP and _statuses_agree(attempt.fields, fields)
    return True


def _told(event: Event, told: dict[str, Event], shared: dict[tuple[tuple[str, str], ...], dict[str, str]]) -> Event:
    """A status line after a retry notice that quotes its error's code (`Retrying ... as it raised
    RateLimitError: Error code: 429 - {... 'code': 'insufficient_quota'}`, then `HTTP/1.1 429`) is a try of
    that notice's call, of its kind, dated or not; a failure that ends the call forgets the notice."""
    if not is_attempt(event):
        told.pop(event.source, None)
        return event
    if not _per_try(event):
        if "code" in event.fields or "status" in event.fields:
            told[event.source] = event
        return event
    notice = told.get(event.source)
    if notice is None or not _near(notice, event) or not _same_status(event, notice):
        return event
    return _attempt_of(event, notice, shared)


class Tried(Protocol):
    """What counting calls reads of an event: an Event, or a `_Try` made from a store's columns."""

    @property
    def rule(self) -> str: ...
    @property
    def confidence(self) -> str: ...
    @property
    def time(self) -> datetime | None: ...
    @property
    def fields(self) -> Mapping[str, str]: ...


class _Try(NamedTuple):
    rule: str
    confidence: str
    time: datetime | None
    fields: Mapping[str, str]
    end_line: int = 0


def is_attempt(event: Tried) -> bool:
    """A transport line (an HTTP status only), a per-attempt SDK line or a retry notice: one try of a
    call, not its outcome."""
    return event.confidence == "low" or "retrying" in event.fields or "attempt_response" in event.fields


def _per_try(event: Tried) -> bool:
    return event.confidence == "low" or "attempt_response" in event.fields


def _attempt_of(
    low: Event, call: Event, shared: dict[tuple[tuple[str, str], ...], dict[str, str]], retried: str = ""
) -> Event:
    """`low` as an attempt of `call`; `retried`: what tried it again, where it was a failure of its own."""
    inherited = {k: call.fields[k] for k in INHERITED if k in call.fields and k not in low.fields}
    fields = {**low.fields, **inherited, "call": call.rule, **({"retrying": retried} if retried else {})}
    key = tuple(fields.items())  # equal fields, one dict (events never change theirs); SHARED sets at most
    fields = shared.get(key) or (shared.setdefault(key, fields) if len(shared) < SHARED else fields)
    return Event(  # positional: dataclasses.replace looks at the fields for each call of an outage
        low.rule, call.category, low.outcome, call.severity, call.retryable, low.confidence, low.time, low.source,
        low.line, low.end_line, low.text, fields,
    )  # fmt: skip


def count_calls(events: Sequence[Event]) -> tuple[int, int]:
    """(failed API calls, attempts). Attempts (transport lines, retry notices) just before a failure are
    that call's tries: n status lines are n tries, n retry notices are n + 1; attempts with no failure
    after them within CALL_WINDOW are calls of their own (`_unclosed`). Card declines are not API calls.
    Read from the columns where the events are a store's (`events.parts`: no Event made for each)."""
    calls = attempts = 0
    pending: dict[str, list[_Try]] = {}
    for kind, time, source, line, end_line, fields in parts(events):
        if kind.outcome is not Outcome.FAILURE or kind.category is Category.BILLING_CARD:
            continue
        waiting = pending.setdefault(source, [])
        event = _Try(kind.rule, kind.confidence, time, fields, end_line)
        if is_attempt(event):
            waiting.append(event)
            continue
        recent: list[_Try] = []
        stale: list[_Try] = []
        for w in waiting:
            (recent if _recent(w, time, line, fields) else stale).append(w)
        statuses = sum(_per_try(w) for w in recent)
        notices = len(recent) - statuses
        calls += 1 + _unclosed(stale)
        attempts += max(1, statuses, notices + 1) + len(stale)
        waiting.clear()
    leftover = sum(_unclosed(waiting) for waiting in pending.values())
    return calls + leftover, attempts + sum(len(waiting) for waiting in pending.values())


def _unclosed(attempts: Sequence[Tried]) -> int:
    """The calls among attempts of one source that no failure closed: a run of retry notices of one retried
    function (each within CALL_WINDOW of the one before it, or undated) is one call that kept failing, as are
    the status lines that a notice before them told (`_told`) and those an SDK's notice on the line before marked
    its retry (SDK_RETRY); any other attempt is a call of its own."""
    calls, last, notice = 0, None, None
    for attempt in attempts:
        retried = attempt.fields.get("retrying")
        if retried:  # the same function retried again, or the notice of the try just counted
            again = notice is not None and notice.fields.get("retrying") == retried and _near(notice, attempt)
            tried = (
                last is not None and _per_try(last) and last.fields.get("call") == attempt.rule and _near(last, attempt)
            )
            new = not (again or tried)
            notice = attempt
        else:  # a try of the notice before it, or an SDK's retry of the try before it
            new = not (notice is not None and attempt.fields.get("call") == notice.rule and _near(notice, attempt))
            if new and last is not None and _per_try(last) and _retried(last, attempt):
                new = False
        calls += new
        last = attempt
    return calls


def _retried(before: Tried, attempt: Tried) -> bool:
    """Whether `attempt` is an SDK's retry (SDK_RETRY) of a call whose try `before` was: the notice's delay, at
    half of it at least, after that try, so that another call's first try logged just after the notice (calls run
    at once) is a call of its own; either undated, the mark alone tells."""
    delay = attempt.fields.get(SDK_RETRY)
    if not delay:
        return False
    if before.time is None or attempt.time is None:
        return True
    gap = (attempt.time - before.time).total_seconds()
    return float(delay) / 2 <= gap <= float(delay) + CALL_WINDOW.total_seconds()


def _near(before: Tried, after: Tried) -> bool:
    return before.time is None or after.time is None or after.time - before.time <= CALL_WINDOW
