"""Who answered (`[[provider]]`) and what a failure no rule names is (`[[generic]]`).

A `[[provider]]` table names the marks a record of one backend carries: OpenAI's hosts and SDKs, a
gateway, or another provider that speaks OpenAI's protocol (Groq, a local vLLM). A strong mark
(`strong`: a host, LiteLLM's `OpenAIException`) outweighs any other provider's mark; a weak one
(`markers`: an SDK module, a product name) loses to another provider's.

A `[[generic]]` table is a kind of failure told by its HTTP status, its SDK exception class or a
transport word, or its error code: a record that the `generic = true` rule matches takes the kind
its code names, else its status, else its name, and is reported as rule `<rule id>.<key>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import regex

from ..models import Category, Severity
from .schema import Collector, Key, Locator, check, compile_all, strings, table_at

KINDS = ("openai", "gateway", "other")


@dataclass(frozen=True, slots=True)
class Provider:
    """A backend and the marks its records carry."""

    id: str
    name: str
    kind: str  # openai, gateway or other
    strong: tuple[regex.Pattern[str], ...]
    markers: tuple[regex.Pattern[str], ...]
    examples_match: tuple[str, ...]
    location: str
    hosts: tuple[str, ...] = ()  # strong marks that are plain text (host names, lower case): found without a search
    # a shape, not a provider: an error body that is not OpenAI's (its shape, its codes), a local or private host, a
    # URL that is not OpenAI's. A gateway's own answer has such a body and comes from such a host or URL, so a
    # gateway's rule does not take one for another provider's; and a named provider is told over a shape
    shape: bool = False


@dataclass(frozen=True, slots=True)
class Generic:
    """A kind of failure no specific rule names, and how it is told."""

    key: str
    title: str
    category: Category
    severity: Severity
    retryable: bool
    remediation: str
    statuses: tuple[str, ...]  # "429", or "5xx" for a whole class
    names: tuple[str, ...]  # SDK exception classes and transport words ("ETIMEDOUT", "Connection error.")
    codes: tuple[str, ...]  # error codes and types of the body
    location: str
    over_status: tuple[str, ...] = ()  # names that tell the kind over the statuses below (`over_statuses`)
    over_statuses: tuple[str, ...] = ()  # the statuses those names tell the kind over

    def takes_status(self, status: str) -> bool:
        return status in self.statuses or f"{status[:1]}xx" in self.statuses


PROVIDER_KEYS = {
    "id": Key(str, True),
    "name": Key(str, True),
    "kind": Key(str, True, KINDS),
    "hosts": Key(list),
    "strong": Key(list),
    "markers": Key(list),
    "examples": Key(dict),
    "description": Key(str),
    "source": Key(str),
    "shape": Key(bool),
}
PROVIDER_EXAMPLE_KEYS = {"match": Key(list)}
GENERIC_KEYS = {
    "key": Key(str, True),
    "title": Key(str, True),
    "category": Key(str, True, tuple(c.value for c in Category)),
    "severity": Key(str, True, tuple(s.value for s in Severity)),
    "retryable": Key(bool, True),
    "remediation": Key(str),
    "statuses": Key(list),
    "names": Key(list),
    "codes": Key(list),
    "over_status": Key(list),
    "over_statuses": Key(list),
    "description": Key(str),
}
_STATUS = regex.compile(r"[1-5](?:\d\d|xx)")


def parse_provider(table: dict[str, Any], where: Locator, index: int, found: Collector) -> Provider | None:
    label = f"provider '{table.get('id', index + 1)}'"
    at = table_at(where, "provider", index)
    if not check(table, PROVIDER_KEYS, label, at, found):
        return None
    examples = table.get("examples", {})
    if not check(examples, PROVIDER_EXAMPLE_KEYS, label + " examples", at, found):
        return None
    hosts = tuple(strings(table.get("hosts", []), "hosts", label, at, found))
    for host in hosts:
        if host != host.lower() or not host.strip():
            found.error(at("hosts"), f"{label}: host '{host}' must be in lower case", f"write '{host.lower()}'")
    strong = compile_all(table.get("strong", []), "strong", label, at, found)
    markers = compile_all(table.get("markers", []), "markers", label, at, found)
    if not (hosts or strong or markers):
        found.error(at(""), f"{label}: needs 'hosts', 'strong' or 'markers'")
        return None
    matches = tuple(strings(examples.get("match", []), "examples.match", label, at, found))
    shape = bool(table.get("shape", False))
    return Provider(table["id"], table["name"], table["kind"], strong, markers, matches, at(""), hosts, shape)


def parse_generic(table: dict[str, Any], where: Locator, index: int, found: Collector) -> Generic | None:
    label = f"generic '{table.get('key', index + 1)}'"
    at = table_at(where, "generic", index)
    if not check(table, GENERIC_KEYS, label, at, found):
        return None
    statuses = tuple(strings(table.get("statuses", []), "statuses", label, at, found))
    for status in statuses:
        if not _STATUS.fullmatch(status):
            found.error(at("statuses"), f"{label}: status '{status}' is no HTTP status", "write 429 or 5xx")
    names = tuple(strings(table.get("names", []), "names", label, at, found))
    codes = tuple(strings(table.get("codes", []), "codes", label, at, found))
    over_status = tuple(strings(table.get("over_status", []), "over_status", label, at, found))
    for name in over_status:
        if name not in names:
            found.error(at("over_status"), f"{label}: '{name}' is not one of its names", "add it to 'names'")
    over_statuses = tuple(strings(table.get("over_statuses", []), "over_statuses", label, at, found))
    if bool(over_status) != bool(over_statuses):
        found.error(at("over_status"), f"{label}: 'over_status' and 'over_statuses' go together", "give both")
    if not (statuses or names or codes):
        found.error(at(""), f"{label}: needs 'statuses', 'names' or 'codes'")
        return None
    return Generic(
        table["key"],
        table["title"],
        Category(table["category"]),
        Severity(table["severity"]),
        table["retryable"],
        table.get("remediation", ""),
        statuses,
        names,
        codes,
        at(""),
        over_status,
        over_statuses,
    )


_NO_ANSWER = (Category.CONNECTION, Category.TIMEOUT)  # kinds of a call that got no answer

# HTTP's status codes by their names written as one word, as .NET's HttpStatusCode prints them (`HTTP status
# code: BadRequest`): the IANA registry Python's http.HTTPStatus holds (RFC 9110), not a list of our own
_STATUS_NAMES = {s.name.replace("_", "").lower(): str(s.value) for s in HTTPStatus}


def status_number(name: str) -> str:
    """The status a name of it stands for (`BadRequest`, `TooManyRequests`: "400", "429"); "" for none."""
    return _STATUS_NAMES.get(name.replace("_", "").replace(" ", "").lower(), "")


@dataclass(frozen=True, slots=True)
class Classifier:
    """A generic failure's kind, from the fields its record gave (status, name, code and type)."""

    kinds: tuple[Generic, ...]

    def kind(self, fields: Mapping[str, str]) -> Generic | None:
        """The kind its code names, else the kind of a name that tells it over the record's status (a browser's
        CORS block over the 404 of a preflight the API did not answer), else its status's, else its name's, else its
        type's; None when none does. (A body's type is the vaguest: OpenAI's 401s and 404s have type
        invalid_request_error.) A record whose body's type is an answer's (invalid_request_error) takes no transport
        kind from a name:
        .NET's HttpRequestException, for one, is also what EnsureSuccessStatusCode throws for any status."""
        code, status = fields.get("code", ""), fields.get("status", "")
        name, kind = fields.get("name", ""), fields.get("type", "")
        if not status and len(code) == 3 and code.isdigit() and code[0] in "12345":
            status = code  # a body whose code is its status (Azure's `"code": "404"`, a LiteLLM proxy's envelope)
        by_code = self._first(lambda k: code in k.codes) if code else None
        if by_code is None and status[:1] == "5" and kind:
            # A server error's status around a client error's body is a wrapper's (an app's or a proxy's own
            # 500 relaying OpenAI's 400 on one line): OpenAI's 5xx bodies are of type server_error.
            inner = self._first(lambda k: kind in k.names or kind in k.codes)
            if inner is not None and inner.statuses and all(s[:1] == "4" for s in inner.statuses):
                return inner

        def named(k: Generic) -> bool:
            return name in k.names and not (k.category in _NO_ANSWER and kind != "" and self._answer(kind))

        return (
            by_code
            or (self._first(lambda k: name in k.over_status and status in k.over_statuses) if name else None)
            or (self._by_status(status) if status else None)
            or (self._first(named) if name else None)
            or (self._first(lambda k: kind in k.codes or kind in k.names) if kind else None)
        )

    def _answer(self, kind: str) -> bool:
        """Whether a body's type is one an answer has (a kind that is no transport failure names it)."""
        return self._first(lambda k: k.category not in _NO_ANSWER and kind in k.names) is not None

    def _by_status(self, status: str) -> Generic | None:
        """The kind that lists the status, else the first whose range takes it."""
        return self._first(lambda k: status in k.statuses) or self._first(lambda k: k.takes_status(status))

    def _first(self, test: Callable[[Generic], bool]) -> Generic | None:
        return next((k for k in self.kinds if test(k)), None)
