"""One failure printed several times is one event; the lines around a record tell whose failure it shows;
retry notices with no failure after them are one call a run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer import pipeline, ruleset
from analyzer.correlation.calls import count_calls
from analyzer.framing.blocks import Counts, frame_blocks
from analyzer.framing.context import Around, context, headlike
from analyzer.models import APP_RETRY, SDK_RETRY, Category, Record

RULES = ruleset.load()
QUOTA = (
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check "
    "your plan and billing details.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}"
)
NEW_429 = "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Slow down, a new way', 'code': None}}"
CONTEXT_LEN = "Error code: 400 - {'error': {'message': 'maximum context length', 'code': 'context_length_exceeded'}}"


def analyse(tmp_path: Path, text: str) -> pipeline.Analysis:
    path = tmp_path / "app.log"
    path.write_text(text)
    return pipeline.run(pipeline.Options((str(path),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None)


def test_a_message_and_its_traceback_are_one_event(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        f"2026-03-14 10:00:00,000 ERROR app: call failed: {NEW_429}\n"
        f"2026-03-14 10:00:00,001 ERROR app: Traceback (most recent call last):\n"
        f'  File "app.py", line 3, in run\n{QUOTA}\n',
    )
    # the traceback's last line is a record of its own (its head is no traceback start): two prints
    assert [(e.rule, e.line) for e in analysis.events] == [("openai.quota.insufficient_quota", 4)]
    assert analysis.reprints == 1


@pytest.mark.parametrize(
    ("second", "why"),
    [
        (f"2026-03-14 10:00:00,000 ERROR app: {QUOTA}", "the same line twice: two calls failing alike"),
        (f"2026-03-14 10:00:01,000 ERROR app: call failed: {QUOTA}", "a second later: another call"),
        (f"2026-03-14 10:00:00,200 ERROR app: {CONTEXT_LEN}", "another failure"),
        (
            "2026-03-14 10:00:00,100 ERROR billing.watch: auto recharge payment failed: Your card was declined, "
            "please contact your card issuer (decline_code=do_not_honor)",
            "a payment is no print of a call",
        ),
    ],
)
def test_what_is_no_reprint(tmp_path: Path, second: str, why: str) -> None:
    analysis = analyse(tmp_path, f"2026-03-14 10:00:00,000 ERROR app: {QUOTA}\n{second}\n")
    assert len(analysis.events) == 2, why
    assert analysis.reprints == 0


def test_a_message_and_its_body_lines_are_one_event(tmp_path: Path) -> None:
    # an AI SDK error dump whose indentation was lost: the message, then the body's lines, one record each
    analysis = analyse(
        tmp_path,
        "Error [AI_APICallError]: The model `gpt-5` does not exist or you do not have access to it.\n"
        "url: 'https://api.openai.com/v1/chat/completions',\n"
        '\'        "message": "The model `gpt-5` does not exist or you do not have access to it.",\\n\' +\n'
        '\'        "code": "model_not_found"\\n\' +\n',
    )
    assert [e.rule for e in analysis.events] == ["openai.model.not_found"]
    assert analysis.reprints >= 1


def test_a_transport_line_between_keeps_them_apart(tmp_path: Path) -> None:
    httpx = 'HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 429 Too Many Requests"'
    analysis = analyse(
        tmp_path,
        f"2026-03-14 10:00:00,000 ERROR app: {QUOTA}\n2026-03-14 10:00:00,100 INFO httpx: {httpx}\n"
        f"2026-03-14 10:00:00,200 ERROR app: call failed: {QUOTA}\n",
    )
    assert [e.line for e in analysis.events if e.confidence == "high"] == [1, 3]


def test_retry_notices_of_one_function_are_one_call(tmp_path: Path) -> None:
    notice = (
        "Retrying langchain.llms.openai.completion_with_retry.<locals>._completion_with_retry in 4.0 seconds as it "
        "raised RateLimitError: You exceeded your current quota, please check your plan and billing details.."
    )
    analysis = analyse(tmp_path, f"{notice}\n{notice}\n{notice}\n")
    (incident,) = analysis.incidents
    from analyzer.correlation import count_calls

    assert count_calls(incident.events) == (1, 3)


@pytest.mark.parametrize(
    "lines",
    [
        [  # a retry helper's notice of each attempt, then its last word
            *(
                f"WARNING  openai.api:retry.py:49 Attempt {n}/4 failed with APIConnectionError: Connection error.. "
                f"Retrying in {2 ** (n - 1)}.00s..."
                for n in (1, 2, 3)
            ),
            "ERROR    openai.api:retry.py:44 Failed after 4 attempts: APIConnectionError: Connection error.",
        ],
        [  # Codex CLI's stream retries, none closed by a last failure
            f'stream error: unexpected status 404 Not Found: {{"error":{{"code":"DeploymentNotFound","message":"The '
            f'API deployment for this resource does not exist."}}}}; retrying {n}/5 in 187ms'
            for n in (1, 2, 3)
        ],
    ],
)
def test_numbered_retry_notices_are_tries_of_one_call(tmp_path: Path, lines: list[str]) -> None:
    analysis = analyse(tmp_path, "".join(f"{line}\n" for line in lines))
    from analyzer.correlation import count_calls

    assert len(analysis.events) == len(lines) and count_calls(analysis.events)[0] == 1


@pytest.mark.parametrize(
    ("notice", "bare"),
    [
        ("[CHATGPT] 第1次重试", True),  # chatgpt-on-wechat's notice: the same call tried again
        ("root - Retrying...", True),
        ("⏳ Retrying in 2.6s (attempt 1/3)...", True),
        ("Adding request 5094 to retry queue. Will retry in next available slot.", False),  # others' may come first
        ("Retrying with {'user': 'u-42'}", False),  # a notice that quotes a body is no bare notice
        ("request 5094 answered in 312 ms", False),  # no notice at all: two calls failing alike
        ("max retries reached, not retrying", False),  # the app gave up: the next failure is another call's
    ],
)
def test_a_failure_after_an_apps_bare_retry_notice_is_a_try_of_the_call_before(
    tmp_path: Path, notice: str, bare: bool
) -> None:
    """An app's own retry loop logs the failure, a bare notice that it tries again, and the failure again: one call
    tried twice, counted once; the failure after the notice carries APP_RETRY."""
    lines = [
        f"2026-03-14 10:00:01 WARNING app: RateLimitError: {QUOTA}",
        f"2026-03-14 10:00:02 WARNING app: {notice}",
        f"2026-03-14 10:00:03 WARNING app: RateLimitError: {QUOTA}",
    ]
    analysis = analyse(tmp_path, "".join(f"{line}\n" for line in lines))
    from analyzer.correlation import count_calls

    assert [e.line for e in analysis.events] == [1, 3]
    assert count_calls(analysis.events)[0] == (1 if bare else 2)
    assert (APP_RETRY in analysis.events[1].fields) is bare


def test_calls_running_at_once_each_with_its_retry_notice_stay_calls_of_their_own(tmp_path: Path) -> None:
    """Four workers fail within one second, each logging its notice `Retrying in 2.0s`: a failure that came sooner
    than half that delay after the one before is another call's; and a loop's tries span CALL_WINDOW at most."""
    workers = [
        line
        for n in range(4)
        for line in (
            f"2026-03-14 10:00:00,{n}00 WARNING app: RateLimitError: {QUOTA}",
            f"2026-03-14 10:00:00,{n}50 WARNING app: Retrying in 2.0s (attempt 1/5)...",
        )
    ]
    from analyzer.correlation import count_calls

    assert count_calls(analyse(tmp_path, "".join(f"{line}\n" for line in workers)).events)[0] == 4
    slow = [
        line
        for minute in range(6)
        for line in (
            f"2026-03-14 10:0{minute}:00,000 WARNING app: RateLimitError: {QUOTA}",
            f"2026-03-14 10:0{minute}:00,100 WARNING app: Retrying...",
        )
    ]
    calls = count_calls(analyse(tmp_path, "".join(f"{line}\n" for line in slow)).events)[0]
    assert calls == 3  # (a minute between tries: two tries of a loop within 90 s, then another call)


@pytest.mark.parametrize("dated", [True, False])
def test_status_lines_after_a_notice_that_quotes_its_code_are_tries_of_its_call(tmp_path: Path, dated: bool) -> None:
    notice = (
        "Retrying llama_index.llms.openai.base.OpenAI._chat in 0.45 seconds as it raised RateLimitError: "
        f"{QUOTA.removeprefix('openai.RateLimitError: ')}."
    )
    httpx = 'INFO:httpx:HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 429 Too Many Requests"'
    stamp = "2026-03-14 10:00:0{} " if dated else ""
    lines = [notice, httpx, "INFO:openai._base_client:Retrying request to /chat/completions in 0.42 seconds", httpx]
    analysis = analyse(tmp_path, "".join(f"{stamp.format(n)}{line}\n" for n, line in enumerate(lines)))
    from analyzer.correlation import count_calls

    assert {e.category for e in analysis.events} == {Category.QUOTA}
    assert count_calls(analysis.events)[0] == 1


@pytest.mark.parametrize("dated", [True, False])
def test_tries_before_and_after_a_notice_that_quotes_only_a_status_are_its_call(tmp_path: Path, dated: bool) -> None:
    """LlamaIndex's retry wrapper, its error body without a code: each `HTTP/1.1 400` before and after a
    notice is a try of the notice's call (one call, of its kind), not a bad request of its own."""
    notice = (
        "WARNING llama_index.embeddings.openai.utils - Retrying llama_index.embeddings.openai.base.get_embeddings "
        "in 0.33 seconds as it raised BadRequestError: Error code: 400 - {'error': {'message': \"This model's "
        'maximum context length is 8192 tokens, however you requested 10738 tokens. Please reduce your prompt.", '
        "'type': 'invalid_request_error', 'param': None}}"
    )
    httpx = 'INFO httpx - HTTP Request: POST https://api.openai.com/v1/embeddings "HTTP/1.1 400 Bad Request"'
    stamp = "2026-03-14 10:00:0{} " if dated else ""
    lines = [httpx, notice, httpx, notice, httpx]
    analysis = analyse(tmp_path, "".join(f"{stamp.format(n)}{line}\n" for n, line in enumerate(lines)))
    from analyzer.correlation import count_calls

    assert {e.category for e in analysis.events} == {Category.CONTEXT_LENGTH}
    assert count_calls(analysis.events)[0] == 1


def test_a_status_line_of_another_status_after_a_notice_is_no_try_of_its_call(tmp_path: Path) -> None:
    notice = (
        "2026-03-14 10:00:00 WARNING app - Retrying get_embeddings in 0.33 seconds as it raised BadRequestError: "
        "Error code: 400 - {'error': {'message': \"This model's maximum context length is 8192 tokens\"}}"
    )
    httpx = '2026-03-14 10:00:01 INFO httpx - HTTP Request: POST https://api.openai.com/v1/embeddings "HTTP/1.1 {}"'
    same = analyse(tmp_path, f"{notice}\n{httpx.format('400 Bad Request')}\n")
    assert {e.category for e in same.events} == {Category.CONTEXT_LENGTH}
    other = analyse(tmp_path, f"{notice}\n{httpx.format('429 Too Many Requests')}\n")
    assert {e.category for e in other.events} == {Category.CONTEXT_LENGTH, Category.RATE_LIMIT}


def test_an_undated_status_line_is_a_try_of_the_failure_after_it_of_its_status(tmp_path: Path) -> None:
    """logging's basicConfig prints no time: the status line and the failure after it are one call; a
    status line of another status stays a call of its own."""
    httpx = 'INFO:httpx:HTTP Request: POST https://api.openai.com/v1/audio/speech "HTTP/1.1 {} Bad Request"'
    failure = (
        "ERROR:root:An error occurred with openai TTS: Error code: 400 - {'error': {'message': 'Input of 2132 "
        "tokens is over the maximum input limit of 2000 tokens. Please shorten your input.', 'type': "
        "'invalid_request_error', 'param': None, 'code': 'invalid_value'}}"
    )
    analysis = analyse(tmp_path, f"{httpx.format(400)}\n{failure}\n")
    assert {e.category for e in analysis.events} == {Category.CONTEXT_LENGTH}
    other = analyse(tmp_path, f"{httpx.format(401)}\n{failure}\n")
    assert {e.category for e in other.events} == {Category.CONTEXT_LENGTH, Category.AUTH}


def test_a_notice_without_a_code_tells_no_kind(tmp_path: Path) -> None:
    notice = "Retrying llama_index.llms.openai.base.OpenAI._chat in 0.45 seconds as it raised RateLimitError."
    httpx = 'INFO:httpx:HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 429 Too Many Requests"'
    analysis = analyse(tmp_path, f"{notice}\n{httpx}\n")
    assert Category.RATE_LIMIT in {e.category for e in analysis.events}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-14 10:00:00 ERROR x", True),
        ('{"level": "error"}', True),
        ("ERROR:    Exception in ASGI application", True),
        ("[INFO] started", True),
        ("https://api.openai.com/v1/chat/completions", False),
        ("│ │ http_error_msg = '429 Client Error'", False),
        ("limit reached for model `llama-3.3-70b`", False),
        # a status and its words (an HTTP client's message, `<status> <message>`) start no record: no time
        ("400 Budget has been exceeded! Team=RP32A1 Current cost: 3000.17", False),
        ("   ", False),
    ],
)
def test_headlike(text: str, expected: bool) -> None:
    assert headlike(text) is expected


def test_context_takes_the_wrapped_lines_around_a_record() -> None:
    log = (
        b"10:00:00 ERROR app: all providers failed. Last:\n"  # the head the wrapped record continues
        b"Error code: 429 - {'error': {'message': 'Rate limit reached for model\n"  # the record
        b"`llama-3.3-70b` in organization `org_01kes94v04f9ramd2n1vj4gjnc` on tokens\n"
        b"\n"
        b"https://console.groq.com/settings/billing', 'code': 'rate_limit_exceeded'}}\n"
        b"10:00:01 INFO app: next record\n"
    )
    start = log.index(b"Error code")
    end = log.index(b"\n", start) + 1
    found = context(log, start, end, "Error code: 429 - ...").split("\n")
    assert found[0].startswith("10:00:00 ERROR") and found[-1].startswith("https://console.groq.com")
    assert "next record" not in "\n".join(found)
    assert context(log, 0, log.index(b"\n") + 1, "10:00:00 ERROR app").startswith("Error code")  # after only


def test_a_line_that_starts_with_a_status_is_no_numbered_line() -> None:
    """Context looks past no line number (a numbered block has its numbers taken off before framing):
    `404: ...` after a record is a head of its own, not line 404 continuing it."""
    log = b"Error: request failed\n404: Not Found, the model `gpt-9` does not exist\n"
    assert context(log, 0, log.index(b"\n") + 1, "Error: request failed") == ""


def test_a_record_keeps_its_context_through_the_fast_path() -> None:
    log = (
        b"2026-03-14 10:00:00,000 INFO start\nHTTPError: 429 Client Error: Too Many Requests for url: \n"
        b"https://api.openai.com/v1/chat/completions\n2026-03-14 10:00:01,000 INFO next\n"
    )
    from analyzer import prefilter

    engine = prefilter.build("auto", RULES.keywords())
    around = Around()
    framed = frame_blocks([log], "s", Counts(), engine, around=around)
    records = [(r.line, around.of(r)) for r in framed if "Client Error" in r.text]  # read as it is yielded
    assert records == [(2, "2026-03-14 10:00:00,000 INFO start\nhttps://api.openai.com/v1/chat/completions")]


def test_the_context_attributes_a_wrapped_failure(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        "HTTPError: 429 Client Error: Too Many Requests for url: \nhttps://api.openai.com/v1/chat/completions\n"
        "10:00:05 ERROR bot: all providers failed:\n"
        "Error code: 429 - {'error': {'message': 'Rate limit reached for model\n"
        "`llama-3.3-70b` in organization `org_01kes94v04f9ramd2n1vj4gjnc` on tokens per minute\n"
        "https://console.groq.com/settings/billing'}}\n",
    )
    assert [(e.rule, e.line) for e in analysis.events] == [("openai.generic.429", 1)]
    assert analysis.match_stats.excluded == {"Groq": 1}


def test_a_wrappers_status_line_before_the_failure_it_relays_is_a_print_of_it(tmp_path: Path) -> None:
    # Flowise's error panel: its own 500, then the embedding call's 429 from OpenAI
    analysis = analyse(
        tmp_path,
        "Status: 500\n"
        "Error: documentStoreServices.insertIntoVectorStore - InsufficientQuotaError: 429 You exceeded your current "
        "quota, please check your plan and billing details. For more information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors.\n",
    )
    assert [e.category for e in analysis.events] == [Category.QUOTA]
    assert analysis.reprints == 1


def test_two_calls_failing_on_two_lines_are_not_one(tmp_path: Path) -> None:
    # a 5xx with its own body before a 4xx: two calls, not a wrapper's status line
    analysis = analyse(
        tmp_path,
        "openai.InternalServerError: Error code: 500 - {'error': {'message': 'A new one', 'type': 'server_error', "
        "'param': None, 'code': None}}\n"
        f"{CONTEXT_LEN}\n",
    )
    assert sorted(e.category for e in analysis.events) == sorted([Category.SERVER_ERROR, Category.CONTEXT_LENGTH])


def test_two_lines_of_one_rule_with_two_bodies_are_two_calls(tmp_path: Path) -> None:
    """Two error bodies, one a line, whose messages differ (a Realtime client's two error events): two answers,
    so two calls, though one rule and no status tell them apart; one body printed by a wrapper and then bare is one."""
    body = "{'type': 'invalid_request_error', 'code': None, 'message': '%s'}"
    first = body % "Error committing input audio buffer: the buffer is empty."
    second = body % "Conversation already has an active response"
    analysis = analyse(tmp_path, f"Error: {first}\nError: {second}\n")
    assert [(e.rule, e.line) for e in analysis.events] == [("openai.generic.400", 1), ("openai.generic.400", 2)]
    again = analyse(tmp_path, f"Realtime error event: {second}\n{second}\n")
    assert len(again.events) == 1 and again.reprints == 1
    # a logger's own `message=` fields (two layers' words for one failure) are no bodies' messages
    error = 'error="Error code: 429 - You exceeded your current quota, please check your plan and billing details."'
    layers = analyse(
        tmp_path,
        f'time=2024-05-01T10:00:00.100Z level=error message="openai completion failed" {error}\n'
        f'time=2024-05-01T10:00:00.102Z level=error message="request handler returned error" {error}\n',
    )
    assert len(layers.events) == 1


def test_a_proxys_502_after_its_own_failure_to_reach_the_host_keeps_the_cause(tmp_path: Path) -> None:
    """A reverse proxy that could not resolve Azure OpenAI's host, then its client's bare 502: one failure, the
    transport's (the 502 only says the proxy gave up); a 502 alone is still a server error."""
    dial = (
        "http: proxy error: dial tcp: lookup res.openai.azure.com on 127.0.0.11:53: "
        "read udp 127.0.0.1:42828->127.0.0.11:53: i/o timeout"
    )
    bad = "ChatGPTError: ChatGPT error 502: \n    at fetchSSE (file:///app/chatgpt.js:55:19) {\n  statusCode: 502,"
    analysis = analyse(tmp_path, f"{dial}\n{bad}\n")
    assert [(e.category, e.line) for e in analysis.events] == [(Category.TIMEOUT, 1)]
    alone = analyse(tmp_path, f"{bad}\n")
    assert [e.category for e in alone.events] == [Category.SERVER_ERROR]
    reversed_ = analyse(tmp_path, f"{bad}\n{dial}\n")  # the client's 502 printed first: the cause is kept still
    assert [e.category for e in reversed_.events] == [Category.TIMEOUT]


def test_two_lines_of_two_statuses_of_one_family_are_two_calls(tmp_path: Path) -> None:
    """A 503 and then a 502, each its own line (Codex's `unexpected status ...` for two requests): one family,
    but two answers, so two calls; a 503 printed again with its reason is still one."""
    url = "url: https://chatgpt.com/backend-api/codex/responses"
    analysis = analyse(
        tmp_path,
        f"unexpected status 503 Service Unavailable: Service Unavailable, {url}\n"
        f"unexpected status 502 Bad Gateway: <html>, {url}\n",
    )
    assert [(e.fields.get("status"), e.line) for e in analysis.events] == [("503", 1), ("502", 2)]
    again = analyse(tmp_path, f"unexpected status 503: {url}\nServiceUnavailableError: 503 Service Unavailable {url}\n")
    assert len(analysis.events) == 2 and len(again.events) == 1


@pytest.mark.parametrize(
    ("answered", "unreached", "events"),
    [
        # Home Assistant's config check: Azure's 404, then a host that does not resolve: two calls
        (
            "Validation failed: Resource not found",
            "Validation failed: Request failed: Cannot connect to host demo.openai.azure.com:443 ssl:default "
            "[Domain name not found]",
            [Category.CONNECTION, Category.MODEL_NOT_FOUND],
        ),
        # an app's fallback words for the failure it just logged (no host): one
        (
            f"ERROR app: {CONTEXT_LEN} (https://api.openai.com/v1/chat/completions)",
            "Response: Connection error. Please try again later.",
            [Category.CONTEXT_LENGTH],
        ),
        # a socket's exception that says it never connected, on the JSON line after a 429's (Neo4j APOC): two calls
        (
            '{"level":"WARN","message":"1887 times: QueryExecutionException: Failed to invoke procedure '
            "`apoc.ml.openai.embedding`: Caused by: java.io.IOException: Server returned HTTP response code: 429 "
            'for URL: https://api.openai.com/v1/embeddings"}',
            '{"level":"WARN","message":"332 times: QueryExecutionException: Failed to invoke procedure '
            '`apoc.ml.openai.embedding`: Caused by: java.net.SocketTimeoutException: Connect timed out"}',
            [Category.RATE_LIMIT, Category.TIMEOUT],
        ),
        # a client's words for an answer that never came (no host), before a server's answer with its request id
        # (the chatgpt package's p-timeout, then OpenAI's overloaded body): two calls
        (
            "TimeoutError: OpenAI timed out waiting for response",
            'Error: OpenAI error 429: { "error": { "message": "That model is currently overloaded with other requests. '
            "You can retry your request, or contact us through our help center at help.openai.com if the error "
            'persists. (Please include the request ID af42b52f9af987ee356f902de5410c82 in your message.)", '
            '"type": "server_error", "param": null, "code": null } }',
            [Category.OVERLOADED, Category.TIMEOUT],
        ),
        (
            "Error: FetchError: request to https://api.openai.com/v1/chat/completions failed, reason: socket hang up",
            f"ERROR app: {CONTEXT_LEN}",
            [Category.CONNECTION, Category.CONTEXT_LENGTH],
        ),
        # (and with no host at all: the words alone say no answer came)
        (
            "OpenAI request failed: Error: socket hang up",
            'Error: OpenAI error 429: { "error": { "message": "That model is currently overloaded with other requests. '
            "You can retry your request, or contact us through our help center at help.openai.com if the error "
            'persists. (Please include the request ID af42b52f9af987ee356f902de5410c82 in your message.)", '
            '"type": "server_error", "param": null, "code": null } }',
            [Category.CONNECTION, Category.OVERLOADED],
        ),
        # a gateway's own id on its 502 page is no answer of OpenAI's: the timeout and the page may be one failure
        (
            "TimeoutError: OpenAI timed out waiting for response",
            "Error: OpenAI error 502: <html><title>502 Bad Gateway</title></html> x-request-id: "
            "af42b52f9af987ee356f902de5410c82",
            [Category.TIMEOUT],
        ),
        # the same answer with no request id: a server error's answer may be the gateway's print of that timeout
        (
            "TimeoutError: OpenAI timed out waiting for response",
            'Error: OpenAI error 500: { "error": { "message": "The server had an error while processing your request. '
            'Sorry about that!", "type": "server_error", "param": null, "code": null } }',
            [Category.SERVER_ERROR],
        ),
    ],
)
def test_a_transport_error_with_its_host_after_an_answered_failure_is_another_call(
    tmp_path: Path, answered: str, unreached: str, events: list[Category]
) -> None:
    # an answered call was reached: a transport error naming the host it could not reach is another call's
    analysis = analyse(tmp_path, f"{answered}\n{unreached}\n")
    assert sorted(e.category for e in analysis.events) == events


JS_TIMEOUT = (
    "Error processing batch {n} (discussions {a}-{b}): DOMException [TimeoutError]: The operation was aborted due to "
    "timeout\n    at new DOMException (node:internal/per_context/domexception:76:18)\n"
    "    at async Object.embed [as run] (file:///app/dist/index.js:61806:46)\n"
    "    at process.processTimers (node:internal/timers:541:7)\n"
)


def test_one_wording_with_other_numbers_is_two_calls(tmp_path: Path) -> None:
    """Two records of several lines, one wording whose numbers differ (each batch its own stack): two failed
    calls; the same record printed by two handlers (only its time and prefix differ) stays one."""
    head = "Using OpenAI for similarity analysis\n"
    twice = analyse(tmp_path, head + JS_TIMEOUT.format(n=1, a=0, b=99) + JS_TIMEOUT.format(n=2, a=100, b=199))
    assert [e.line for e in twice.events] == [2, 6] and twice.reprints == 0
    printed_twice = (
        f"2026-03-14 10:00:00,000 - app.llm - ERROR - call failed: {QUOTA}\n  details follow\n"
        f"ERROR:app.llm:call failed: {QUOTA}\n  details follow\n"
    )
    once = analyse(tmp_path, printed_twice)
    assert len(once.events) == 1 and once.reprints == 1


def test_a_javascript_stack_s_frames_are_no_message() -> None:
    from analyzer.templates import message_line

    record = JS_TIMEOUT.format(n=3, a=200, b=299)
    assert message_line(record).startswith("Error processing batch 3")


def test_a_response_dumped_whole_is_one_failure(tmp_path: Path) -> None:
    """A status line, its headers, a blank line and its body (HTTP.jl's StatusError, curl -v): the body's
    failure, once, however many headers come between; a status line far from any body stays its own."""
    headers = "openai-organization: user-abc\n" + "".join(f"header-{n}: value {n}\n" for n in range(15))
    body = (
        '{\n    "error": {\n        "message": "You exceeded your current quota, please check your plan and billing '
        'details.",\n        "type": "insufficient_quota",\n        "param": null,\n'
        '        "code": "insufficient_quota"\n    }\n}\n'
    )
    dumped = analyse(tmp_path, f'ERROR: StatusError(429, "POST", "/v1/chat/completions", Response:\n"""\n'
                     f"HTTP/1.1 429 Too Many Requests\n{headers}\n{body}" + '""")\n')  # fmt: skip
    assert [e.category for e in dumped.events] == [Category.QUOTA] and dumped.reprints == 1
    apart = analyse(tmp_path, f"HTTP/1.1 429 Too Many Requests\n{headers}" + "an ordinary line\n" * 30 + body)
    assert sorted(e.category for e in apart.events) == [Category.QUOTA, Category.RATE_LIMIT]


@pytest.mark.parametrize(
    "notice",
    [
        "acreate (backoff): caught error: Rate limit reached for gpt-4 in organization org-abc on tokens per min. "
        "Limit: 10000 / min. Please try again in 6ms. Contact us through our help center at help.openai.com",
        "Backing off acreate(...) for 0.8s (openai.error.RateLimitError: Rate limit reached for gpt-4 in "
        "organization org-abc on tokens per min. Limit: 10000 / min.)",
    ],
)
def test_the_backoff_library_s_retries_are_one_call(tmp_path: Path, notice: str) -> None:
    """The backoff library's retry lines (and MemGPT's around them), each quoting the failure: tries of one
    call, not a failed call each."""
    from analyzer.correlation.calls import count_calls

    analysis = analyse(tmp_path, f"{notice}\n{notice}\n{notice}\n")
    assert {e.category for e in analysis.events} == {Category.RATE_LIMIT}
    assert count_calls(analysis.events) == (1, 3)  # one call, three tries


def test_an_untimed_body_under_a_compose_prefix_takes_the_time_of_the_line_before(tmp_path: Path) -> None:
    """Compose puts its service prefix before every line: the timestamped line before an error body is the
    record whose time the body inherits, as it is without the prefix (not an older line's time)."""
    prefix = "bot-1  | "
    body = "Error code: 404 - {'error': {'message': 'The model `o1-mini` does not exist', 'code': 'model_not_found'}}"
    analysis = analyse(
        tmp_path,
        f"{prefix}2024-10-14 16:22:30,823 - app - INFO - started\n"
        + "".join(f"{prefix}2024-10-14 16:22:{40 + n},000 - app - INFO - idle {n}\n" for n in range(5))
        + f"{prefix}2024-10-14 16:23:06,654 - root - ERROR - An error has occurred.\n{prefix}{body}\n",
    )
    assert [e.time for e in analysis.events] == [datetime(2024, 10, 14, 16, 23, 6, 654000, tzinfo=UTC)]


def test_a_traceback_under_docker_logs_t_is_one_record(tmp_path: Path) -> None:
    """`docker logs -t` stamps every line, a traceback's too: the stamp is a wrapper (as CRI's is), so the
    traceback is one record, its exception's line and its `openai` frame together, timed by the stamp."""
    stamp = "2023-01-14T14:15:3{n}.47352970{n}Z "
    lines = [
        "Traceback (most recent call last):",
        '  File "/DiscordBot/src/responses.py", line 22, in handle_response',
        "    response = await sync_to_async(openai.Completion.create)(",
        "requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection "
        "reset by peer'))",
    ]
    analysis = analyse(tmp_path, "".join(stamp.format(n=n) + line + "\n" for n, line in enumerate(lines)))
    assert [(e.category, e.line, e.end_line) for e in analysis.events] == [(Category.CONNECTION, 1, 4)]
    assert analysis.events[0].time == datetime(2023, 1, 14, 14, 15, 30, 473529, tzinfo=UTC)


def test_one_failure_printed_bare_after_its_wrapped_print_is_one_event(tmp_path: Path) -> None:
    # a Go CLI's `log.Printf("ChatCompletion error: %v", err)` and then `fmt.Println(err)`: one failure
    overloaded = (
        "error, status code: 429, message: That model is currently overloaded with other requests. You can retry "
        "your request, or contact us through our help center at help.openai.com if the error persists."
    )
    analysis = analyse(tmp_path, f"ChatCompletion error: {overloaded}\n{overloaded}\n")
    assert [e.line for e in analysis.events] == [1]
    assert analysis.reprints == 1
    # the same print twice is two calls failing alike
    analysis = analyse(tmp_path, f"ChatCompletion error: {overloaded}\nChatCompletion error: {overloaded}\n")
    assert len(analysis.events) == 2


def test_a_gateway_s_page_inside_a_client_s_error_is_one_gateway_failure(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        "openai.error.APIError: HTTP code 522 from API (<!DOCTYPE html>\n<head>\n"
        "<title>oai.hconeai.com | 522: Connection timed out</title>\n",
    )
    assert [(e.rule, e.category) for e in analysis.events] == [("gateway.helicone.edge_error", Category.GATEWAY)]
    assert analysis.reprints == 1


def test_of_two_prints_the_one_that_shows_the_status_is_kept(tmp_path: Path) -> None:
    # a traceback's code line (`raise error.APIError(`, under a Compose prefix that splits the record) and the
    # exception's line with its status: the 403 is what the failure was
    analysis = analyse(
        tmp_path,
        "bot    |     raise error.APIError(\n"
        "bot    | openai.error.APIError: HTTP code 403 from API (<!DOCTYPE html>\n"
        "bot    | <title>Attention Required! | Cloudflare</title>\n",
    )
    assert [(e.line, e.category) for e in analysis.events] == [(2, Category.PERMISSION_REGION)]


def test_status_lines_that_an_sdk_retried_are_one_call(tmp_path: Path) -> None:
    # openai-python v1 at INFO: httpx's line of each try, the SDK's notice before each retry; no exception logged
    httpx = '2026-03-14 10:00:0{} INFO httpx: HTTP Request: POST https://api.openai.com/v1/embeddings "HTTP/1.1 {}"'
    notice = "2026-03-14 10:00:0{} INFO openai._base_client: Retrying request to /embeddings in 0.78 seconds"
    lines = [
        httpx.format(1, "429 Too Many Requests"), notice.format(1),
        httpx.format(2, "429 Too Many Requests"), notice.format(2),
        httpx.format(4, "429 Too Many Requests"),
        "2026-03-14 10:00:05 INFO app: next document",
        httpx.format(6, "429 Too Many Requests"), notice.format(6),
        httpx.format(7, "200 OK"),
        httpx.format(8, "429 Too Many Requests"),
    ]  # fmt: skip
    analysis = analyse(tmp_path, "\n".join(lines) + "\n")
    assert [e.line for e in analysis.events] == [1, 3, 5, 7, 10]
    assert [SDK_RETRY in e.fields for e in analysis.events] == [False, True, True, False, False]
    # the first call's three tries, the second's one (retried, then answered 200), a third call
    assert count_calls(analysis.events) == (3, 5)


def test_the_line_before_a_record_is_read_across_buffers() -> None:
    around = Around()
    first = b"2026-03-14 10:00:01 INFO openai._base_client: Retrying request to /embeddings in 0.78 seconds\n"
    second = b'HTTP Request: POST https://api.openai.com/v1/embeddings "HTTP/1.1 429 Too Many Requests"\n'
    around.before(first, second)
    record = Record("app.log", 2, 2, second.decode().rstrip("\n"))
    around.at(second, 0, len(second), record)
    assert around.line_before(record) == first.rstrip(b"\n")
    assert around.line_before(Record("app.log", 9, 9, "other")) == b""


def test_two_failures_that_name_two_models_are_two_calls(tmp_path: Path) -> None:
    # a chat app's two answers, re-wrapped by hand, with no time: alike but for the model each names
    failure = (
        "Sorry, I had a problem talking to OpenAI: Error code: 404 -\n"
        "{{'error': {{'message': 'The model `{}` does not exist or you do not have access to it.',\n"
        "'type': 'invalid_request_error', 'param': None, 'code': 'model_not_found'}}}}\n"
    )
    analysis = analyse(tmp_path, failure.format("gpt-4o") + "\n" + failure.format("gpt-4-turbo"))
    assert [e.fields.get("model") for e in analysis.events] == ["gpt-4o", "gpt-4-turbo"]
    # the same one printed twice is one
    analysis = analyse(tmp_path, failure.format("gpt-4o") + "\n" + failure.format("gpt-4o"))
    assert len(analysis.events) == 1


def test_calls_that_run_at_once_are_not_one_call_for_a_notice_between_them(tmp_path: Path) -> None:
    # three calls fail at once; the SDK's notice for the first is logged before the second's try: the second is
    # no retry (it came before the notice's delay was up); each call's own retry, 0.8 s later, is
    httpx = '2026-03-14 10:00:{} INFO httpx: HTTP Request: POST https://api.openai.com/v1/embeddings "HTTP/1.1 429"'
    notice = "2026-03-14 10:00:{} INFO openai._base_client: Retrying request to /embeddings in 0.80 seconds"
    lines = [
        httpx.format("01.000"), notice.format("01.001"),
        httpx.format("01.002"), notice.format("01.003"),
        httpx.format("01.004"), notice.format("01.005"),
        httpx.format("01.810"), httpx.format("01.812"), httpx.format("01.815"),
    ]  # fmt: skip
    analysis = analyse(tmp_path, "\n".join(lines) + "\n")
    assert [e.fields.get(SDK_RETRY) for e in analysis.events] == [None, "0.80", "0.80", "0.80", None, None]
    # the first three tries are three calls (at a985986's reading of the notices, one); the fourth, 0.8 s after,
    # a retry; the last two, with no notice just before them, read as calls of their own (over, not under)
    assert count_calls(analysis.events) == (5, 6)


def test_a_model_s_snapshot_and_its_alias_are_one_model(tmp_path: Path) -> None:
    # an app's line naming the snapshot, then the exception naming the alias: one failure printed twice
    rate = (
        "Rate limit reached for {} in organization org-abc on tokens per min (TPM): Limit 30000, Used 29000, "
        "Requested 2000."
    )
    analysis = analyse(
        tmp_path,
        f"ERROR app: call failed (model={'gpt-4o-2024-08-06'}): {rate.format('gpt-4o-2024-08-06')}\n"
        f"openai.RateLimitError: Error code: 429 - {{'error': {{'message': '{rate.format('gpt-4o')}', "
        "'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}}\n",
    )
    assert len(analysis.events) == 1


def test_a_dotnet_inner_exception_printed_after_the_outer_ones_headers_is_one_failure(tmp_path: Path) -> None:
    # Semantic Kernel's exception around Azure's: ToString() prints the outer message, its status, body and headers,
    # then ` ---> ` and the inner exception with its own status and body, more than REPRINT_LINES further down
    failure = [
        "Status: 404 (Not Found)",
        "ErrorCode: DeploymentNotFound",
        "",
        "Content:",
        '{"error":{"code":"DeploymentNotFound", "message":"The API deployment for this resource does not exist."}}',
    ]
    headers = ["", "Headers:", *(f"x-header-{i}: REDACTED" for i in range(9)), ""]
    outer = (
        "Error: Microsoft.SemanticKernel.HttpOperationException: The API deployment for this resource does not exist."
    )
    inner = "---> Azure.RequestFailedException: The API deployment for this resource does not exist."
    analysis = analyse(tmp_path, "\n".join([outer, *failure, *headers, inner, *failure]) + "\n")
    assert {e.category for e in analysis.events} == {Category.MODEL_NOT_FOUND}
    assert count_calls(analysis.events) == (1, 1)


def test_an_inner_exception_of_another_message_further_down_is_another_failure(tmp_path: Path) -> None:
    # .NET's console logger prints no time; a 429, other lines, then an exception no rule names with an inner 429
    # whose message the first does not say: two calls, not the first one's inner print
    first = "Azure.RequestFailedException: Rate limit is exceeded. Try again in 10 seconds.\nStatus: 429 (Too Many)"
    inner = (
        "---> Azure.RequestFailedException: Requests to the ChatCompletions_Create Operation under Azure OpenAI API "
        "version 2024-02-01 have exceeded call rate limit of your current OpenAI S0 pricing tier.\nStatus: 429"
    )
    lines = [
        first,
        *(f"info: Worker[0] step {i}" for i in range(20)),
        "System.AggregateException: One or more errors.",
        inner,
    ]
    analysis = analyse(tmp_path, "\n".join(lines) + "\n")
    assert count_calls(analysis.events)[0] == 2


def test_an_undated_print_of_a_dated_failure_is_one_event(tmp_path: Path) -> None:
    """A traceback a thread's hook printed bare (no stamp), then the app's own stamped line of the same failure: the
    undated print is placed by its line among the dated events of its source, not after all of them, and folds."""
    analysis = analyse(
        tmp_path,
        "Traceback (most recent call last):\n"
        '  File "bot/modelmgr.py", line 63, in request\n'
        "    raise ConnectionError(self.error_info)\n"
        "ConnectionError: Error communicating with OpenAI\n"
        "[2026-03-14 09:01:56.314] message.py (126) - [ERROR] : Error communicating with OpenAI\n"
        "[2026-03-14 09:05:00.000] message.py (90) - [INFO] : next message\n",
    )
    assert count_calls(analysis.events)[0] == 1
    assert [e.time is not None for e in analysis.events] == [True]  # of two alike prints, the dated one is kept


def test_an_undated_status_line_just_before_a_dated_failure_is_its_try(tmp_path: Path) -> None:
    """httpx's line under logging's default format has no stamp; the app's error just after it has one: the status
    line is a try of that call (one call), not a call of its own sorted after every dated event."""
    analysis = analyse(
        tmp_path,
        'INFO:httpx:HTTP Request: POST https://api.openai.com/v1/embeddings "HTTP/1.1 400 Bad Request"\n'
        "2026-03-14 12:28:28,905 - ERROR - pipeline - failed: Error code: 400 - {'error': {'message': 'This model "
        "does not support specifying dimensions.', 'type': 'invalid_request_error', 'param': None, 'code': None}}\n",
    )
    assert len(analysis.events) == 2
    assert count_calls(analysis.events) == (1, 1)


def test_an_undated_line_above_dated_failures_folds_into_one_of_them_only(tmp_path: Path) -> None:
    """A poster's note above a log (undated, in the failure's words) is one print of the first failure at most: the
    failures minutes apart after it stay calls of their own."""
    lines = ["# All 3 requests hit server_is_overloaded"]
    lines += [f"2026-03-14 17:5{m}:18 agent run end ... error=server_is_overloaded" for m in (2, 4, 6)]
    analysis = analyse(tmp_path, "\n".join(lines) + "\n")
    assert count_calls(analysis.events)[0] == 3
    assert all(e.time is not None for e in analysis.events)


@pytest.mark.parametrize(
    ("lines", "calls"),
    [
        # the status line's status is not the failure's: a call of its own (assemble_calls and count_calls agree)
        (['INFO:httpx:HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 429 Too Many Requests"',
          "2026-03-14 12:28:28,905 - ERROR - pipeline - failed: Error code: 400 - {'error': {'message': 'Bad "
          "value', 'type': 'invalid_request_error', 'param': None, 'code': None}}"], (2, 2)),
        # records between them: the unstamped line may be hours before the failure
        (['INFO:httpx:HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 429 Too Many Requests"',
          "2026-03-14 10:00:00,000 - INFO - app - started", "2026-03-14 14:59:00,000 - INFO - app - working",
          "2026-03-14 15:00:01,000 - ERROR - app - failed: Error code: 429 - {'error': {'message': 'Rate limit "
          "reached for gpt-4o', 'type': 'requests', 'param': None, 'code': 'rate_limit_exceeded'}}"], (2, 2)),
    ],
)  # fmt: skip
def test_an_undated_status_line_is_a_try_only_of_the_failure_just_after_it_of_its_status(
    tmp_path: Path, lines: list[str], calls: tuple[int, int]
) -> None:
    analysis = analyse(tmp_path, "\n".join(lines) + "\n")
    assert count_calls(analysis.events) == calls
    assert not [e for e in analysis.events if "call" in e.fields]  # no try relabelled either


def test_a_nest_head_after_a_bare_failure_ends_its_context(tmp_path: Path) -> None:
    """Only an app's labels are read past, and only on the way up: NestJS' `[Nest] <pid> - <time>` after a bare
    failure is the next record, whose URL says nothing of the failure."""
    lines = [
        "Error: socket hang up",
        "    at connResetException (node:internal/errors:720:14)",
        "  code: 'ECONNRESET'",
        "[Nest] 4242  - 03/14/2026, 10:00:01 AM     LOG [OpenAIService] base https://api.openai.com/v1",
    ]
    assert analyse(tmp_path, "\n".join(lines) + "\n").events == []


def test_a_print_stamped_to_the_second_keeps_its_place_among_the_milliseconds(tmp_path: Path) -> None:
    """openai v0's own line of the answer (`error_code=insufficient_quota ... message='OpenAI API error received'`,
    to the millisecond), then the app's bare `RateLimitError:` twice, by its logger (to the second) and by celery's:
    the print stamped `21:31:51` stays after the line stamped `21:31:51,018` above it, the two prints are one failure,
    and the code its try showed names the call: one call, out of quota, not a rate limit."""
    analysis = analyse(
        tmp_path,
        "[2026-03-14 21:31:51,018: INFO/ForkPoolWorker-8] error_code=insufficient_quota error_message='You exceeded "
        "your current quota, please check your plan and billing details.' error_param=None "
        "error_type=insufficient_quota message='OpenAI API error received' stream_error=False\n"
        "2026-03-14 21:31:51 UTC - app - INFO - [/app/llms/openai.py:82] - OpenAi RateLimitError:\n"
        "[2026-03-14 21:31:51,018: INFO/ForkPoolWorker-8] OpenAi RateLimitError:\n",
    )
    assert count_calls(analysis.events)[0] == 1
    assert {e.category for e in analysis.events} == {Category.QUOTA}
    assert {e.rule for e in analysis.events} == {"openai.quota.insufficient_quota"}


def test_a_generic_failure_keeps_its_kind_where_its_try_shows_another_status(tmp_path: Path) -> None:
    """A try that a specific rule named for another status than the failure's is no name of it."""
    lines = [
        "2026-03-14 21:31:50,000 WARNING langchain: Retrying completion_with_retry in 4.0 seconds as it raised "
        f"RateLimitError: {QUOTA}.",
        "2026-03-14 21:31:55,000 ERROR app: openai.BadRequestError: Error code: 400 - {'error': {'message': 'A new "
        "wording', 'type': 'invalid_request_error', 'param': None, 'code': None}}",
    ]
    analysis = analyse(tmp_path, "\n".join(lines) + "\n")
    ends = [e for e in analysis.events if "call" not in e.fields]
    assert [(e.rule, e.category) for e in ends] == [("openai.generic.400", Category.INVALID_REQUEST)]
    # (where the try shows the failure's status, its code names it)
    analysis = analyse(
        tmp_path,
        "\n".join([lines[0], lines[1].replace("BadRequestError", "RateLimitError").replace("400", "429")]) + "\n",
    )
    ends = [e for e in analysis.events if "call" not in e.fields]
    assert [(e.rule, e.category) for e in ends] == [("openai.quota.insufficient_quota", Category.QUOTA)]


def test_an_anchor_places_a_time_that_steps_back_within_a_second() -> None:
    from datetime import timedelta

    from analyzer.correlation import anchors

    t = datetime(2026, 3, 14, 21, 31, 51, tzinfo=UTC)
    later = t + timedelta(milliseconds=18)
    finer = t + timedelta(milliseconds=5)
    places = [(later, "a", 1), (t, "a", 2), (later, "a", 3), (t - timedelta(seconds=5), "a", 4), (t, "b", 1)]
    places += [(later + timedelta(seconds=1), "a", 5), (finer + timedelta(seconds=1), "a", 6)]
    # (5 s back: a time of its own; another source's: its own; a stamp finer than the second: its own)
    assert anchors(places, back=True) == {("a", 2): later}
    assert anchors(places) == {}


def test_a_json_body_on_the_line_after_its_message_is_read_with_it() -> None:
    """An error's body printed on the line after a message that ends with a colon is that message's: the lines above
    it are its context (the model they name tells whose call it was); a JSON log line after any other line is a
    record of its own."""
    body = b'{"error":{"code":"rate_limit_exceeded","message":"output_tokens rate limit exceeded"}}'
    head = b"error=llm: (qwen2.5-3b-instruct) exhausted retries: 429 Too Many Requests:"
    for before, read in ((head, True), (head.rstrip(b":") + b".", False)):
        buffer = before + b"\n" + body + b"\n"
        start = len(before) + 1
        found = context(buffer, start, len(buffer), body.decode())
        assert ("qwen2.5-3b-instruct" in found) is read


def test_a_json_body_under_a_markdown_fence_is_read_with_the_report_above_it(tmp_path: Path) -> None:
    """An app's error report pasted with its body in a code block (Continue's `Provider: azure`, `**Error Output**`,
    then the body under a fence): the report's lines name whose call it was; the same body after a line that is no
    fence (a JSON log's line) is a record of its own."""
    report = b"**Error Details**\n\nModel: gpt-5-mini\nProvider: azure\nStatus Code: 403\n\n**Error Output**\n"
    body = b'{"code":"403","message":"A Virtual Network is configured for this resource."}'
    for fence, read in ((b"```", True), (b"```json", True), (b"Output follows.", False)):
        buffer = report + fence + b"\n" + body + b"\n```\n"
        start = len(report) + len(fence) + 1
        found = context(buffer, start, start + len(body) + 1, body.decode())
        assert ("Provider: azure" in found) is read
    # (a fence that closes the block above it introduces nothing: the JSON line after it is a record of its own)
    closed = report + b"```\nsome code\n```\n"
    buffer = closed + body + b"\n"
    assert "Provider: azure" not in context(buffer, len(closed), len(buffer), body.decode())
    analysis = analyse(tmp_path, (report + b"```\n" + body + b"\n```\n").decode())
    assert [e.category for e in analysis.events] == [Category.PERMISSION_REGION]
    # (and under a platform's prefix on every line, the fence read without it)
    prefixed = "".join(f"[pod/chat-7d9f8c6b5-x2kqz/app] {line}\n" for line in _report_lines(report, body))
    assert [e.category for e in analyse(tmp_path, prefixed).events] == [Category.PERMISSION_REGION]


def _report_lines(report: bytes, body: bytes) -> list[str]:
    return (report + b"```\n" + body + b"\n```").decode().split("\n")


def test_a_generic_failure_takes_no_kind_another_status_answers(tmp_path: Path) -> None:
    """openai v0's line of a context-length answer, then another task's InternalServerError with no status printed:
    a 500 is no context-length failure, whatever try came before it."""
    analysis = analyse(
        tmp_path,
        '[2026-03-14 21:31:51,018: INFO/ForkPoolWorker-8] error_code=context_length_exceeded error_message="This '
        "model's maximum context length is 4097 tokens. However, your messages resulted in 5000 tokens.\" "
        "error_type=invalid_request_error message='OpenAI API error received' stream_error=False\n"
        "[2026-03-14 21:32:10,500: ERROR/ForkPoolWorker-8] Task summarize[42] raised: openai.InternalServerError: "
        "upstream failure\n",
    )
    ends = [e for e in analysis.events if "call" not in e.fields]
    assert [(e.rule, e.category) for e in ends] == [("openai.generic.500", Category.SERVER_ERROR)]


def test_a_print_stamped_to_the_second_takes_the_time_it_is_placed_at(tmp_path: Path) -> None:
    """Placed at the time of the line above it, the print keeps that time: events stay in time order and an incident
    never ends before it starts."""
    body = "{'error': {'message': 'Incorrect API key provided: sk-xx.', 'code': 'invalid_api_key'}}"
    analysis = analyse(
        tmp_path,
        f"2026-03-14 21:31:51,900 ERROR worker: openai.AuthenticationError: Error code: 401 - {body} (first)\n"
        f"2026-03-14 21:31:51 ERROR app: request 7 failed: openai.AuthenticationError: Error code: 401 - {body}\n",
    )
    times = [e.time for e in analysis.events]
    assert times == sorted(times)  # type: ignore[type-var]
    assert all(i.start is not None and i.end is not None and i.start <= i.end for i in analysis.incidents)


def test_one_announcement_of_two_failures_is_two_calls(tmp_path: Path) -> None:
    head = "ERROR whisrs::transcription::openai_realtime: OpenAI Realtime error: "
    analysis = analyse(
        tmp_path,
        f"{head}The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.\n\n"
        f"{head}Turn detection is not supported for this transcription model.\n",
    )
    assert [(e.rule, e.line) for e in analysis.events] == [
        ("openai.request.realtime_session", 1),
        ("openai.request.realtime_session", 3),
    ]
    assert analysis.reprints == 0


@pytest.mark.parametrize(("host", "events"), [("localhost:11434", 0), ("api.openai.com", 1)])
def test_a_json_body_after_a_responses_headers_is_read_with_the_command_above_them(
    tmp_path: Path, host: str, events: int
) -> None:
    # curl -D -: the status line, its headers, a blank line, then the body; the command names where it went
    analysis = analyse(
        tmp_path,
        f"$ curl -D - -X POST https://{host}/v1/chat/completions\n"
        "HTTP/1.1 400 Bad Request\n"
        "Content-Type: application/json; charset=utf-8\n"
        "Content-Length: 83\n"
        "\n"
        '{"error":{"message":"EOF","type":"invalid_request_error","param":null,"code":null}}\n',
    )
    assert len(analysis.events) == events


SERVER_500 = "Error: 500 The server had an error while processing your request. Sorry about that!"
QUOTA_TEXT = "You exceeded your current quota, please check your plan and billing details."


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # winston's `level: `: two handlers' lines of one failed call in the same second stay one call
        (
            f"2023-12-23 13:33:06 error: [OpenAIClient.chatCompletion] Unhandled error type {SERVER_500}",
            f"2023-12-23 13:33:06 error: [handleAbortError] response error and aborting request {SERVER_500}",
        ),
        # and its `[label] level: `: a level after a bracketed label is no announcement of two failures either
        (
            f"2023-12-23 13:33:06 [api] error: [OpenAIClient.chatCompletion] Unhandled error type {SERVER_500}",
            f"2023-12-23 13:33:06 [api] error: [handleAbortError] response error and aborting request {SERVER_500}",
        ),
        # one message printed again, cut short: the two share a run of words
        (f"ERROR app: request failed: {QUOTA_TEXT}", f"ERROR app: request failed: {QUOTA_TEXT[:60]}..."),
    ],
)
def test_two_prints_of_one_failure_under_one_head_stay_one(tmp_path: Path, first: str, second: str) -> None:
    analysis = analyse(tmp_path, f"{first}\n{second}\n")
    assert len(analysis.events) == 1
    assert analysis.reprints == 1


@pytest.mark.parametrize(
    ("line", "events"),
    [
        # openai-node's print of a body whose error is a bare string: another server's
        ("inference job failed: Error: 400 \"'response_format.type' must be 'json_schema'\"", 0),
        # OpenAI's own sentence an app quotes stays OpenAI's
        ('openai call failed: Error: 400 "This model\'s maximum context length is 8192 tokens."', 1),
    ],
)
def test_a_quoted_body_after_a_status_is_another_servers_unless_it_is_openais_sentence(
    tmp_path: Path, line: str, events: int
) -> None:
    analysis = analyse(tmp_path, f"2026-03-14 10:00:00,000 ERROR worker: {line}\n")
    assert len(analysis.events) == events
