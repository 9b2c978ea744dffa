"""OpenAI failures no rule names: masked templates, the report's `unrecognised` list in every format, and
the starter rules `logscan rules starter` writes for them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import run_logscan

from analyzer import pipeline, ruleset
from analyzer.rulecheck import Examples
from analyzer.templates import mask, message_line, template_of

NEW = (
    "openai.InternalServerError: Error code: 500 - {{'error': {{'message': 'Shard {n} of the {what} pool failed', "
    "'type': 'server_error', 'param': None, 'code': None}}}}"
)
RULES = ruleset.load()
QUOTA = "openai.RateLimitError: Error code: 429 - {'error': {'code': 'insufficient_quota'}}"


@pytest.mark.parametrize(
    ("text", "template"),
    [
        (
            "Limit 30000, Used 29990, Requested 4000. Please try again in 20.5s",
            "Limit <*>, Used <*>, Requested <*>. Please try again in <*>",
        ),
        (
            "request req_0123456789abcdef0123456789abcdef for org-AbCdEfGhIjKlMnOpQrStUvWx",
            "request req_<*> for org-<*>",
        ),
        ("id 3f2c1a5e-1b2c-4d5e-8f90-123456789abc hash deadbeef42", "id <*> hash <*>"),
        (
            "Error code: 429 - status: 503 HTTP 404 after 3 tries",
            "Error code: 429 - status: 503 HTTP 404 after <*> tries",
        ),
        (
            "{'type': 'tokens', 'message': 'Keep this sentence whole'}",
            "{'type': '<*>', 'message': 'Keep this sentence whole'}",
        ),
        ("GET https://api.openai.com/v1/files?limit=10&after=file-abc", "GET https://api.openai.com/v1/files?<*>"),
        ("dial tcp 104.18.6.192:443: i/o timeout", "dial tcp <*>: i/o timeout"),
    ],
)
def test_mask(text: str, template: str) -> None:
    assert mask(text) == template


def test_the_template_is_of_the_error_line_without_its_log_prefix() -> None:
    record = (
        "2026-03-14 10:00:00,123 ERROR app.llm: completion failed\nTraceback (most recent call last):\n"
        '  File "/srv/app.py", line 3, in run\n    client.chat.completions.create()\n'
        "openai.APIStatusError: Error code: 418 - teapot 12"
    )
    assert message_line(record) == "openai.APIStatusError: Error code: 418 - teapot 12"
    assert template_of(record) == "openai.APIStatusError: Error code: 418 - teapot <*>"
    assert template_of("2026-03-14 10:00:00,123 ERROR app.llm: boom 7") == "boom <*>"


DOTNET = (
    "Azure.RequestFailedException: Service request failed.\nStatus: 400 (Bad Request)\n\nContent:\n"
    '{"error": {"requestid": "d784ca74", "code": 400, "message": "Invalid chat message detected"}}\n\n'
    "Headers:\napim-request-id: REDACTED\nx-ms-region: REDACTED\nDate: Tue, 03 Sep 2024 11:35:34 GMT\n\n"
    "   at Azure.Core.HttpPipelineExtensions.ProcessMessageAsync(HttpPipeline pipeline, HttpMessage message)\n"
    "   at Azure.AI.OpenAI.OpenAIClient.GetChatCompletionsAsync(ChatCompletionsOptions options, CancellationToken t)"
)


def test_a_dotnet_exceptions_answer_headers_are_not_its_message() -> None:
    """.NET's RequestFailedException lists the answer's headers after its body: the template is the body's line."""
    assert message_line(DOTNET).startswith('{"error": {"requestid"')
    assert template_of(DOTNET).endswith('"message": "Invalid chat message detected"}}')


@pytest.mark.parametrize(
    ("record", "line"),
    [
        (  # Node's error with its members after it: the member that carries its words
            "Error: 400 status code (no body)\n    at APIError.generate (/app/node_modules/openai/error.js:45:20) {\n"
            "  status: 400,\n  error: {\n    message: 'Invalid value for temperature',\n    code: null\n  },\n"
            "  retriesLeft: 6\n}",
            "message: 'Invalid value for temperature',",
        ),
        (  # a dump with no message: the line before it began
            "Error: getaddrinfo EAI_AGAIN api.openai.com\n    at GetAddrInfoReqWrap.onlookup (node:dns:107:26) {\n"
            "  errno: -3001,\n  code: 'EAI_AGAIN',\n  method: 'post',\n}",
            "Error: getaddrinfo EAI_AGAIN api.openai.com",
        ),
        (  # a JSON body alone: its code
            '{\n  "endpoint": "https://api.openai.com/v1",\n  "error": {\n    "cause": {\n      "errno": -54,\n'
            '      "code": "ECONNRESET",\n      "syscall": "read"\n    }\n  }\n}',
            '"code": "ECONNRESET",',
        ),
        # no object opened: members of no dump (an error chain's causes, a client's fields), each its own words
        (
            "Error: request failed\nCaused by:\n    0: error sending request for url (https://api.openai.com/v1/x)\n"
            "    1: operation timed out",
            "1: operation timed out",
        ),
        ("chat call failed\n  error: Rate limit reached for gpt-4o", "error: Rate limit reached for gpt-4o"),
        # a list of headers that no blank line ends: the error after it
        (
            "openai.APIStatusError: Error code: 400\nHeaders:\n  x-request-id: abc\n"
            "openai.BadRequestError: real message",
            "openai.BadRequestError: real message",
        ),
    ],
)
def test_an_objects_dump_at_a_records_end_is_not_its_message(record: str, line: str) -> None:
    """The last line of a record is an object's closing brace or a member where a client dumps the error's fields
    after it (Node's inspect, a JSON body): the error's words are its message member, or the line before the dump."""
    assert message_line(record) == line


def test_a_dotnet_exceptions_lines_read_on_past_its_body_for_whose_it_was(tmp_path: Path) -> None:
    """Printed unindented, each line of the exception is a record: the status's context reads on past `Content:` and
    its JSON body (no record's head there) to the headers and the frames, which name Azure OpenAI's client."""
    path = tmp_path / "app.log"
    path.write_text(DOTNET + "\n")
    analysis = pipeline.run(pipeline.Options((str(path),), UTC, datetime(2026, 1, 1, tzinfo=UTC)), RULES, None)
    assert [(e.rule, e.line) for e in analysis.events] == [("openai.generic.400", 2)]
    path.write_text(DOTNET.replace("Azure.AI.OpenAI.OpenAIClient", "Contoso.Search.SearchClient") + "\n")
    analysis = pipeline.run(pipeline.Options((str(path),), UTC, datetime(2026, 1, 1, tzinfo=UTC)), RULES, None)
    assert analysis.events == []


def log(tmp_path: Path) -> Path:
    lines = [NEW.format(n=n, what="eu") for n in (3, 4, 9)] + [NEW.format(n=1, what="us")]
    path = tmp_path / "app.log"
    path.write_text("".join(f"2026-03-14 10:0{i}:00,000 ERROR app: {line}\n" for i, line in enumerate(lines)))
    return path


def test_json_lists_them_by_template(logscan_bin: str, tmp_path: Path) -> None:
    result = run_logscan(logscan_bin, "-f", "json", str(log(tmp_path)))
    assert result.returncode == 0, result.stderr.decode()
    groups = json.loads(result.stdout)["unrecognised"]
    assert [(g["rule"], g["count"], g["first_seen"], g["last_seen"]) for g in groups] == [
        ("openai.generic.500", 3, "2026-03-14T10:00:00.000+00:00", "2026-03-14T10:02:00.000+00:00"),
        ("openai.generic.500", 1, "2026-03-14T10:03:00.000+00:00", "2026-03-14T10:03:00.000+00:00"),
    ]
    assert "Shard <*> of the eu pool failed" in groups[0]["template"] and groups[0]["example"]["line"] == 1


@pytest.mark.parametrize(
    ("fmt", "lang", "heading"),
    [
        ("md", "en", "## OpenAI failures no rule names"),
        ("md", "ja", "## ルールが名前を付けていない OpenAI の失敗"),
        ("html", "en", 'id="unrecognised"'),
        ("text", "en", "OpenAI failures no rule names:"),
    ],
)
def test_every_format_shows_them(logscan_bin: str, tmp_path: Path, fmt: str, lang: str, heading: str) -> None:
    result = run_logscan(logscan_bin, "-f", fmt, "--lang", lang, str(log(tmp_path)))
    assert heading in result.stdout.decode()
    assert "Shard <*> of the us pool failed" in result.stdout.decode().replace("&lt;", "<").replace("&gt;", ">")


def test_no_section_without_them(logscan_bin: str, tmp_path: Path) -> None:
    path = tmp_path / "quota.log"
    path.write_text(f"2026-03-14 10:00:00,000 ERROR app: {QUOTA}\n")
    result = run_logscan(logscan_bin, "-f", "md", str(path))
    assert "openai.quota.insufficient_quota" in result.stdout.decode() and "no rule names" not in result.stdout.decode()


def test_a_starter_rule_names_its_template(logscan_bin: str, tmp_path: Path) -> None:
    result = run_logscan(logscan_bin, "rules", "starter", str(log(tmp_path)))
    assert result.returncode == 0 and result.stdout.decode().count("[[rule]]") == 2
    rules_file = tmp_path / "mine.toml"
    rules_file.write_text(result.stdout.decode())
    loaded = ruleset.load([rules_file])
    custom = [r for r in loaded.rules if r.id.startswith("custom.")]
    classify = Examples(loaded)
    for rule in custom:  # each matches its example, and the same wording with other values
        assert rule.category is not None and rule.category.value == "server_error"
        assert classify(rule.examples_match[0]) == rule.id
    assert classify(NEW.format(n=77, what="eu")) in {r.id for r in custom}


def test_starter_says_when_there_is_nothing(logscan_bin: str, tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_text("2026-03-14 10:00:00,000 INFO app: all good\n")
    result = run_logscan(logscan_bin, "rules", "starter", str(path))
    assert result.returncode == 0 and result.stdout.decode() == ""
    assert "no OpenAI failure without a rule" in result.stderr.decode()


def test_a_stack_frame_under_a_prefix_is_no_failure_of_its_own(logscan_bin: str, tmp_path: Path) -> None:
    """Under a syslog prefix each frame of an openai-node error is a record; `at APIError.generate (...)`
    names an SDK class and OpenAI's module, but the failure is the 429 line before it, already counted."""
    prefix = "Mar 14 11:05:21 web-1 chatbot[2231]: "
    lines = [
        "RateLimitError: 429 Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM)",
        "    at APIError.generate (/srv/chatbot/node_modules/openai/error.js:54:20)",
        "    at OpenAI.makeStatusError (/srv/chatbot/node_modules/openai/core.js:293:33)",
        '  File "/srv/app/.venv/lib/python3.12/site-packages/openai/_base_client.py", line 1059, in _request',
    ]
    path = tmp_path / "syslog.log"
    path.write_text("".join(prefix + line + "\n" for line in lines))
    report = json.loads(run_logscan(logscan_bin, "-f", "json", str(path)).stdout)
    assert [e["category"] for e in report["events"]] == ["rate_limit"]
    assert report["unrecognised"] == []


@pytest.mark.parametrize(
    ("body_type", "category"),
    [("invalid_request_error", "invalid_request"), ("system", "connection")],
)
def test_a_transport_name_does_not_decide_a_record_that_shows_an_answers_body(
    tmp_path: Path, body_type: str, category: str
) -> None:
    """.NET's HttpRequestException is thrown for a refused request too (EnsureSuccessStatusCode): with
    OpenAI's body of a client error it is that error; with no answer's body it stays a connection failure."""
    line = (
        "2025-12-14 15:45:58.230 [ERR] POST request failed for URL: https://api.openai.com/v1/chat/completions "
        'System.Net.Http.HttpRequestException: Bad Request: BadRequest, Details: {"error": {"message": '
        f'"A new wording", "type": "{body_type}", "param": null, "code": "a_new_code"}}}}'
    )
    path = tmp_path / "app.log"
    path.write_text(line + "\n")
    analysis = pipeline.run(pipeline.Options((str(path),), UTC, datetime(2026, 1, 1, tzinfo=UTC)), RULES, None)
    assert [e.category.value for e in analysis.events if e.category] == [category]


@pytest.mark.parametrize(
    ("inner", "category"),
    [("invalid_request_error", "invalid_request"), ("server_error", "server_error")],
)
def test_a_wrappers_500_around_openais_body_takes_the_bodys_kind(
    logscan_bin: str, tmp_path: Path, inner: str, category: str
) -> None:
    """A pipeline's own 500 relaying OpenAI's error on one line: a client error's body makes it a client
    error (OpenAI's 5xx bodies are server_error), a server error's stays one."""
    body = (
        '{"error": {"message": "API error: {\\n \\"error\\": {\\n \\"message\\": \\"A wording no rule knows\\",\\n '
        f'\\"type\\": \\"{inner}\\",\\n \\"param\\": null,\\n \\"code\\": null\\n }}\\n}}", '
        '"type": "internal_error", "param": null, "code": "500"}}'
    )
    path = tmp_path / "pipeline.log"
    path.write_text(f"2026-03-14 10:00:00,000 ERROR app.openai_pipe: {body}\n")
    report = json.loads(run_logscan(logscan_bin, "-f", "json", str(path)).stdout)
    assert [e["category"] for e in report["events"]] == [category]


@pytest.mark.parametrize(
    ("line", "category", "status"),
    [
        # a hosted proxy's 500 whose detail is requests' 400 for OpenAI's URL: the call failed with the 400
        (
            " 500 Server Error: Internal Server Error for url: https://proxy.example.net/chat/completions | "
            'Status code: 500, Message: {"detail":"Internal server error (unpack): 400 Client Error: Bad Request '
            'for url: https://api.openai.com/v1/chat/completions"}',
            "invalid_request",
            "400",
        ),
        # a server error whose message names no client error stays one
        (
            "requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: "
            "https://api.openai.com/v1/chat/completions (took 412 ms)",
            "server_error",
            "502",
        ),
    ],
)
def test_a_wrappers_500_around_a_client_errors_status_takes_the_inner_status(
    logscan_bin: str, tmp_path: Path, line: str, category: str, status: str
) -> None:
    path = tmp_path / "proxy.log"
    path.write_text(line + "\n")
    report = json.loads(run_logscan(logscan_bin, "-f", "json", str(path)).stdout)
    assert [(e["category"], e["fields"]["status"]) for e in report["events"]] == [(category, status)]
    assert all("inner_status" not in e["fields"] for e in report["events"])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # BabyAGI's retry banner for openai.error.InvalidRequestError, and OpenAI's own docs' handler lines
        (
            "*** OpenAI API invalid request. Check the documentation for the specific API method you are calling "
            "and make sure you are sending valid and complete parameters. Waiting 10 seconds and trying again. ***",
            "invalid_request",
        ),
        ("*** The OpenAI API rate limit has been exceeded. Waiting 10 seconds and trying again. ***", "rate_limit"),
        ("OpenAI API request timed out: Request timed out.", "timeout"),
        ("OpenAI API request was not permitted: a new wording", "permission_region"),
        # n8n's NodeApiError message for the status, in its pretty-printed error object
        (
            '{\n  "errorMessage": "The service is receiving too many requests from you",\n'
            '  "errorDescription": "A new wording from https://api.openai.com/v1/chat/completions",\n'
            '  "n8nDetails": {"cause": {"status": 429}}\n}',
            "rate_limit",
        ),
        # Ruby's Faraday and Dart's dio, and an Assistants run's last_error: their status, type or code
        (
            "Faraday::ServerError: the server responded with status 502 (POST https://api.openai.com/v1/responses)",
            "server_error",
        ),
        (
            "DioException [bad response]: This exception was thrown because the response has a status code of 429 "
            "and RequestOptions.validateStatus was configured to throw for this status code. "
            "uri: https://api.openai.com/v1/chat/completions",
            "rate_limit",
        ),
        (
            "DioException [receive timeout]: The request took longer than 0:01:00.000000 to receive data. "
            "uri: https://api.openai.com/v1/chat/completions",
            "timeout",
        ),
        ("Run run_abc123 failed: LastError(code='invalid_prompt', message='A new wording')", "invalid_request"),
        # the Vercel AI SDK's APICallError with no body message: its status text
        (
            "AI_APICallError: Too Many Requests\n    at handleFetchError (file:///app/node_modules/@ai-sdk/"
            "provider-utils/dist/index.mjs:591:11) {\n  url: 'https://api.openai.com/v1/responses',",
            "rate_limit",
        ),
        # Elixir: Finch's reason atom with OpenAI's host in the request it dumps
        (
            "** (FunctionClauseError) no function clause matching in OpenaiEx.Http.Finch.to_error/2\n"
            "    (openai_ex 0.8.0) lib/openai_ex/http_finch.ex:81: OpenaiEx.Http.Finch.to_error(:closed,\n"
            '      %Finch.Request{scheme: :https, host: "api.openai.com", port: 443, method: "POST"}',
            "connection",
        ),
    ],
)
def test_an_apps_own_words_for_a_failure_give_its_kind(
    logscan_bin: str, tmp_path: Path, text: str, category: str
) -> None:
    path = tmp_path / "app.log"
    path.write_text(text + "\n")
    report = json.loads(run_logscan(logscan_bin, "-f", "json", str(path)).stdout)
    assert [e["category"] for e in report["events"]] == [category]


@pytest.mark.parametrize(
    "text",
    [
        "OpenAI API rate limit: 3500 RPM configured for the worker pool",
        "OpenAI API timeout set to 600 seconds",
        # an Elixir state with a closed atom and no failure
        'Logger: OpenAI stream state: :closed after 1834 chunks (host: "api.openai.com")',
        # Dify's OpenAI-compatible provider in front of another backend's gateway
        '[openai_api_compatible] Error: PluginInvokeError: {"args":{"description":"[models] Error: API request '
        'failed with status code 429: {\\"error_msg\\":\\"The throttling threshold has been reached\\"}"}}',
    ],
)
def test_what_only_looks_like_an_apps_failure_notice(logscan_bin: str, tmp_path: Path, text: str) -> None:
    path = tmp_path / "app.log"
    path.write_text(text + "\n")
    report = json.loads(run_logscan(logscan_bin, "-f", "json", str(path)).stdout)
    assert report["events"] == []


TRANSPORT = sorted((Path(__file__).parent / "data" / "transport").glob("*/*.log"))


@pytest.mark.parametrize("path", TRANSPORT, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_clients_transport_errors_give_timeout_or_connection(path: Path) -> None:
    """Timeouts, refused or unresolved connections, TLS that failed to verify and proxies that refused the
    tunnel, as .NET, Java, Go, Rust, Swift, Kotlin, Node, Ruby and Python clients print them with OpenAI's
    host: one event each, of the category its folder names."""
    options = pipeline.Options((str(path),), UTC, datetime(2026, 11, 27, tzinfo=UTC))
    analysis = pipeline.run(options, RULES, None)
    assert [e.category for e in analysis.events] == [path.parent.name]


def test_the_transport_cases_cover_both_kinds() -> None:
    assert {p.parent.name for p in TRANSPORT} == {"timeout", "connection"} and len(TRANSPORT) >= 20


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"code": "404", "name": "APIError"}, "404"),  # a LiteLLM proxy's envelope: the code is the status
        ({"code": "404", "status": "500", "name": "APIError"}, "500"),  # a status given decides
        ({"code": "1210"}, None),  # four digits: a provider's business code, no status
        ({"code": "insufficient_quota", "status": "429"}, "quota"),
    ],
)
def test_a_body_s_three_digit_code_is_its_status(fields: dict[str, str], key: str | None) -> None:
    kind = RULES.classifier.kind(fields)
    assert (kind.key if kind is not None else None) == key


@pytest.mark.parametrize(
    ("line", "category", "status"),
    [
        # .NET's HttpStatusCode by its name: the status it stands for, not the transport class's kind
        (
            "HttpRequestException: Error at chat/completions (https://api.openai.com/v1/chat/completions) with "
            "HTTP status code: BadRequest. Content: <html>",
            "invalid_request",
            "400",
        ),
        (
            "HttpRequestException: Error at chat/completions (https://api.openai.com/v1/chat/completions) with "
            "HTTP status code: TooManyRequests. Content: {}",
            "rate_limit",
            "429",
        ),
        # LiveKit's status error with no status: its socket closed, not a server error by the class's name
        (
            "livekit.agents._exceptions.APIStatusError: OpenAI Realtime STT connection closed unexpectedly "
            "(status_code=-1, request_id=None, body=None)",
            "connection",
            None,
        ),
        # a vector store's file that failed, inside an answer of 200: its last_error's code tells the kind
        (
            '{"object": "vector_store.file", "status": "failed", "last_error": {"code": "unsupported_file", '
            '"message": "The file type is not supported."}}',
            "invalid_request",
            "failed",  # (the object's own status field, as a JSON record's fields are kept)
        ),
        # the embeddings' cap on a request's tokens: the input too long, as a prompt past the context is
        (
            "Error code: 400 - {'error': {'message': 'Requested 309209 tokens, max 300000 tokens per request', "
            "'type': 'max_tokens_per_request', 'param': None, 'code': 'max_tokens_per_request'}}",
            "context_length",
            "400",
        ),
        # a browser's CORS block is the failure, whatever status the answer it kept from the page had
        (
            "Blocking a cross-origin request: The Same Origin policy does not allow access to the remote resource "
            "located at https://api.openai.com/v1/chat/completions. Reason: The CORS header is missing. "
            "Status code: 404.",
            "connection",
            "404",
        ),
        # ... but a 429 it names is the API's answer, and tells the kind
        (
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
            "https://api.openai.com/v1/chat/completions. (Reason: CORS header missing). Status code: 429.",
            "rate_limit",
            "429",
        ),
        # a client's wrapper that says connect for any failure, and the answer's reason after it
        ("Failed to connect to OpenAI API: Internal server error", "server_error", "500"),
        # a gateway's time-out before the server (nginx's page through openai-python v0): a call that took too long
        (
            "openai.error.APIError: HTTP code 504 from API (<html><head><title>504 Gateway Time-out</title></head>"
            "<body><center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>)",
            "timeout",
            "504",
        ),
        # Ruby's Net::HTTP quotes the reason phrase; the frame names the OpenAI provider
        (
            '/usr/local/lib/ruby/3.2/net/http/response.rb:277:in `error!\': 400 "Bad Request" '
            "(Net::HTTPClientException) from /app/lib/llm/providers/openai.rb:33:in `complete'",
            "invalid_request",
            "400",
        ),
    ],
)
def test_a_status_by_its_name_or_quoted_reason(tmp_path: Path, line: str, category: str, status: str | None) -> None:
    path = tmp_path / "app.log"
    path.write_text(line + "\n")
    analysis = pipeline.run(pipeline.Options((str(path),), UTC, datetime(2026, 1, 1, tzinfo=UTC)), RULES, None)
    assert [(e.category.value if e.category else "", e.fields.get("status")) for e in analysis.events] == [
        (category, status)
    ]
