"""Redaction: keys keep their prefix and last four characters; tokens, e-mails and card numbers go whole."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from analyzer import redaction
from analyzer.redaction import REDACTED, identity, luhn_valid, redact, redact_fields

BODY = "T3BlbkFJa1b2C3d4E5f6G7h8I9j0K_L-mNoPqRsTuV"  # 42 key characters, "_" and "-" included


@pytest.mark.parametrize("prefix", ["sk-", "sk-proj-", "sk-svcacct-", "sk-admin-"])
def test_openai_key_keeps_prefix_and_last_four(prefix: str) -> None:
    key = f"{prefix}{BODY}Xq4Z"
    assert (
        redact(f"openai.AuthenticationError: bad key {key}.") == f"openai.AuthenticationError: bad key {prefix}***Xq4Z."
    )


def test_two_keys_stay_told_apart() -> None:
    out = redact(f"old=sk-proj-{BODY}AAAA new=sk-proj-{BODY}BBBB")
    assert out == "old=sk-proj-***AAAA new=sk-proj-***BBBB"


def test_already_masked_key_is_left_readable() -> None:
    text = "Incorrect API key provided: sk-proj-********************Xq4Z. You can find your API key at ..."
    assert redact(text) == text


def test_key_ending_in_an_underscore_or_dash_is_still_a_key() -> None:
    assert redact(f"key=sk-proj-{BODY}Xq4_ end") == "key=sk-proj-***Xq4_ end"
    assert redact(f"key=sk-{BODY}-Xq4 end") == "key=sk-***-Xq4 end"


def test_legacy_session_key() -> None:
    assert redact(f"sess-{BODY}Xq4Z") == "sess-***Xq4Z"


def test_short_sk_words_are_not_keys() -> None:
    text = "task sk-learn sk-1234 risk-free"
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", f"Authorization: Bearer {REDACTED}"),
        ("headers={'Authorization': 'Bearer abcdefgh12345678'}", f"headers={{'Authorization': 'Bearer {REDACTED}'}}"),
        ("authorization=Zm9vYmFyYmF6cXV4", f"authorization={REDACTED}"),
        ('"Authorization": "tok_1234567890abcdef"', f'"Authorization": "{REDACTED}"'),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", f"Authorization: Basic {REDACTED}"),
        ("Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==", f"Proxy-Authorization: Basic {REDACTED}"),
        ("Authorization: abcdefghij rejected upstream", f"Authorization: {REDACTED} rejected upstream"),
    ],
)
def test_bearer_tokens_and_authorization_headers(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_authorization_as_a_word_is_left_alone() -> None:
    text = "authorization failed for user 4411: token expired"
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("api-key: 0123456789abcdef0123456789abcdef", f"api-key: {REDACTED}"),
        ('{"api-key": "0123456789abcdef0123456789abcdef"}', f'{{"api-key": "{REDACTED}"}}'),
        ("AZURE_OPENAI_API_KEY=0123456789abcdef", f"AZURE_OPENAI_API_KEY={REDACTED}"),
        ("Ocp-Apim-Subscription-Key: 0123456789abcdef", f"Ocp-Apim-Subscription-Key: {REDACTED}"),
        ('{\\"api-key\\": \\"0123456789abcdef\\"}', f'{{\\"api-key\\": \\"{REDACTED}\\"}}'),
        ('\\"Authorization\\":\\"Basic dXNlcjpwYXNz\\"', f'\\"Authorization\\":\\"Basic {REDACTED}\\"'),
    ],
)
def test_azure_api_key_values(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_emails() -> None:
    assert redact("mail bob.smith+tag@example.co.uk, alice@x.io now") == "mail [EMAIL], [EMAIL] now"


# Well-known test card numbers (Luhn-valid); changing the last digit makes them Luhn-invalid.
CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "4242424242424242"]


def spaced(digits: str, sep: str) -> str:
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


@pytest.mark.parametrize("card", CARDS)
@pytest.mark.parametrize("sep", ["", " ", "-"])
def test_luhn_valid_card_numbers_are_replaced(card: str, sep: str) -> None:
    assert redact(f"charge failed card={spaced(card, sep)} declined") == "charge failed card=[CARD] declined"


@pytest.mark.parametrize("card", CARDS)
def test_luhn_invalid_digit_runs_are_kept(card: str) -> None:
    order = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert not luhn_valid(order)
    text = f"order {order} shipped; order {spaced(order, ' ')} too"
    assert redact(text) == text


def test_short_and_long_digit_runs_are_not_cards() -> None:
    text = "request 411111111111 took 12ms; trace 41111111111111111111111 (23 digits)"
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4242 4242 4242 4242 12/29", "card [CARD] 12/29"),
        ("qty 2 4111 1111 1111 1111", "qty 2 [CARD]"),
        ("card 4111-1111-1111-1111-07 declined", "card [CARD]-07 declined"),
        ("ids 1234 5678 4242 4242 4242 4242 9", "ids 1234 [CARD] 9"),  # 5678 4242 4242 4242 is Luhn-valid too
    ],
)
def test_card_next_to_other_digits_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_list_of_small_numbers_is_not_a_card() -> None:
    text = "retries 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"
    assert redact(text) == text


def test_luhn_valid() -> None:
    assert all(luhn_valid(card) for card in CARDS)
    assert not luhn_valid("4111111111111112")


def test_redact_fields_redacts_every_value_and_no_key() -> None:
    fields = {"user.email": "bob@example.com", "auth": "Bearer abcdefgh12345678", "status": "429"}
    assert redact_fields(fields) == {"user.email": "[EMAIL]", "auth": f"Bearer {REDACTED}", "status": "429"}
    assert identity("bob@example.com") == "bob@example.com"


# --- properties ----------------------------------------------------------------------------------

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def with_check_digit(payload: str) -> str:
    """`payload` and the digit that makes it Luhn-valid (the oracle is the definition, not luhn_valid)."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return payload + str(-total % 10)


# (the whole secret as written, the part that must not survive)
_KEY = st.builds(
    lambda prefix, body, tail: (f"{prefix}{body}{tail}", body),
    st.sampled_from(["sk-", "sk-proj-", "sk-svcacct-", "sk-admin-"]),
    st.text(_ALNUM + "_-", min_size=16, max_size=60),
    st.text(_ALNUM, min_size=4, max_size=4),
)
_TOKEN = st.text(_ALNUM + "._~+/=-", min_size=8, max_size=40).filter(lambda t: t[0].isalnum())
_BEARER = _TOKEN.map(lambda t: (f"Bearer {t}", t))
_AUTH = (
    st.tuples(st.sampled_from(["Authorization: ", "authorization=", "Proxy-Authorization: "]), _TOKEN)
    .filter(lambda pair: not pair[1].lower().startswith("bearer"))
    .map(lambda pair: (pair[0] + pair[1], pair[1]))
)
_API_KEY = st.builds(
    lambda name, value: (f"{name}: {value}", value),
    st.sampled_from(["api-key", "api_key", "x-api-key"]),
    st.text("0123456789abcdef", min_size=16, max_size=32),
)
_EMAIL = st.builds(
    lambda local, domain, tld: (f"{local}@{domain}.{tld}",) * 2,
    st.text(_ALNUM + "._+", min_size=1, max_size=12).filter(lambda s: s[0].isalnum() and s[-1].isalnum()),
    st.text(_ALNUM, min_size=1, max_size=10),
    st.sampled_from(["com", "io", "co.jp"]),
)
_CARD = st.builds(
    lambda payload, sep: (spaced(with_check_digit(payload), sep), with_check_digit(payload)),
    st.text("0123456789", min_size=12, max_size=18),
    st.sampled_from(["", " ", "-"]),
)
SECRET = st.one_of(_KEY, _BEARER, _AUTH, _API_KEY, _EMAIL, _CARD)
# Ordinary log text: no '@', no key-like words, no digit at either end (see the xfail above).
FILLER = st.sampled_from(
    [
        "completion failed",
        "status=429 ok",
        "model=gpt-4o",
        "retry in 2s",
        "サーバー",
        "order #12 sent",
        "HTTP 401 Unauthorized",
        "",
    ]
)
# A header value runs to a space, quote, comma or "}", so each separator has one of them.
SEPARATOR = st.sampled_from([" ", ", ", "\n", "\t", " (", ") ", "='", "' ", '"', " [", "] ", "}"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(FILLER, SEPARATOR, SECRET, SEPARATOR), max_size=5))
@example([("Authorization: Basic", " ", ("dXNlcjpwYXNzd29yZA==",) * 2, " ")])
def test_redaction_removes_every_secret_and_is_idempotent(parts: list[tuple[str, str, tuple[str, str], str]]) -> None:
    text = "".join(filler + before + written + after for filler, before, (written, _), after in parts)
    fillers = "".join(filler for filler, _, _, _ in parts)
    labels = "\0".join(written.replace(hidden, "\0") for _, _, (written, hidden), _ in parts)  # "Bearer ", ...
    for _, _, (_, hidden), _ in parts:
        assume(hidden not in fillers and hidden not in labels)  # a token "authoriz" is in "authorization="
    once = redact(text)
    assert redact(once) == once
    for _, _, (written, hidden), _ in parts:
        assert hidden not in once, written


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_redact_is_idempotent_on_any_text(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


SECRETISH = st.lists(
    st.sampled_from(
        [
            "sk-",
            "proj-",
            "sess-",
            "Bearer ",
            "bEaReR\t",
            "Authorization: ",
            "api_key=",
            "X-API-KEY:",
            "ocp-apim",
            "@",
            "a@b.co",
            "4242",
            " ",
            "-",
            "4",
            "1",
            '\\"',
            "'",
            "abcdefghijklmnopqrstuvwxyz",
            "ABCD1234",
            "é",
            "\u212a",  # KELVIN SIGN: matches k case-insensitively
            "\u0130",  # I WITH DOT ABOVE
            "\u0664",  # ARABIC-INDIC DIGIT FOUR: a digit to \\d
        ]
    ),
    max_size=20,
).map("".join)


@settings(max_examples=500)
@given(SECRETISH)
def test_the_quick_check_never_skips_a_redaction(text: str) -> None:
    every_step = text
    for pattern, replacement in redaction._STEPS:
        every_step = pattern.sub(replacement, every_step)
    assert redaction.redact_written(text) == every_step
    assert redaction.maybe_secret(text) == (redaction._MAYBE.search(text) is not None)


@pytest.mark.parametrize(
    "text",
    [
        "card 4242 4242  4242 4242 ok",  # a double space ends a run: 8 and 8 digits
        "card 4242-4242- 4242 4242 ok",
        "n=1234-5678-9012-3 ok",  # 13 digits, single separators
        "2026-03-14 09:00:00,000 id 1234567890123",
        "ts 2026-03-14 09:00:00 then 12 34 56 78 90 12 3",
        "-" * 30 + "1" * 12 + " " + "-",
    ],
)
def test_the_quick_check_on_runs_of_digits(text: str) -> None:
    assert redaction.maybe_secret(text) == (redaction._MAYBE.search(text) is not None)
