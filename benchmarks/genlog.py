#!/usr/bin/env python3
"""genlog: days of a chat service's log with OpenAI API failures in them, and the truth about them.

    python3 benchmarks/genlog.py --lines 100000 --format python --seed 7 --out day.log --truth truth.json

Each day is exactly --lines lines long, the same bytes for the same arguments. The default day is
ordinary traffic (web, database, cache and worker lines, successful OpenAI calls), hard negatives
(lines with the words of API errors, about something else), a rare per-request error, and the
outages of SCENARIOS at fixed points of the day. --outage: a quota outage all day long, each request
four lines of which two are the failed call (for python, the bytes benchmarks/run.py built before
this script). --mix: ordinary traffic where a third of the calls fail, each with one of FAILURES.

--truth writes JSON: the format, seed, kind of day and line count; `incidents`, each outage's
scenario, start, end and failed calls (card declines included); `failures`, [line, category] of every
failed call's error record and every card decline: where logscan must find which category.

Formats, one function each: python (logging's "asctime levelname name: message", naive local time,
a traceback on the lines after), json (an object a line, ISO 8601 time with offset, the traceback in
"exc_info"), cri (Kubernetes CRI: "<UTC time> stdout|stderr F " before each python line). The error
texts are those of docs/openai-errors.md. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from http import HTTPStatus
from string import Template
from typing import NamedTuple, TextIO

DAY_START = datetime(2026, 3, 14, tzinfo=timezone(timedelta(hours=9)))
DAY = timedelta(days=1)
API = "https://api.openai.com/v1/chat/completions"
AZURE = "https://chat-prod.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-02-01"
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini")
CALLS, NEGATIVES = 0.04, 0.002  # shares of a day's steps that are an OpenAI call, a hard negative
ROOM = 40  # more lines than any call takes: the last ones of a day are single ordinary lines


class Entry(NamedTuple):
    """One logged record: a line, and the traceback logging.exception adds after it."""

    time: datetime
    level: str
    logger: str
    message: str
    traceback: str = ""


# --- the failures: how each kind of failed call reads in the log ---------------------------------------

EXCEPTIONS = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError", 404: "NotFoundError",
              429: "RateLimitError"}  # fmt: skip  # openai-python's class by status; 5xx: InternalServerError
NO_ANSWER = {  # openai-python's fixed text of a call with no answer: its class, and httpx's exception under it
    "Request timed out.": ("APITimeoutError", "httpx.ReadTimeout: The read operation timed out"),
    "Connection error.": ("APIConnectionError", "httpx.ConnectError: [Errno 101] Network is unreachable"),
}


@dataclass(frozen=True)
class Failure:
    """A kind of failed call: the category logscan must give it, the HTTP status (None: no answer came)
    and the error body's message (a Template: DRAWS fills its $names for each call), type and code."""

    category: str
    status: int | None
    message: str
    kind: str | None = None
    code: str | None = None
    param: str | None = None
    url: str = API

    def exception(self) -> str:
        if self.status is None:
            return "openai." + NO_ANSWER[self.message][0]
        return "openai." + EXCEPTIONS.get(self.status, "InternalServerError")

    def retried(self) -> bool:
        """openai-python retries 408, 409, 429, 5xx and calls with no answer, twice."""
        return self.status is None or self.status in (408, 409, 429) or self.status >= 500

    def text(self, r: random.Random) -> str:
        """str() of the exception: 'Error code: <status> - ' and the body as a Python repr."""
        template = Template(self.message)
        message = template.substitute({name: DRAWS[name](r) for name in template.get_identifiers()})
        if self.status is None:
            return message
        error = {"message": message, "type": self.kind, "param": self.param, "code": self.code}
        if self.url == AZURE:  # Azure's body: its code (the status, as a string), then the message
            error = {"code": str(self.status), "message": message}
        return f"Error code: {self.status} - { ({'error': error})!r}"


DRAWS: dict[str, Callable[[random.Random], object]] = {
    "model": lambda r: r.choice(MODELS),
    "org": lambda r: "org-9fQmZ3xLwq8TnB2Kc7Vd1RyE",
    "used": lambda r: r.randint(27000, 29990),
    "requested": lambda r: r.randint(900, 4000),
    "wait": lambda r: f"{r.uniform(0.5, 9.0):.3f}s",
    "tokens": lambda r: r.randint(128100, 190000),
    "request_id": lambda r: f"{r.getrandbits(128):032x}",
}
QUOTA = "You exceeded your current quota, please check your plan and billing details."
DOCS = " For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
TPM = "in organization $org on tokens per min (TPM): Limit 30000"
LIMITS = "Visit https://platform.openai.com/account/rate-limits to learn more."
HELP = "contact us through our help center at help.openai.com"
INVALID = "invalid_request_error"
FAILURES = {  # the texts of docs/openai-errors.md (§1, §2.6), one of each kind of root cause at least
    "quota": Failure("quota", 429, QUOTA + DOCS, "insufficient_quota", "insufficient_quota"),
    "credit_balance": Failure("quota", 429, "You have no credits remaining. Add credits to continue using the API at "
        "https://platform.openai.com/settings/organization/billing/.", "insufficient_quota",
        "credit_balance_exhausted"),
    "rate_limit": Failure("rate_limit", 429, f"Rate limit reached for $model {TPM}, Used $used, Requested $requested. "
        f"Please try again in $wait. {LIMITS}", "tokens", "rate_limit_exceeded"),
    "rate_limit_rpm": Failure("rate_limit", 429, "Rate limit reached for $model in organization $org on requests per "
        f"min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. {LIMITS}", "requests",
        "rate_limit_exceeded"),
    "request_too_large": Failure("rate_limit", 429, f"Request too large for gpt-4o {TPM}, Requested 36055. The input "
        f"or output tokens must be reduced in order to run successfully. {LIMITS}", "tokens", "rate_limit_exceeded"),
    "auth": Failure("auth", 401, "Incorrect API key provided: sk-proj-********************Xq4Z. You can find your API "
        "key at https://platform.openai.com/account/api-keys.", INVALID, "invalid_api_key"),
    "mismatched_organization": Failure("auth", 401, "OpenAI-Organization header should match organization for API "
        "key", INVALID, "mismatched_organization"),
    "deactivated": Failure("auth", 401, "This key is associated with a deactivated account. If you feel this is an "
        f"error, {HELP}.", INVALID, "account_deactivated"),
    "region": Failure("permission_region", 403, "Country, region, or territory not supported", "request_forbidden",
        "unsupported_country_region_territory"),
    "model_not_found": Failure("model_not_found", 404, "The model `gpt-5-turbo` does not exist or you do not have "
        "access to it.", INVALID, "model_not_found"),
    "context_length": Failure("context_length", 400, "This model's maximum context length is 128000 tokens. However, "
        "your messages resulted in $tokens tokens. Please reduce the length of the messages.", INVALID,
        "context_length_exceeded", "messages"),
    "safety_system": Failure("content_filter", 400, "Your request was rejected as a result of our safety system. Your "
        "prompt may contain text that is not allowed by our safety system.", INVALID, "content_policy_violation"),
    "server_error": Failure("server_error", 500, "The server had an error while processing your request. Sorry about "
        "that!", "server_error"),
    "overloaded": Failure("overloaded", 503, "The engine is currently overloaded, please try again later.",
        "server_error"),
    "model_overloaded": Failure("overloaded", 503, "That model is currently overloaded with other requests. You can "
        f"retry your request, or {HELP} if the error persists. (Please include the request ID $request_id in your "
        "message.)", "server_error"),
    "timeout": Failure("timeout", None, "Request timed out."),
    "connection": Failure("connection", None, "Connection error."),
    "azure_rate_limit": Failure("rate_limit", 429, "Requests to the ChatCompletions_Create Operation under Azure "
        "OpenAI API version 2024-02-01 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please "
        "retry after 7 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further "
        "increase the default rate limit.", url=AZURE),
    "azure_content_filter": Failure("content_filter", 400, "The response was filtered due to the prompt triggering "
        "Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our "
        "content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
        url=AZURE),
}  # fmt: skip


# --- the scenarios of a day ---------------------------------------------------------------------------

Story = tuple[tuple[float, str, str, bool], ...]  # minutes after the start (negative: before the end), level,
# message, whether it is a failure (a declined payment)


@dataclass(frozen=True)
class Scenario:
    """An outage: from `at` (a share of the day) for `minutes`, `share` of the calls fail with `failure`,
    from `delay` minutes after its start; `story` is what the service's billing watcher logs meanwhile."""

    name: str
    at: float
    minutes: float
    failure: str
    share: float = 0.85
    delay: float = 0.0
    story: Story = ()

    def window(self) -> tuple[datetime, datetime]:
        start = DAY_START + DAY * self.at
        return start, start + timedelta(minutes=self.minutes)


DECLINED = (
    "auto recharge payment failed: Your card was declined, please contact your card issuer "
    "(decline_code=do_not_honor, card=visa ****4242)"
)
CARD_STORY: Story = (  # docs/billing-playbook.md: auto-recharge declined, no credit left until a purchase
    (0.0, "INFO", "auto recharge triggered: credit balance $4.83 below threshold $5.00, recharging to $10.00", False),
    (0.5, "ERROR", DECLINED, True),
    (4.0, "ERROR", DECLINED, True),
    (9.0, "ERROR", DECLINED, True),
    (15.0, "ERROR", DECLINED, True),
    (-10.0, "INFO", "credit purchase succeeded: $10.00 added, balance $10.00", False),  # accepted ~10 min later
)
SCENARIOS = (
    Scenario("card_decline_outage", 0.10, 62, "quota", share=1.0, delay=2, story=CARD_STORY),
    Scenario("rate_limit", 0.30, 8, "rate_limit"),
    Scenario("overloaded", 0.50, 4, "overloaded"),
    Scenario("auth", 0.70, 12, "auth"),
    Scenario("connectivity", 0.85, 6, "connection"),
)


class Traffic(NamedTuple):  # a day's scenarios; outside them, `failing` of the calls fail with one of `kinds`
    scenarios: tuple[Scenario, ...]
    failing: float
    kinds: tuple[str, ...]


DAYS = {
    "day": Traffic(SCENARIOS, 0.002, ("context_length",)),  # a rare per-request error besides the outages
    "mix": Traffic((), 0.33, tuple(FAILURES)),
}

Line = Callable[[random.Random], tuple[str, str, str]]  # level, logger, message
ORDINARY: tuple[Line, ...] = (
    lambda r: ("INFO", "app.http", f"{r.choice(('GET', 'GET', 'POST'))} "
               f"{r.choice(('/api/threads', '/api/messages', '/healthz', '/api/users/me'))} "
               f"{r.choice((200, 200, 200, 201, 204, 304, 404))} in {r.randint(2, 900)}ms "
               f"ip=10.{r.randint(0, 9)}.{r.randint(0, 255)}.{r.randint(1, 254)}"),
    lambda r: ("DEBUG", "app.db", f"query threads.by_user took {r.randint(1, 80)}ms rows={r.randint(0, 50)}"),
    lambda r: ("INFO", "app.worker", f"job {r.getrandbits(32):08x} done queue=embeddings "
               f"elapsed={r.uniform(0.1, 30):.2f}s"),
    lambda r: ("INFO", "app.cache", f"cache {'hit' if r.random() < 0.8 else 'miss'} key=thread:{r.randint(1, 99999)}"),
    lambda r: ("WARNING", "app.http", f"slow request POST /api/messages took {r.randint(3000, 12000)}ms"),
)  # fmt: skip
HARD_NEGATIVES: tuple[Line, ...] = (  # words of API errors about something else; tests/test_genlog.py names them
    lambda r: ("WARNING", "ops.disk", f"disk quota for /var/lib/uploads at {r.randint(80, 97)}% of 500GB"),
    lambda r: ("ERROR", "app.payments", "stripe webhook retry: HTTP 429 Too Many Requests from "
               "https://api.stripe.com/v1/events"),
    lambda r: ("INFO", "app.chat", "user asked: why does the api say rate limit reached? answered from FAQ"),
    lambda r: ("ERROR", "app.http", "upstream https://maps.example.net/geo returned 503 Service Unavailable "
               f"(attempt {r.randint(1, 3)})"),
    lambda r: ("WARNING", "app.auth", f"login failed for user {r.randint(1, 9999)}: Incorrect password provided"),
    lambda r: ("ERROR", "shop.checkout", f"payment for order {r.randint(1000, 9999)} failed: Your card was declined. "
               "(stripe code=card_declined)"),
    lambda r: ("INFO", "httpx", "HTTP Request: POST https://generativelanguage.googleapis.com/v1beta/models/"
               'gemini-2.0-flash:generateContent "HTTP/1.1 429 Too Many Requests"'),
)  # fmt: skip


# --- formats ------------------------------------------------------------------------------------------


def python_lines(entry: Entry) -> list[str]:
    time = entry.time
    head = f"{time:%Y-%m-%d %H:%M:%S},{time.microsecond // 1000:03d} {entry.level} {entry.logger}: {entry.message}"
    return [head, *entry.traceback.split("\n")] if entry.traceback else [head]


def json_lines(entry: Entry) -> list[str]:
    record = {"ts": entry.time.isoformat(timespec="milliseconds"), "level": entry.level.lower()}
    record |= {"logger": entry.logger, "msg": entry.message}
    if entry.traceback:
        record["exc_info"] = entry.traceback
    return [json.dumps(record)]


def cri_lines(entry: Entry) -> list[str]:
    stamp = entry.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"  # nanoseconds
    stream = "stderr" if entry.level in ("WARNING", "ERROR") else "stdout"
    return [f"{stamp} {stream} F {line}" for line in python_lines(entry)]


FORMATS = {"python": python_lines, "json": json_lines, "cri": cri_lines}


class Log:
    """The log being written: its format, its line count, its latest time, and every failure with
    its first line."""

    def __init__(self, out: TextIO, fmt: str, lines: int) -> None:
        self.out, self.lines_of, self.target = out, FORMATS[fmt], lines
        self.lines, self.last = 0, DAY_START
        self.failures: list[tuple[int, str]] = []

    def room(self) -> int:
        return self.target - self.lines

    def write(self, entry: Entry, category: str = "") -> None:
        """Writes the entry; a category marks it as a failure logscan must find at its first line."""
        lines = self.lines_of(entry)
        if category:
            self.failures.append((self.lines + 1, category))
        self.out.write("\n".join(lines) + "\n")
        self.lines += len(lines)
        self.last = max(self.last, entry.time)

    def ordinary(self, r: random.Random, time: datetime, kinds: tuple[Line, ...] = ORDINARY) -> None:
        self.write(Entry(time, *r.choice(kinds)(r)))


# --- calls --------------------------------------------------------------------------------------------


def traceback(r: random.Random, failure: Failure, text: str) -> str:
    """What logging.exception writes after the app's error line; a call with no answer chains httpx's."""
    frames = [
        "Traceback (most recent call last):",
        f'  File "/srv/app/chat/service.py", line {r.randint(60, 140)}, in complete',
        "    resp = client.chat.completions.create(model=model, messages=messages)",
        '  File "/usr/local/lib/python3.12/site-packages/openai/_base_client.py", line 1047, in request',
    ]
    if failure.status is not None:
        raised = "    raise self._make_status_error_from_response(err.response) from None"
        return "\n".join([*frames, raised, f"{failure.exception()}: {text}"])
    name, cause = NO_ANSWER[failure.message]
    chained = [
        "Traceback (most recent call last):",
        '  File "/usr/local/lib/python3.12/site-packages/httpx/_transports/default.py", line 101, in '
        "map_httpcore_exceptions",
        "    yield",
        cause,
        "",
        "The above exception was the direct cause of the following exception:",
        "",
    ]
    raised = f"    raise {name}(request=request) from err"
    return "\n".join([*chained, *frames, raised, f"{failure.exception()}: {text}"])


def succeed(log: Log, r: random.Random, time: datetime) -> None:
    log.write(Entry(time, "INFO", "httpx", f'HTTP Request: POST {API} "HTTP/1.1 200 OK"'))
    took = timedelta(milliseconds=r.randint(300, 4000))
    message = (f"completion ok model={r.choice(MODELS)} prompt_tokens={r.randint(40, 6000)} "
               f"completion_tokens={r.randint(5, 900)} latency_ms={int(took.total_seconds() * 1000)}")  # fmt: skip
    log.write(Entry(time + took, "INFO", "app.chat", message))


def fail(log: Log, r: random.Random, time: datetime, failure: Failure) -> datetime:
    """A failed call as openai-python logs it: each attempt's httpx line and retry notice, then the
    app's error with its traceback. Returns the time of the last attempt."""
    tries = 3 if failure.retried() else 1
    for attempt in range(tries):
        if failure.status is not None:
            status = f"{failure.status} {HTTPStatus(failure.status).phrase}"
            log.write(Entry(time, "INFO", "httpx", f'HTTP Request: POST {failure.url} "HTTP/1.1 {status}"'))
        if attempt < tries - 1:
            delay = r.uniform(0.4, 1.9)
            notice = f"Retrying request to /chat/completions in {delay:f} seconds"
            log.write(Entry(time + timedelta(milliseconds=3), "INFO", "openai._base_client", notice))
            time += timedelta(seconds=delay)
    message = f"completion failed for thread {r.randint(1, 99999)}"
    error = traceback(r, failure, failure.text(r))
    log.write(Entry(time + timedelta(milliseconds=5), "ERROR", "app.chat", message, error), failure.category)
    return time


# --- days ---------------------------------------------------------------------------------------------


def stories(scenarios: tuple[Scenario, ...]) -> list[tuple[Entry, Scenario | None]]:
    """The billing watcher's lines of every scenario, in time order; a failure's with its scenario."""
    told = []
    for scenario in scenarios:
        start, end = scenario.window()
        for minutes, level, text, failed in scenario.story:
            time = (start if minutes >= 0 else end) + timedelta(minutes=minutes)
            told.append((Entry(time, level, "billing.watch", text), scenario if failed else None))
    return sorted(told, key=lambda item: item[0].time)


def failure_at(r: random.Random, time: datetime, traffic: Traffic) -> tuple[str | None, Scenario | None]:
    """The failure of a call at `time`, if it fails, and the scenario whose window holds it."""
    for scenario in traffic.scenarios:
        start, end = scenario.window()
        if start <= time < end:
            failing = time >= start + timedelta(minutes=scenario.delay) and r.random() < scenario.share
            return (scenario.failure if failing else None), scenario
    return (r.choice(traffic.kinds) if r.random() < traffic.failing else None), None


def ordinary_day(log: Log, r: random.Random, traffic: Traffic) -> list[dict[str, object]]:
    """Traffic through the day, with its scenarios. Returns those that ended, with their failed calls."""
    step = DAY.total_seconds() / max(log.target, 1) * 1.15  # the mean gap; calls add lines
    failed = dict.fromkeys((s.name for s in traffic.scenarios), 0)
    story = stories(traffic.scenarios)
    time = DAY_START
    while log.room() > 0:
        time += timedelta(seconds=r.expovariate(1 / step))
        while story and story[0][0].time <= time and log.room() > ROOM:
            entry, scenario = story.pop(0)  # due during the last call: logged after it, not among its attempts
            log.write(entry._replace(time=max(entry.time, log.last)), "billing_card" if scenario else "")
            if scenario:
                failed[scenario.name] += 1
        roll = r.random()
        if log.room() < ROOM or roll >= CALLS + NEGATIVES:
            log.ordinary(r, time)
        elif roll >= CALLS:
            log.ordinary(r, time, HARD_NEGATIVES)
        else:
            kind, scenario = failure_at(r, time, traffic)
            if kind is None:
                succeed(log, r, time)
                continue
            time = fail(log, r, time, FAILURES[kind])
            if scenario:
                failed[scenario.name] += 1
    ended = [(s, *s.window()) for s in traffic.scenarios if s.window()[1] <= time]
    return [{"scenario": s.name, "start": a.isoformat(), "end": b.isoformat(), "failed_calls": failed[s.name]}
            for s, a, b in ended]  # fmt: skip


def outage_day(log: Log, r: random.Random) -> list[dict[str, object]]:
    """A quota outage all day: each request a web line, httpx's 429, the app's error and its fallback.
    The random draws keep the order of benchmarks/run.py's own outage day, so its bytes stay the same."""
    quota = Failure("quota", 429, QUOTA, "insufficient_quota", "insufficient_quota").text(r)
    ms, times = 0, []
    while log.room() >= 4:
        ms += r.randint(20, 160)
        time = DAY_START + timedelta(milliseconds=ms)
        times.append(time)
        log.write(Entry(time, "INFO", "app.web", f"GET /api/threads/{r.randint(1, 99999)} 200 in {r.randint(2, 90)}ms"))
        log.write(Entry(time, "INFO", "httpx", f'HTTP Request: POST {API} "HTTP/1.1 429 Too Many Requests"'))
        error = f"completion failed: {quota} request_id=req_{r.getrandbits(64):016x}"
        log.write(Entry(time, "ERROR", "app.chat", error), "quota")
        fallback = f"user {r.randint(1, 9999)} sees the fallback answer (thread {len(times) - 1})"
        log.write(Entry(time, "INFO", "app.chat", fallback))
    while log.room() > 0:
        log.write(Entry(log.last, "INFO", "app.web", "GET /healthz 200 in 3ms"))
    if not times:
        return []
    return [{"scenario": "quota_outage", "start": times[0].isoformat(), "end": times[-1].isoformat(),
             "failed_calls": len(times)}]  # fmt: skip


def generate(out: TextIO, fmt: str, lines: int, seed: int, day: str) -> dict[str, object]:
    """Writes the day; returns its ground truth."""
    log, r = Log(out, fmt, lines), random.Random(seed)
    incidents = outage_day(log, r) if day == "outage" else ordinary_day(log, r, DAYS[day])
    truth = {"format": fmt, "seed": seed, "day": day, "lines": log.lines, "timezone": "+09:00"}
    return truth | {"incidents": incidents, "failures": log.failures}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000, help="how many lines (default: 100000)")
    parser.add_argument("--format", choices=FORMATS, default="python")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="-", help="the log (default: stdout)")
    parser.add_argument("--truth", help="write the ground truth to this JSON file")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--outage", action="store_true", help="a quota outage all day: half the lines are failures")
    kind.add_argument("--mix", action="store_true", help="a third of the calls fail, with many messages")
    args = parser.parse_args(argv)
    day = "outage" if args.outage else "mix" if args.mix else "day"
    if args.out == "-":
        truth = generate(sys.stdout, args.format, args.lines, args.seed, day)
    else:
        with open(args.out, "w", encoding="utf-8", buffering=1 << 20) as out:
            truth = generate(out, args.format, args.lines, args.seed, day)
    if args.truth:  # a key a line
        with open(args.truth, "w", encoding="utf-8") as f:
            f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in truth.items()) + "\n}\n")


if __name__ == "__main__":
    main()
