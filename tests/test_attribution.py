"""Whose failure a record shows (rules/providers.toml), and the generic rule's kinds (rules/openai/generic.toml)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer import pipeline, ruleset
from analyzer.attribution import Attributor, plain
from analyzer.framing import context
from analyzer.models import Record
from analyzer.ruleset import Classifier

RULES = ruleset.load()
QUOTA = (
    "Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check your plan and billing "
    "details.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}"
)
LOCAL = "a local or private OpenAI-compatible server"
HOSTS = (
    "another model host (Fireworks, Perplexity, DeepInfra, Cerebras, SambaNova, Novita, Hyperbolic, Replicate, Hugging "
    "Face, AWS Bedrock, Cloudflare Workers AI, NVIDIA NIM, GitHub Models, GitHub Copilot, Bing Chat)"
)
CHINESE = "a Chinese model provider (DashScope, Moonshot, Zhipu, SiliconFlow, Baidu, Volcengine)"
NEW_WORDING = "Error code: 429 - {'error': {'message': 'A wording no rule knows', 'type': 'requests', 'code': None}}"


def verdict(text: str) -> str:
    found = Attributor(RULES.providers).verdict(text)
    return "OpenAI" if found.openai else found.other or "-"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"openai.RateLimitError: {QUOTA}", "OpenAI"),
        # (Baidu's search and CDN hosts in another program's line beside it are no model provider's)
        (f"openai.RateLimitError: {QUOTA}\n[07.27 10:23:42] chrome.exe *64 - t12.baidu.com:80 close", "OpenAI"),
        (f"openai.RateLimitError: {QUOTA} (base_url https://qianfan.baidubce.com/v2)", CHINESE),
        (f"RateLimitError: {QUOTA}", "OpenAI"),  # the body's code is OpenAI's
        (f"groq.RateLimitError: {QUOTA}", "Groq"),
        (
            f"openai.RateLimitError: {QUOTA} (base_url=http://localhost:8000/v1)",
            "a local or private OpenAI-compatible server",
        ),
        # a host outweighs any other mark: OpenAI's API answered, whatever proxy relayed it
        (f"POST https://api.openai.com/v1/chat/completions via http://10.0.0.4:4000: {QUOTA}", "OpenAI"),
        ("litellm.RateLimitError: AnthropicException - Overloaded", "Anthropic"),
        # LiteLLM's OpenAIException names its client for any OpenAI-compatible server: a weak mark
        ("litellm.RateLimitError: OpenAIException - Error code: 429 (relayed by http://localhost:4000)", LOCAL),
        (
            "litellm.RateLimitError: OpenAIException - Error code: 429 - POST https://api.openai.com/v1/responses",
            "OpenAI",
        ),
        # the reasoning models' refusal of a sampling setting is OpenAI's own, whoever relayed it (hard-wrapped)
        (
            "[API Error: 400 Unsupported value: 'temperature' does not support 0 with this model. Only the default "
            "(1) value is\n    supported.] (client: Qwen Code, model qwen-coder before)",
            "OpenAI",
        ),
        # an LLM app's provider setting `azure` is Azure OpenAI; Azure AI Foundry's models are `azure_ai`
        ('Model: gpt-5-mini\nProvider: azure\nStatus Code: 403\n{"code":"403","message":"Forbidden"}', "OpenAI"),
        ('Model: my-model\nProvider: azure_ai\nStatus Code: 403\n{"code":"403","message":"Forbidden"}', "-"),
        ("Model: my-model\nProvider: azure\nStatus Code: 403", "OpenAI"),
        # (not a cloud's provider in infrastructure tools)
        ("kubelet --cloud-provider=azure: Error code: 429 - {'error': {'message': 'x'}}", "-"),
        ('provider "azure" { } Error: 403 Forbidden', "-"),
        ("cloud provider: Azure; Error: 429 Too Many Requests", "-"),
        # LiteLLM's Azure provider is Azure OpenAI's, but not where the body it relays is a compatible server's
        ("litellm.BadRequestError: AzureException - {'error': {'message': 'A new wording', 'code': '400'}}", "OpenAI"),
        (
            'litellm.BadRequestError: AzureException - {"object":"error","message":"1 validation error for Tool"}',
            "vLLM",
        ),
        (
            "litellm.BadRequestError: AzureException BadRequestError - Error code: 400 - {'object': 'error', "
            "'message': 'x'}",
            "vLLM",
        ),
        # (vLLM's body as a JSON string, its quotes escaped)
        ('{"error": {"message": "upstream: {\\"object\\":\\"error\\",\\"message\\":\\"x\\"}"}}', "vLLM"),
        # a vector store's file as the API returns it
        ("{ object: 'vector_store.file', status: 'failed', last_error: { code: 'invalid_file' } }", "OpenAI"),
        # GitHub Models' cap on a request's tokens: its own code and words, for OpenAI's models too
        (
            '{"error":{"code":"tokens_limit_reached","message":"Request body too large for gpt-4o model. Max size: '
            '8000 tokens."}}',
            HOSTS,
        ),
        # (and the reasoning models' sentence on GitHub Models' host is its relay's, not OpenAI's answer)
        (
            "POST https://models.github.ai/inference/chat/completions 400 Unsupported value: 'temperature' does not "
            "support 0 with this model. Only the default (1) value is supported.",
            HOSTS,
        ),
        # NVIDIA NIM named by the gateway that relays its error; not any `NIM` in capitals
        ("API Error: 500 Upstream provider NIM returned an error.", HOSTS),
        ("openai.RateLimitError: Error code: 429 [NIM]", "OpenAI"),
        # claude-code-router's name in a stack is no mark of Anthropic's: it routes to OpenAI's models too
        (
            "Error from provider(openai,gpt-5.2: 400)\n    at nt (/usr/lib/node_modules/@musistudio/claude-code-router/"
            "dist/cli.js:79940:11)",
            "OpenAI",
        ),
        ("ERROR worker: Connection error. retrying in 5s (redis://cache:6379)", "-"),
        ("openai.APIConnectionError: Connection error.", "OpenAI"),
        # Google's canonical status names in a body (Gemini's OpenAI-compatible endpoint): no OpenAI body has them
        (
            "openai.NotFoundError: Error code: 404 - {'error': {'code': 404, 'message': 'models/x is not found', "
            "'status': 'NOT_FOUND'}}",
            "Google Gemini",
        ),
        ("openai.InternalServerError: Error code: 503 - [{'error': {'status': 'UNAVAILABLE'}}]", "Google Gemini"),
        # a folder named after a model family names no model; the size tag of Ollama's does
        ("openai.BadRequestError: 400 (at file:///C:/chat-llama/node_modules/openai/core.mjs:256:25)", "OpenAI"),
        (
            "openai.BadRequestError: 400 (model codellama-13b-instruct)",
            "a server of open-weight models (Llama, Qwen, Mistral, Gemma, Phi, gpt-oss...)",
        ),
        ("openai.APITimeoutError: Request timed out. (span: chat ministral-3:3b)", "Ollama"),
        # a proxy's own URL and a Colab traceback's links are no base URL: the call went on to its host
        (
            "HTTPS proxies https://127.0.0.1:10809 are not supported, ignoring\nError communicating with OpenAI",
            "OpenAI",
        ),
        (
            f"[/usr/lib/python3/dist-packages/openai/api_requestor.py](https://localhost:8080/#) in _x\n{QUOTA}",
            "OpenAI",
        ),
        # (a proxy named in the log's own language too: ChuanhuChatGPT's `使用 HTTP 代理:` before Clash's port)
        ("[utils.py:454] 使用 HTTP 代理: http://127.0.0.1:7890\nError communicating with OpenAI", "OpenAI"),
        ("HTTPS プロキシ: http://127.0.0.1:7890\nError communicating with OpenAI", "OpenAI"),
        # nor a web server's own address in its start-up banner: the app's, not what it calls
        (
            "INFO:     Uvicorn running on http://0.0.0.0:5050 (Press CTRL+C to quit)\nError communicating with OpenAI",
            "OpenAI",
        ),
        ("  ➜  Network: http://192.168.1.52:32100/\nError communicating with OpenAI", "OpenAI"),
        ("Running on local URL:  http://127.0.0.1:7860\nError communicating with OpenAI", "OpenAI"),
        # (a server that answers where a client was pointed still is one)
        (f"Error communicating with OpenAI (base_url http://0.0.0.0:5050/v1): {QUOTA}", LOCAL),
        (f"Error communicating with OpenAI (base_url http://127.0.0.1:10809/v1): {QUOTA}", LOCAL),
        # openai-node's message of a body that is only a reason phrase: a web framework's, not OpenAI's
        (
            "NotFoundError: 404 Not Found\n    at OpenAI.makeStatusError (node_modules/openai/core.js:275:33)",
            "an OpenAI-compatible server (its error body is not OpenAI's)",
        ),
        (
            "NotFoundError: 404 The model `gpt-5` does not exist\n    at OpenAI.makeStatusError (core.js:275:33)",
            "OpenAI",
        ),
        # one-api's relay of an upstream body that is not OpenAI's (OpenAI's own error replaces its upstream_error)
        (
            "openai.BadRequestError: Error code: 400 - {'error': {'message': \"This model's maximum context length is "
            "32768 tokens. (request id: 2024081317264999869545206709718)\", 'type': 'upstream_error', 'param': '400', "
            "'code': 'bad_response_status_code'}}",
            "an OpenAI-compatible server (its error body is not OpenAI's)",
        ),
        (
            "openai.InternalServerError: Error code: 502 - {'error': {'message': 'bad response status code 502', "
            "'type': 'upstream_error', 'param': '502', 'code': 'bad_response_status_code'}}",
            "OpenAI",
        ),
        # openai-dotnet's message of an error answer, and OpenAI's advice for a reasoning model's max_tokens (which
        # GitHub Copilot's API relays under a code of its own)
        ("System.ClientModel.ClientResultException: HTTP 400 (invalid_request_error: )", "OpenAI"),
        (
            "Error: Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "OpenAI",
        ),
        (
            "HTTP error: { error: { message: \"Unsupported parameter: 'max_tokens' is not supported with this "
            "model. Use 'max_completion_tokens' instead.\", code: 'invalid_request_body' } }",
            "an OpenAI-compatible server (its error body is not OpenAI's)",
        ),
        # a local server's URL only in a source line's comment, code that did not run; in the code itself, it ran
        (
            '    openai = AsyncOpenAI() # AsyncOpenAI(base_url="http://127.0.0.1:11434/v1")\n'
            f"openai.RateLimitError: {QUOTA}",
            "OpenAI",
        ),
        (
            f'    openai = AsyncOpenAI(base_url="http://127.0.0.1:11434/v1")\nopenai.RateLimitError: {QUOTA}',
            "Ollama",
        ),
        # a shell prompt's `#` is no comment: the request went to the local server
        (f"/app # curl http://localhost:11434/v1/chat/completions\nopenai.RateLimitError: {QUOTA}", "Ollama"),
        # Azure's front door's body, and a web framework's of the same shape
        (
            "openai.AuthenticationError: Error code: 401 - {'statusCode': 401, 'message': 'Unauthorized. Access token "
            "is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.'}",
            "OpenAI",
        ),
        (
            "openai.InternalServerError: Error code: 500 - {'statusCode': 500, 'message': 'Internal server error'}",
            "an OpenAI-compatible server (its error body is not OpenAI's)",
        ),
        # a package index's or tiktoken's download, and another server's refusal of the roles' order
        (
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='openaipublic.blob.core.windows.net', "
            "port=443): Max retries exceeded with url: /encodings/cl100k_base.tiktoken",
            "a package or its files (pip fetching from PyPI, npm from its registry, tiktoken's encodings, an openai "
            "package that does not fit its code)",
        ),
        (
            "openai.BadRequestError: Error code: 400 - {'error': {'message': 'After the (optional) system message(s), "
            "user or tool message(s) should alternate with assistant message(s).', 'type': 'invalid_request_error'}}",
            "an OpenAI-compatible server (its error body is not OpenAI's)",
        ),
        # a telemetry agent's own refusal beside the app's OpenAI calls
        (
            "WARNING:ddtrace.vendor.dogstatsd:Error submitting packet: [Errno 111] Connection refused\n"
            '  File "/srv/app/.venv/lib/python3.12/site-packages/openai/_base_client.py", line 955, in _request',
            "a telemetry agent or exporter (Datadog's agent, DogStatsD, an OpenTelemetry collector)",
        ),
    ],
)
def test_verdicts(text: str, expected: str) -> None:
    assert verdict(text) == expected


def run(tmp_path: Path, lines: list[str]) -> pipeline.Analysis:
    log = tmp_path / "app.log"
    log.write_text("".join(f"2026-03-14 10:00:{n:02d},000 ERROR app: {line}\n" for n, line in enumerate(lines)))
    return pipeline.run(pipeline.Options((str(log),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None)


def test_another_providers_failures_are_counted_not_reported(tmp_path: Path) -> None:
    analysis = run(
        tmp_path,
        [
            f"groq.RateLimitError: {QUOTA}",
            f"openai.RateLimitError: {QUOTA} at http://127.0.0.1:1234/v1",
            f"openai.RateLimitError: {QUOTA}",
        ],
    )
    assert [(e.rule, e.line) for e in analysis.events] == [("openai.quota.insufficient_quota", 3)]
    # (port 1234 is LM Studio's: a named provider is told over the shape of a local host, which it has too)
    assert analysis.match_stats.excluded == {"Groq": 1, "LM Studio": 1}


def test_a_generic_failure_needs_a_mark_of_openai(tmp_path: Path) -> None:
    analysis = run(
        tmp_path, [f"openai.RateLimitError: {NEW_WORDING}", "HTTPError: 429 Client Error: Too Many Requests"]
    )
    assert [(e.rule, e.category, e.line) for e in analysis.events] == [("openai.generic.429", "rate_limit", 1)]
    assert "attributed" not in analysis.events[0].fields


def test_a_json_records_escaped_body_is_read_unescaped(tmp_path: Path) -> None:
    """A structured logger's record holds the error in a field, its quotes escaped (`\\"code\\": ...`): whose
    failure it is is read in the parsed text too, where OpenAI's body shows as logged by the client."""
    body = (
        '{ "error": { "message": "Unsupported parameter: \'max_tokens\' is not supported with this model. Use '
        '\'max_completion_tokens\' instead.", "type": "invalid_request_error", "param": "max_tokens", '
        '"code": "unsupported_parameter" } }'
    )
    log = tmp_path / "app.json"
    record = {
        "time": "2026-03-14T10:00:00Z",
        "level": "ERROR",
        "msg": "request failed",
        "exc_info": f"HTTP 400: {body}",
    }
    log.write_text(json.dumps(record) + "\n")
    analysis = pipeline.run(pipeline.Options((str(log),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None)
    assert [(e.rule, e.category) for e in analysis.events] == [("openai.request.invalid_parameter", "invalid_request")]


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"status": "429", "code": "insufficient_quota", "name": "RateLimitError"}, "quota"),  # the code first
        ({"status": "503", "name": "InternalServerError"}, "503"),  # then the status
        ({"status": "502"}, "500"),
        ({"status": "418"}, "4xx"),  # a status's class
        ({"name": "APITimeoutError"}, "timeout"),  # then the name
        ({"name": "ECONNRESET"}, "connection"),
        ({"code": "content_filter", "status": "400"}, "content_filter"),
        ({"type": "invalid_request_error", "status": "401"}, "401"),  # a body's type is the vaguest
        ({"name": "SomethingElse"}, None),
    ],
)
def test_the_kind_of_a_generic_failure(fields: dict[str, str], key: str | None) -> None:
    kind = Classifier(RULES.generic).kind(fields)
    assert (kind.key if kind else None) == key


def test_every_kind_is_a_rule_with_a_playbook() -> None:
    for kind in RULES.generic:
        derived = RULES.rule(f"openai.generic.{kind.key}")
        assert derived is not None and derived.category is kind.category
        assert derived.remediation in RULES.playbooks


# (a body of four keys, as OpenAI's, but in an order that is no mark of anyone's: only a message and a type is
# another server's shape, a type then a param a weak mark of OpenAI's)
BARE = (
    "RateLimitError: Error code: 429 - {'error': {'message': 'A wording no rule knows', 'param': None, "
    "'type': 'requests', 'code': None}}"
)
OK_CALL = 'HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 200 OK"'


@pytest.mark.parametrize(
    ("others", "kept"),
    [
        ([f"INFO httpx: {OK_CALL}"], True),  # the source calls OpenAI: its bare SDK error is OpenAI's
        ([f"openai.AuthenticationError: {QUOTA}"], True),  # a record of OpenAI's
        ([], False),  # nothing shows whose it is
        ([f"INFO httpx: {OK_CALL}", f"groq.RateLimitError: {QUOTA}"], False),  # two providers: unclear
        ([f"INFO httpx: {OK_CALL}", "requests.HTTPError: 429 Client Error: Too Many Requests"], True),
    ],
)
def test_a_record_that_shows_no_provider_takes_its_sources(tmp_path: Path, others: list[str], kept: bool) -> None:
    analysis = run(tmp_path, [*others, BARE])
    bare = len(others) + 1
    assert [e.fields.get("attributed") for e in analysis.events if e.line == bare] == (["source"] if kept else [])
    assert analysis.unshown == (0 if kept else 1)


def test_only_an_sdk_exception_is_attributed_by_its_source(tmp_path: Path) -> None:
    # a status with no SDK class: an app's own 429 in a log that also calls OpenAI is not OpenAI's
    analysis = run(tmp_path, [f"INFO httpx: {OK_CALL}", "requests.HTTPError: 429 Client Error: Too Many Requests"])
    assert [e.line for e in analysis.events] == [] and analysis.unshown == 0


def test_context_reads_past_a_notebooks_numbered_source_lines(tmp_path: Path) -> None:
    """IPython shows the source around a frame under its line numbers (`     10 client = AzureOpenAI(`): such a
    line is no record's head, so the context of the error above it reads on to the client it names."""
    lines = [
        "NotFoundError: Error code: 404 - {'error': {'code': '404', 'message': 'Resource not found'}}",
        "Cell In[8], line 16",
        "      3 messages = [",
        "      4     {'role': 'user', 'content': 'hello'}",
        "     10 client = AzureOpenAI(",
        "     11     api_version=api_version,",
    ]
    log = tmp_path / "notebook.log"
    log.write_text("\n".join(lines) + "\n")
    analysis = pipeline.run(pipeline.Options((str(log),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None)
    assert [(e.rule, e.line) for e in analysis.events] == [("openai.generic.404", 1)]
    (log.parent / "bare.log").write_text("\n".join(lines[:2]) + "\n")  # without the client: no mark of OpenAI's
    bare = pipeline.run(
        pipeline.Options((str(log.parent / "bare.log"),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None
    )
    assert bare.events == []


def test_a_logs_typographic_quotes_and_full_width_forms_read_as_ascii(tmp_path: Path) -> None:
    """A forum turns a pasted log's quotes curly; a CJK input method types full-width colons: rules and marks
    read them as ASCII, and the evidence shows the line as logged."""
    straight = (
        "openai.BadRequestError: Error code: 400 - {'error': {'message': 'A new wording', "
        "'type': 'invalid_request_error', 'param': None, 'code': 'a_new_code'}}"
    )
    curly = straight.replace("{'", "{\u2018").replace("'", "\u2019")
    assert plain(curly) == straight and "'" not in curly
    assert plain("\u9519\u8bef\uff1a429") == "\u9519\u8bef:429"
    ascii_text = "plain text"
    assert plain(ascii_text) is ascii_text
    analysis = run(tmp_path, [curly])
    assert [(e.rule, e.line) for e in analysis.events] == [("openai.generic.400", 1)]
    assert "\u2019a_new_code\u2019" in analysis.events[0].text  # the evidence as logged


def test_a_provider_outranks_a_local_host_that_a_gateway_answer_has_too(tmp_path: Path) -> None:
    """A relay on 127.0.0.1 answers with its own refusal (a gateway's event); the same relay's refusal for a
    call it routed to DeepSeek names DeepSeek, which outranks the local host: no event."""
    status, url = "unexpected status 503 Service Unavailable", "url: http://127.0.0.1:8317/v1/responses"
    relay = f"{status}: auth_unavailable: no auth available (providers=codex, model=gpt-5.6-sol), {url}"
    routed = f"{status}: auth_unavailable: no auth available (providers=deepseek, model=deepseek-chat), {url}"
    assert verdict(routed) == "DeepSeek"
    for text, expected in ((relay, ["gateway.cliproxy.auth_unavailable"]), (routed, [])):
        log = tmp_path / "relay.log"
        log.write_text(text + "\n")
        analysis = pipeline.run(pipeline.Options((str(log),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None)
        assert [e.rule for e in analysis.events] == expected


@pytest.mark.parametrize(("model", "expected"), [("gpt-4o", ["gateway"]), ("Claude Opus 4.6", [])])
def test_a_status_line_reads_the_report_above_it(tmp_path: Path, model: str, expected: list[str]) -> None:
    """An HTTP client's `<status> <message>` line starts with no time: the lines above it (an app's error report
    naming the model) are its context, and tell whose call a gateway refused."""
    log = tmp_path / "report.log"
    log.write_text(
        f"Error Details\n\nModel: {model}\nProvider: corp-proxy\nStatus Code: 400\n\nError Output\n"
        "400 Budget has been exceeded! Team=RP32A1 Current cost: 3000.17, Max budget: 3000.0\n"
    )
    analysis = pipeline.run(pipeline.Options((str(log),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None)
    assert [e.category.value for e in analysis.events if e.category] == expected


@pytest.mark.parametrize(
    ("second", "level", "found"),
    [
        ("00", "", ["openai.generic.429"]),  # one print, the platform's stamp on each line: read together
        ("01", "", []),  # another second's line: not this failure's
        ("00", "INFO ", []),  # the app's own next record (a level after the stamp): not this failure's
        ("00", "- app - INFO - ", []),  # (`%(asctime)s - %(name)s - %(levelname)s - %(message)s`)
    ],
)
def test_a_line_stamped_to_the_second_reads_the_lines_of_its_second(
    tmp_path: Path, second: str, level: str, found: list[str]
) -> None:
    """Docker Desktop's view stamps every line of one print with the second: a line that starts like no head
    after its stamp has for context the lines of the same second that start like none either."""
    log = tmp_path / "desktop.log"
    log.write_text(
        "2026-03-01 10:00:00 Request failed with status code 429\n"
        f"2026-03-01 10:00:{second} {level}POST https://api.openai.com/v1/completions\n"
    )
    analysis = pipeline.run(pipeline.Options((str(log),), UTC, datetime(2026, 3, 2, tzinfo=UTC)), RULES, None)
    assert [e.rule for e in analysis.events] == found


def as_typed(tmp_path: Path, lines: list[str]) -> pipeline.Analysis:
    """The analysis of the lines as they are (no stamp put before them: a terminal's copy)."""
    log = tmp_path / "terminal.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pipeline.run(pipeline.Options((str(log),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None)


def test_a_terminal_copys_context_is_its_own_commands_output(tmp_path: Path) -> None:
    """A copy of a terminal session: the lines above a command's prompt are another command's output (a model of
    another provider's named there says nothing of this failure), but where this command's own lines show no one's
    mark, the commands before it may have set its provider up (a module's Azure OpenAI secrets)."""
    model = (
        "Error: Error code: 404 - {'error': {'message': 'The model `gpt-4-turbo-preview` does not exist or you do not"
        " have access to it.', 'type': 'invalid_request_error', 'param': None, 'code': 'model_not_found'}}"
    )
    fabric = [
        "PS C:\\work\\fabric> fabric --model claude-3-opus-20240229",
        "Enter Question: what is 1+1",
        "The answer is 2.",
        "PS C:\\work\\fabric> Get-Clipboard | fabric --pattern extract_wisdom",
        model,
    ]
    assert [(e.rule, e.line) for e in as_typed(tmp_path, fabric).events] == [("openai.model.not_found", 5)]
    # without the prompt, the line above names another provider's model: no event, as before
    assert as_typed(tmp_path, [fabric[0], *fabric[1:3], model]).events == []
    setup = [
        "PS C:\\Users\\me> $secrets = @{",
        '>>     apiURI = "https://contoso.openai.azure.com/openai/deployments/gpt4/chat/completions"',
        ">> }",
        "PS C:\\Users\\me> Set-AzOAISecrets @secrets",
        "PS C:\\Users\\me> Invoke-OAIChat 'How do I list files?'",
        "Exception: C:\\Modules\\PSAI\\Private\\Invoke-OAIBeta.ps1:137",
        "     | Response status code does not indicate success: 404 (Resource Not Found).",
    ]
    assert [(e.rule, e.line) for e in as_typed(tmp_path, setup).events] == [("openai.generic.404", 6)]


@pytest.mark.parametrize(
    ("tags", "found"),
    [
        (("[subagent-0] ", "[subagent-0] "), [("openai.generic.connection", 1)]),  # one worker's lines: read as one
        (("[subagent-0] ", "[subagent-3] "), []),  # another worker's line: not this failure's
        (("[INFO] ", "[INFO] "), []),  # a level in brackets: each line a record of its own
        (("[E] ", "[E] "), []),  # (and a level's letter)
        (("", ""), [("openai.generic.connection", 1)]),  # (as without the tags)
        # under Docker Desktop's stamp to the second on every line: the tag's lines of that second
        (
            ("2026-03-14 10:00:01 [subagent-0] ", "2026-03-14 10:00:01 [subagent-0] "),
            [("openai.generic.connection", 1)],
        ),
        (("2026-03-14 10:00:01 [subagent-0] ", "2026-03-14 10:00:01 [subagent-3] "), []),
        (("2026-03-14 10:00:01 [subagent-0] ", "2026-03-14 10:00:09 [subagent-0] "), []),  # (another second's)
    ],
)
def test_an_apps_own_tag_on_each_line_of_a_message(
    tmp_path: Path, tags: tuple[str, str], found: list[tuple[str, int]]
) -> None:
    """An agent's worker prints each line of its report with its own tag (`[subagent-0] `): the lines after the failure
    under the same tag are read as they are without it, and the endpoint they name (Codex's, on chatgpt.com) is the
    failure's."""
    first, then = tags
    lines = [
        f"{first}API call failed (attempt 1/10): APIConnectionError",
        f"{then}Endpoint: https://chatgpt.com/backend-api/codex",
        f"{then}Retrying in 2.5s (attempt 1/10)...",
    ]
    assert [(e.rule, e.line) for e in as_typed(tmp_path, lines).events] == found


@pytest.mark.parametrize(("base", "events"), [("https://api.openai.com", 1), ("http://localhost:1234", 0)])
def test_a_blank_line_between_a_tags_lines_is_passed_over(tmp_path: Path, base: str, events: int) -> None:
    """A mod's log pasted outside a code block, a blank line after each line (a web view's copy): the tag's request
    line above the bare status is still its context, and its URL tells whose server answered."""
    lines = [
        "[StardewGPT] Creating request with content {}",
        "",
        f"[StardewGPT] Making request to {base}/v1/chat/completions",
        "",
        "[StardewGPT] Received response with status code Unauthorized",
        "",
    ]
    assert [e.category.value for e in as_typed(tmp_path, lines).events] == ["auth"] * events


def test_another_tags_line_before_a_tagged_failure_is_not_its_context(tmp_path: Path) -> None:
    """The line just above a tagged failure, of another worker's tag, is no part of its context (it names another
    worker's endpoint); the failure's own lines after it are."""
    lines = [
        "[subagent-3] Endpoint: https://chatgpt.com/backend-api/codex",
        "[subagent-0] API call failed (attempt 1/10): APIConnectionError",
        "[subagent-0] Endpoint: https://openrouter.ai/api/v1",
    ]
    assert as_typed(tmp_path, lines).events == []
    assert [(e.rule, e.line) for e in as_typed(tmp_path, lines[:2]).events] == []


def test_an_apis_own_401_challenge_marks_it(tmp_path: Path) -> None:
    """OpenAI's 401 carries `www-authenticate: Bearer realm="OpenAI API"`: a client that prints the header (R's
    httr2, as cli bullets) shows whose answer it was, whatever other service the app goes on to."""
    lines = [
        "ℹ Fetching models for openai service...",
        "✖ HTTP 401 Unauthorized.",
        "• OAuth error",
        "• realm: OpenAI API",
        "ℹ Fetching models for ollama service...",
        "✔ Got models!",
    ]
    assert [(e.rule, e.line) for e in as_typed(tmp_path, lines).events] == [("openai.generic.401", 2)]
    assert verdict('www-authenticate: Bearer realm="OpenAI API"') == "OpenAI"
    assert as_typed(tmp_path, [*lines[:3], *lines[4:]]).events == []  # without it, Ollama's name decides


@pytest.mark.parametrize(
    ("line", "is_prompt"),
    [
        ("PS C:\\Program Files\\fabric> fabric --pattern extract_wisdom", True),
        ("C:\\Users\\me>python app.py", True),
        ("dev@box:~/app$ python run.py", True),
        ("(venv) (base) dev@MacBook-Pro app % python run.py", True),
        ("➜  bella git:(main) ✗ python examples/big.py", True),
        ("$ curl -v https://api.openai.com", True),
        ("root@5f2c:/app# node index.js", True),
        ("[ec2-user@ip-10-0-0-5 bot]$ python3 bot.py", True),
        ("dev@box$ make run", True),
        ("worker@node-3 progress 100% done", False),
        ("worker@node-3 100% done", False),
        ("alice@example.com # primary contact", False),
        ("me@mac app (main) % git push", True),
        ("mail from alice@example.com: 50% off # promo", False),
        ("2026-03-01 10:00:00 ERROR app: $ 5 charged", False),
        ("Error: Request failed with status code 429", False),
        ("    at C:\\app\\index.js:10:5", False),
        ("The answer is $5 for 50% of it", False),
    ],
)
def test_a_shells_prompt(line: str, is_prompt: bool) -> None:
    assert context.prompt(line) is is_prompt


def test_a_sessions_banner_tells_whose_calls_its_bare_errors_are(tmp_path: Path) -> None:
    """Codex prints its provider once, in the banner of its session; its stream errors below name no one: they are
    that session's calls (and another provider's session keeps its own)."""
    banner = [
        "[2025-10-01T15:36:50] OpenAI Codex v0.42.0 (research preview)",
        "--------",
        "workdir: /content",
        "model: gpt-5-codex",
        "provider: {provider}",
        "--------",
        "[2025-10-01T15:36:50] User instructions:",
        "echo Codex auth OK",
    ]
    errors = [
        f"[2025-10-01T15:36:{54 + 4 * n}] stream error: exceeded retry limit, last status: 401 Unauthorized; "
        f"retrying {n + 1}/5 in 208ms…"
        for n in range(3)
    ]
    lines = [line.format(provider="openai") for line in banner] + errors
    analysis = as_typed(tmp_path, lines)
    assert {e.rule for e in analysis.events} == {"openai.generic.401"}
    assert as_typed(tmp_path, [line.format(provider="ollama") for line in banner] + errors).events == []
    assert as_typed(tmp_path, errors).events == []  # no banner: no one's
    # another command run since the session (a shell's prompt), or a line that only names the program: no session's
    prompt = [line.format(provider="openai") for line in banner] + ["dev@box:~/app$ python local_bot.py", *errors]
    assert as_typed(tmp_path, prompt).events == []
    mention = ["Changelog: added support for OpenAI Codex v0.42 sessions", "running integration tests", *errors]
    assert as_typed(tmp_path, mention).events == []
    # a banner far above (another program's log since) tells nothing of the lines below
    filler = [f"[2025-10-01T15:36:52] INFO build step {n} done" for n in range(2000)]
    assert as_typed(tmp_path, [line.format(provider="openai") for line in banner] + filler + errors).events == []


def test_a_sessions_banner_is_found_in_the_lines_before_its_block() -> None:
    """A source read in blocks: the banner may be in the lines framed before the block the failure is in."""
    around = context.Around()
    framed = b"OpenAI Codex v0.63.0 (research preview)\n--------\nprovider: openai\n"
    block = b"ERROR: exceeded retry limit, last status: 401 Unauthorized\n"
    around.before(framed, block)
    record = Record("s", 4, 4, block.decode().rstrip("\n"))
    around.at(block, 0, len(block), record)
    session = around.of(record, context.SESSION)
    assert session.startswith("OpenAI Codex v0.63.0") and "provider: openai" in session
    assert around.of(record, context.OWN) == ""  # (its own lines: none around it)


@pytest.mark.parametrize(
    "request_line",
    [
        # another service's request (a vector store's) just before: no request of this failure's
        'HTTP Request: POST http://localhost:6333/collections/docs/points/search "HTTP/1.1 404 Not Found"',
        # another provider's API with another status than the failure's (a call beside it)
        'HTTP Request: POST https://api.anthropic.com/v1/messages "HTTP/1.1 529 Overloaded"',
    ],
)
def test_a_request_line_of_another_call_does_not_take_a_failure_from_openai(tmp_path: Path, request_line: str) -> None:
    """Only the line of the failure's own request tells whose it was: an API's path, and the status the failure tells
    (its number, or its SDK class's name); a line of another request just before it says nothing of it."""
    for failure in (
        "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o in organization "
        "org-abc on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000.', 'type': 'tokens', 'param': None, "
        "'code': 'rate_limit_exceeded'}}",
        "openai.APIConnectionError: Connection error.",
    ):
        lines = [
            f"2025-12-23 21:48:16,740 INFO httpx: {request_line}",
            f"2025-12-23 21:48:16,744 ERROR app.llm: {failure}",
        ]
        assert [e.line for e in as_typed(tmp_path, lines).events if e.line == 2] == [2], failure


@pytest.mark.parametrize(("host", "events"), [("dashscope.aliyuncs.com/compatible-mode", 0), ("api.openai.com", 1)])
def test_a_failure_with_only_a_weak_mark_is_the_provider_its_request_line_names(
    tmp_path: Path, host: str, events: int
) -> None:
    """In a log of stamped records, httpx's line of the request is the record just before the failure it answered:
    where the failure shows OpenAI only by a name (a logger's `openai_embedder`), that line's URL tells whose it was."""
    lines = [
        f"2025-12-23 21:48:16,740 [INFO] httpx - HTTP Request: POST https://{host}/v1/embeddings "
        '"HTTP/1.1 400 Bad Request"',
        "2025-12-23 21:48:16,744 [ERROR] memmachine.common.embedder.openai_embedder - Giving up creating embeddings "
        "after failed attempt 1 due to non-retryable BadRequestError",
    ]
    analysis = as_typed(tmp_path, lines)
    assert len([e for e in analysis.events if e.line == 2]) == events
    assert bool(analysis.match_stats.excluded) is (events == 0)


def test_openais_own_sentence_flattened_into_a_string_body_stays_openais(tmp_path: Path) -> None:
    """A body whose error is a plain string is another server's (LM Studio's, a relay's), but not where the string
    is OpenAI's own sentence that an app's web layer flattened into it."""
    own = '2026-01-01 10:00:00 ERROR web.api: 429 Too Many Requests: {"error": "Rate limit reached for gpt-4o in '
    own += 'organization org-abc on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000."}'
    assert [e.category.value for e in as_typed(tmp_path, [own]).events if e.category] == ["rate_limit"]
    relay = '■ unexpected status 403 Forbidden: {"error":"Client not allowed","message":"Your client is not '
    relay += 'authorized to use this API key"}, url: https://relay.example/openai/responses'
    analysis = as_typed(tmp_path, [relay])
    assert analysis.events == [] and analysis.match_stats.excluded


@pytest.mark.parametrize(("base", "events"), [("https://api.openai.com", 1), ("http://192.168.1.20:11434", 0)])
def test_an_apps_bracketed_labels_above_a_failure_are_its_context(tmp_path: Path, base: str, events: int) -> None:
    """NextChat's server reports each call it relays in labelled lines (`[Proxy] ...`, `[Base Url] ...`, `[Org ID]
    ...`) and then prints the error bare: the labels do not end the failure's context on the way up, so its base URL
    tells whose call failed; a level in brackets (`[Error]`) or NestJS' `[Nest] <pid>` head still does."""
    lines = [
        "[Auth] use system api key",
        "[Proxy]  v1/chat/completions?path=v1&path=chat&path=completions",
        f"[Base Url] {base}",
        "[Org ID] is not set up.",
        "Error: socket hang up",
        "    at connResetException (node:internal/errors:720:14)",
        "  code: 'ECONNRESET'",
    ]
    assert len(as_typed(tmp_path, lines).events) == events
    assert context._LABEL.match("[Org ID] is not set up.") and not context._LABEL.match("[Error] upstream failed")
    assert not context._LABEL.match("[Nest] 4242  - 03/14/2026, 10:00:01 AM     LOG [OpenAIService] started")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("discord.errors.HTTPException: 401 Unauthorized (error code: 0): 401: Unauthorized", "chat-platform"),
        ("telegram.error.TimedOut: Timed out", "chat-platform"),
        # OpenAI's failure first, then the bot's reply to Discord that failed: OpenAI's
        (
            "openai.APIConnectionError: Connection error.\n\nDuring handling of the above exception, another "
            "exception occurred:\n\ndiscord.errors.HTTPException: 400 Bad Request (error code: 50035)",
            "OpenAI",
        ),
    ],
)
def test_a_chat_platforms_own_errors_are_its_own_unless_an_openai_error_is_in_the_record(
    text: str, expected: str
) -> None:
    found = verdict(text)
    assert found == ("OpenAI" if expected == "OpenAI" else "a chat platform's API (Discord, Telegram, Slack)")


def test_another_services_access_line_before_an_openai_traceback_is_not_openais(tmp_path: Path) -> None:
    """A log whose records start with a file's or a service's name before their time (OpenStack's `nova-api.log.1
    <stamp> <pid> INFO ...`): the next record ends a record's context after it, so a 404 the service logged is not
    read with the OpenAI traceback printed below it (it was an OpenAI 404 before)."""
    head = "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:14:{:02d}.305 25795 INFO nova.metadata.wsgi.server"
    lines = [
        f'{head.format(n)} [-] 10.11.21.143 "GET /openstack/2013-10-17/user_data HTTP/1.1" status: 200'
        for n in range(4)
    ]
    lines[1] = lines[1].replace("status: 200", "status: 404")
    log = tmp_path / "day.log"
    log.write_text(
        "\n".join(
            [
                *lines,
                "openai.AuthenticationError: Error code: 401 - {'error': {'message': "
                "'Incorrect API key provided: sk-abc1****wxyz.', 'type': 'invalid_request_error', 'param': "
                "None, 'code': 'invalid_api_key'}}",
            ]
        )
        + "\n"
    )
    analysis = pipeline.run(pipeline.Options((str(log),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None)
    assert [(e.rule, e.line) for e in analysis.events] == [("openai.auth.invalid_api_key", 5)]


def test_another_services_404_after_a_codex_session_is_not_openais(tmp_path: Path) -> None:
    """A Codex session's banner tells whose failure a bare line under it is; a stamped record of another program's log
    after the session (OpenStack's) is no line of that session."""
    access = (
        "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:14:46.305 25795 INFO nova.metadata.wsgi.server [-] "
        '10.11.21.143 "GET /openstack/2013-10-17/user_data HTTP/1.1" status: 404 len: 176 time: 0.2187860'
    )
    log = tmp_path / "day.log"
    log.write_text(
        "╭──────────────────────────────╮\n│  >_ OpenAI Codex (v0.118.0)  │\n╰──────────────────────────────╯\n"
        "■ unexpected status 404 Not Found: model gpt-9 does not exist\n\n" + f"{access}\n" * 3
    )
    analysis = pipeline.run(pipeline.Options((str(log),), UTC, datetime(2026, 3, 15, tzinfo=UTC)), RULES, None)
    assert [e.line for e in analysis.events] == [4]
