"""The rule pack against the catalogue: every signature row of docs/openai-errors.md §1a-§1f, the SDKs'
missing-key texts and the Azure wordings of §2.6 are covered by a rule that classifies a verbatim
example of it, and the look-alikes of §2.9 give no event at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzer import ruleset
from analyzer.models import Category
from analyzer.rulecheck import Examples

Classifier = Callable[[str], str | None]
CATALOGUE = Path(__file__).resolve().parents[1] / "docs" / "openai-errors.md"

QUOTA_Q1 = (
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check "
    "your plan and billing details. For more information on this error, read the docs: "
    "https://platform.openai.com/docs/guides/error-codes/api-errors.', 'type': 'insufficient_quota', 'param': None, "
    "'code': 'insufficient_quota'}}"
)
SDK_V0_NO_KEY = (
    "No API key provided. You can set your API key in code using 'openai.api_key = <API-KEY>', or you can set the "
    "environment variable OPENAI_API_KEY=<API-KEY>). If your API key is stored in a file, you can point the openai "
    "module at it with 'openai.api_key_path = <PATH>'. You can generate API keys in the OpenAI web interface. See "
    "https://platform.openai.com/account/api-keys for details."
)
ORG = "org-9fQmZ3xLwq8TnB2Kc7Vd1RyE"
VERIFY = (
    "Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization. "
    "If you just verified, it can take up to 15 minutes for access to propagate."
)
AZURE_LIMIT = (
    "Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."
)

# Catalogue row id -> (the rule that covers it, one verbatim example among that rule's examples.match).
CATALOGUE_ROWS: dict[str, tuple[str, str]] = {
    # §1a keys, organisation, project, account
    "A1": (
        "openai.auth.invalid_api_key",
        "Incorrect API key provided: undefined. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    "A2": (
        "openai.auth.missing_api_key",
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth "
        "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the "
        "API from your browser and are prompted for a username and password. You can obtain an API key from "
        "https://platform.openai.com/account/api-keys.",
    ),
    "A3": (
        "openai.auth.no_organization",
        "You must be a member of an organization to use the API. Please contact us through our help center "
        "at help.openai.com.",
    ),
    "A4": ("openai.auth.mismatched_organization", "OpenAI-Organization header should match organization for API key"),
    "A5": ("openai.auth.mismatched_project", "OpenAI-Project header should match project for API key"),
    "A6": ("openai.auth.no_such_organization", f"No such organization: {ORG}."),
    "A7": (
        "openai.auth.account_deactivated",
        "This key is associated with a deactivated account. If you feel this is an error, contact us through our help "
        "center at help.openai.com.",
    ),
    "A8": (
        "openai.auth.account_deactivated",
        "The OpenAI account associated with this API key has been deactivated. If you are the "
        "developer for this OpenAI "
        "app, please check your email for more information. If you are seeing this error while using another app or "
        "site, please reach out to them for more help.",
    ),
    "A9": (
        "openai.auth.access_terminated",
        "Your access was terminated due to violation of our policies, please check your email for more information. If "
        "you believe this is in error and would like to appeal, please contact support@openai.com.",
    ),
    # §1a SDK-side missing key: openai-python v1 and v0, openai-node v4 and v5
    "SDK1": (
        "openai.auth.sdk_missing_key",
        "openai.OpenAIError: The api_key client option must be set either by passing api_key to the client or by "
        "setting the OPENAI_API_KEY environment variable",
    ),
    "SDK2": ("openai.auth.sdk_missing_key", SDK_V0_NO_KEY),
    "SDK3": (
        "openai.auth.sdk_missing_key",
        "OpenAIError: The OPENAI_API_KEY environment variable is missing or empty; either provide it, or instantiate "
        "the OpenAI client with an apiKey option, like new OpenAI({ apiKey: 'My API Key' }).",
    ),
    "SDK4": (
        "openai.auth.sdk_missing_key",
        "OpenAIError: Missing credentials. Please pass an `apiKey`, or set the `OPENAI_API_KEY` environment variable.",
    ),
    # §1b quota and billing
    "Q1": ("openai.quota.insufficient_quota", QUOTA_Q1),
    "Q2": (
        "openai.quota.credit_balance_exhausted",
        "429: You have no credits remaining. Add credits to continue using the API at "
        "https://platform.openai.com/settings/organization/billing/.",
    ),
    "Q3": (
        "openai.quota.spend_limit",
        "openai.RateLimitError: Error code: 429 - {'error': {'message': '', 'type': 'insufficient_quota', "
        "'param': None, 'code': 'project_spend_limit_exceeded'}}",
    ),
    "Q4": (
        "openai.quota.billing_not_active",
        "Your account is not active, please check your billing details on our website.",
    ),
    "Q5": ("openai.quota.billing_hard_limit", "Billing hard limit has been reached."),
    "Q6": (
        "openai.rate_limit.unpaid_account",
        "... Please add a payment method to your account to increase your rate limit. Visit "
        "https://platform.openai.com/account/billing to add a payment method.",
    ),
    # §1c rate limits
    "R1": (
        "openai.rate_limit.reached",
        f"429 Rate limit reached for gpt-4.1 in organization {ORG} on tokens per min (TPM): Limit 30000, Used 29120, "
        "Requested 2310. Please try again in 644ms. Visit https://platform.openai.com/account/rate-limits to "
        "learn more.",
    ),
    "R2": (
        "openai.rate_limit.reached",
        f"Rate limit reached for gpt-4o-mini in organization {ORG} on requests per min (RPM): Limit 3, Used 3, "
        "Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.",
    ),
    "R3": (
        "openai.rate_limit.reached",
        f"Rate limit reached for gpt-5.4-mini in organization {ORG} on requests per day (RPD): Limit 50, Used 50, "
        "Requested 1. Please try again in 28m48s. Visit https://platform.openai.com/account/rate-limits to learn more.",
    ),
    "R4": (
        "openai.rate_limit.reached",
        f"Rate limit reached for gpt-4o-mini in organization {ORG} on tokens per day (TPD): Limit "
        "2000000, Used 1999000, "
        "Requested 1500. Please try again in 7m12s. Visit https://platform.openai.com/account/rate-limits to "
        "learn more.",
    ),
    "R5": (
        "openai.rate_limit.request_too_large",
        f"Request too large for gpt-4o in organization {ORG} on tokens per min (TPM): Limit 30000, Requested 36055. "
        "The input or output tokens must be reduced in order to run successfully. Visit "
        "https://platform.openai.com/account/rate-limits to learn more.",
    ),
    "R6": (
        "openai.rate_limit.reached",
        "Rate limit reached for 10KTPM-200RPM in organization org-abc123DEF456 on tokens per min. Limit: 10000 / min. "
        "Please try again in 6ms.",
    ),
    "R7": (
        "openai.rate_limit.slow_down",
        "openai.RateLimitError: Error code: 429 - {'error': {'message': '', 'type': 'rate_limit_error', 'param': None, "
        "'code': 'slow_down'}}",
    ),
    # §1d model and request errors
    "M1": ("openai.model.not_found", "The model `gpt-4o` does not exist or you do not have access to it."),
    "M2": (
        "openai.model.deprecated",
        "The model `text-davinci-003` has been deprecated, learn more here: "
        "https://platform.openai.com/docs/deprecations",
    ),
    "M3": (
        "openai.request.context_length",
        "openai.BadRequestError: Error code: 400 - {'error': {'message': \"This model's maximum context length is "
        '128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.", '
        "'type': 'invalid_request_error', 'param': 'messages', 'code': 'context_length_exceeded'}}",
    ),
    "M4": (
        "openai.request.context_length",
        "This model's maximum context length is 4097 tokens. However, you requested 4530 tokens (3530 in the messages, "
        "1000 in the completion). Please reduce the length of the messages or completion.",
    ),
    "M5": (
        "openai.request.context_length",
        "Your input exceeds the context window of this model. Please adjust your input and try again.",
    ),
    "M6": (
        "openai.model.org_verification",
        f"Your organization must be verified to use the model `gpt-image-1`. {VERIFY}",
    ),
    "M7": ("openai.model.org_verification", f"Your organization must be verified to stream this model. {VERIFY}"),
    "M8": (
        "openai.model.org_verification",
        f"Your organization must be verified to generate reasoning summaries. {VERIFY}",
    ),
    # §1e server, overload, gateway, timeout, connection
    "S1": (
        "openai.server.error",
        "The server had an error processing your request. Sorry about that! You can retry your request, or contact us "
        "through our help center at help.openai.com if you keep seeing this error. (Please include the request ID "
        "7d3f0c9a2b1e4d5f8a6b9c0d1e2f3a4b in your email.)",
    ),
    "S2": ("openai.server.error", "The server had an error while processing your request. Sorry about that!"),
    "S3": (
        "openai.server.overloaded",
        "That model is currently overloaded with other requests. You can retry your request, or contact us through our "
        "help center at help.openai.com if the error persists.",
    ),
    "S4": (
        "openai.server.overloaded",
        "The server is currently overloaded with other requests. Sorry about that! You can retry your request, or "
        "contact us through our help center at help.openai.com if the error persists.",
    ),
    # (Moonshot's API says it too: OpenAI's with a mark of OpenAI's, here its host)
    "S5": (
        "openai.server.engine_overloaded",
        "The engine is currently overloaded. Please try again later. (POST https://api.openai.com/v1/completions)",
    ),
    "S6": ("openai.server.overloaded", "Our servers are currently overloaded. Please try again later."),
    "S7": (
        "openai.server.bad_gateway",
        '{"error":{"code":502,"message":"Bad gateway.","param":null,"type":"cf_bad_gateway"}}',
    ),
    "S8": (
        "openai.server.overloaded",
        "openai.error.ServiceUnavailableError: The server is overloaded or not ready yet.",
    ),
    "S9": (
        "openai.timeout.request_timed_out",
        "openai.error.Timeout: Request timed out: HTTPSConnectionPool(host='api.openai.com', "
        "port=443): Read timed out. "
        "(read timeout=600)",
    ),
    "S10": ("openai.connection.error", "openai.APIConnectionError: Connection error."),
    # §1f content policy, region
    "P1": (
        "openai.content_filter.safety_system",
        "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed "
        "by our safety system.",
    ),
    "P2": ("openai.content_filter.blocked", "This request has been blocked by our content filters."),
    "P3": (
        "openai.content_filter.finish_reason",
        "openai.ContentFilterFinishReasonError: Could not parse response content as the request was rejected by the "
        "content filter",
    ),
    "P4": (
        "openai.permission.region_not_supported",
        "openai.PermissionDeniedError: Error code: 403 - {'error': {'code': 'unsupported_country_region_territory', "
        "'message': 'Country, region, or territory not supported', 'param': None, 'type': 'request_forbidden'}}",
    ),
    # §2.6 Azure OpenAI, in the table's order
    "AZ1": (
        "openai.rate_limit.azure",
        "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version "
        "2024-02-01 have exceeded token "
        f"rate limit of your current OpenAI S0 pricing tier. Please retry after 7 seconds. {AZURE_LIMIT}",
    ),
    "AZ2": (
        "openai.rate_limit.azure",
        "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-08-01-preview have "
        "exceeded token rate limit of your current AIServices S0 pricing tier. Please retry after 86400 seconds. "
        "Please contact Azure support service if you would like to further increase the default rate limit.",
    ),
    "AZ3": (
        "openai.rate_limit.azure",
        "Requests to the Embeddings_Create Operation under Azure OpenAI API version 2023-07-01-preview have exceeded "
        f"call rate limit of your current OpenAI S0 pricing tier. Please retry after 3 seconds. {AZURE_LIMIT}",
    ),
    "AZ4": (
        "openai.rate_limit.azure",
        "Requests to the Creates a completion for the chat message Operation under Azure OpenAI API version "
        "2023-03-15-preview have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after "
        f"3 seconds. {AZURE_LIMIT}",
    ),
    "AZ5": (
        "openai.rate_limit.azure",
        "Your requests to gpt-4o for gpt-4o-prod in eastus2 have exceeded the token rate limit for your current "
        "AIServices S0 pricing tier. This request was for ChatCompletions_Create under Azure OpenAI API version "
        "2025-03-01-preview. Please retry after 60 seconds. To increase your default rate limit, visit: "
        "https://aka.ms/oai/quotaincrease.",
    ),
    "AZ6": ("openai.rate_limit.azure", "Rate limit is exceeded. Try again in 12 seconds."),
    "AZ7": (
        "openai.server.azure_high_demand",
        "The system is currently experiencing high demand and cannot process your request. Your request exceeds the "
        "maximum usage size allowed during peak load. Please retry after 20 seconds. …",
    ),
    "AZ8": (
        "openai.content_filter.azure",
        "The response was filtered due to the prompt triggering Azure OpenAI's content management "
        "policy. Please modify "
        "your prompt and retry. To learn more about our content filtering policies please read our documentation: "
        "https://go.microsoft.com/fwlink/?linkid=2198766",
    ),
    "AZ9": (  # Azure's other AI services say it too: the rule needs a mark of OpenAI's (here openai-python's class)
        "openai.auth.azure_subscription_key",
        "openai.AuthenticationError: Error code: 401 - {'error': {'code': '401', 'message': 'Access denied due to "
        "invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription "
        "and use a correct regional API endpoint for your resource.'}}",
    ),
    "AZ10": (
        "openai.server.azure_invalid_content",
        "The model produced invalid content. Consider modifying your prompt if you are seeing this error "
        "persistently. …",
    ),
}

# §2.9: other providers' messages that must give no event at all.
LOOK_ALIKES = [
    "Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01hx` service tier `on_demand` on "
    "tokens per day (TPD): Limit 100000, Used 99900, Requested 787. Please try again in 9m53.568s. Need more tokens? "
    "Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
    "429 RESOURCE_EXHAUSTED. {'error': {'code': 429, 'message': 'You exceeded your current quota, please check your "
    "plan and billing details. For more information on this error, head to: "
    "https://ai.google.dev/gemini-api/docs/rate-limits.'}}",
    "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model reque…",
    "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade "
    "or purchase credits.",
    "openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided. ', 'type': "
    "'invalid_request_error', 'request_id': '5f3c2a5e-1b2c-4d5e-8f90-123456789abc'}}",
]


@pytest.fixture(scope="module")
def rules() -> ruleset.RuleSet:
    return ruleset.load()


@pytest.fixture(scope="module")
def classifier(rules: ruleset.RuleSet) -> Classifier:
    """The rule id a one-record text is matched by, through the same stages as `logscan rules test`."""
    return Examples(rules)


@pytest.mark.parametrize("row", sorted(CATALOGUE_ROWS), ids=str)
def test_row_is_covered_by_its_rule(row: str, rules: ruleset.RuleSet, classifier: Classifier) -> None:
    rule_id, example = CATALOGUE_ROWS[row]
    rule = rules.rule(rule_id)
    assert rule is not None, f"{row}: no rule {rule_id}"
    assert example in rule.examples_match, f"{row}: the example is not among {rule_id}'s examples.match"
    assert classifier(example) == rule_id


def catalogue_row_ids() -> set[str]:
    """The row ids (`| A1 |`) of the catalogue's section 1 (§1a to §1f)."""
    text = CATALOGUE.read_text(encoding="utf-8")
    section = text[text.index("\n## 1.") : text.index("\n## 2.")]
    return set(re.findall(r"^\| ([A-Z]\d+) \|", section, re.M))


def test_every_catalogue_row_is_in_the_table() -> None:
    found = catalogue_row_ids()
    assert len(found) >= 44  # A1-A9, Q1-Q6, R1-R7, M1-M8, S1-S10, P1-P4
    assert sorted(found - CATALOGUE_ROWS.keys()) == []


@pytest.mark.parametrize("text", LOOK_ALIKES, ids=lambda t: t[:40])
def test_look_alikes_give_no_event(text: str, classifier: Classifier) -> None:
    assert classifier(text) is None


def test_look_alikes_are_no_match_examples(rules: ruleset.RuleSet) -> None:
    no_match = {example for rule in rules.rules for example in rule.examples_no_match}
    assert [t for t in LOOK_ALIKES if t not in no_match] == []


def test_every_category_has_a_rule(rules: ruleset.RuleSet) -> None:
    covered = {rule.category for rule in rules.rules}
    assert [c.value for c in Category if c not in covered] == []


# Lines of the catalogue's section 2 code blocks that are not error signatures: response headers,
# and a second retry notice identical in form to the first.
NOT_SIGNATURES = ("x-ratelimit-", "INFO:openai._base_client:Retrying request to /chat/completions in 0.836628")


def test_every_logged_line_quoted_in_section_2_is_an_example() -> None:
    text = CATALOGUE.read_text()
    section = text[text.index("## 2. How SDKs") : text.index("## 3. Billing")]
    examples = [x for r in ruleset.load().rules for x in (*r.examples_match, *r.examples_no_match)]
    quoted = [
        line.strip()
        for block in re.findall(r"```\n(.*?)```", section, re.S)
        for line in block.splitlines()
        if line.strip() and not line.startswith(("#", "  ", "Traceback"))
    ]
    assert len(quoted) > 10
    missing = [q for q in quoted if not q.startswith(NOT_SIGNATURES) and not any(q in e for e in examples)]
    assert missing == []
