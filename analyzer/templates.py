"""Templates of log messages: the variable parts (numbers, ids, hashes, quoted values, times) masked as
`<*>`, in the way Drain-style log miners mask them, so that one wording with other values is one template.

    >>> mask("Rate limit reached for gpt-4o in organization org-abc123abc123abc123abc123 on TPM: Limit 30000")
    'Rate limit reached for gpt-4o in organization org-<*> on TPM: Limit <*>'
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import regex

if TYPE_CHECKING:
    from .ruleset import Rule

MASK = "<*>"
MAX_TEMPLATE = 400  # characters of a template kept

# A date and time, and a time of day, as log lines write them (patterns' sources, for `mask` and others).
DATE_TIME = r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?"
TIME_OF_DAY = r"\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b"

# What `mask` replaces, compiled when first used (most runs mask nothing). Order matters: ids before the
# numbers inside them, quoted values before what they hold.
_MASK_SOURCES: tuple[tuple[str, str], ...] = (
    ("(?i)" + DATE_TIME, MASK),
    (TIME_OF_DAY, MASK),
    (r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", MASK),
    (
        r"\b(req_|chatcmpl-|org-|org_|proj_|asst_|thread_|run_|msg_|file-|call_|resp_|batch_|sk-(?:proj-|svcacct-|admin-)?)"
        r"[\w*.-]+",
        r"\1" + MASK,
    ),
    (r"(?i)\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b", MASK),
    (r"(?i)(https?://[^\s'\"?]+)\?[^\s'\")]+", r"\1?" + MASK),
    (r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b", MASK),
    (r"""(?<=[:=]\s?)(['"])(?:(?!\1)[^\s\\]){1,60}\1""", r"\1" + MASK + r"\1"),
    # numbers, but the HTTP status an error names (`Error code: 429`, `status: 503`, `HTTP 404`)
    (r"(?<!(?:[Cc]ode|[Ss]tatus|HTTP|Error)['\"]?[:=]?\s?)(?<![\w<])\d+(?:\.\d+)?(?:ms|s|m|h)?\b", MASK),
    (r"\s+", " "),
)


@functools.cache
def _masks() -> list[tuple[regex.Pattern[str], str]]:
    return [(regex.compile(source), repl) for source, repl in _MASK_SOURCES]


def mask(text: str) -> str:
    """The template of one line of text."""
    for pattern, repl in _masks():
        text = pattern.sub(repl, text, timeout=0.25)
    return text.strip()[:MAX_TEMPLATE]


# a stack frame: Python's, JavaScript's (`at f (`, `at new C (`, `at async f [as g] (`, `at file:line`), a caret line
_FRAME = regex.compile(
    r"^\s*(?:File \"|at (?:(?:new|async) )?[\w$.<>]+(?: \[as [\w$]+\])? ?\(|at [\w$./<>-]+:\d+"
    r"|\^+$|~+$|[│┃|]\s*$|\.\.\.)"
)


def message_line(text: str) -> str:
    """The line of a record that carries its error: the last that is not a stack frame or a marker
    line (a traceback's final exception line; a one-line record's only line), nor a header of an answer's that
    .NET's exceptions list under `Headers:` after the body (Azure.Core's RequestFailedException, System.ClientModel's
    ClientResultException: `Status: 400 (Bad Request)`, `Content:` and the body, `Headers:` and one per line)."""
    lines = []
    headers = False
    for line in text.split("\n"):
        shown = line.strip()
        if shown == "Headers:":
            headers = True
        elif headers and _HEADER.match(shown):
            continue
        else:
            headers = False
            if shown:
                lines.append(line)
    last = next((line for line in reversed(lines) if _message_like(line)), None)
    if last is None:
        return lines[-1].strip() if lines else ""
    if not _DUMPED.match(last) or not any(_OPENS.search(line) for line in lines):
        return last.strip()
    # the end of an object's dump (`}`, `retriesLeft: 6`: Node's error, a JSON body): its message; else the line
    # before the dump began; else its code
    for found in (
        (line for line in reversed(lines) if _MESSAGE_KEY.match(line)),
        (line for line in reversed(lines) if _message_like(line) and not _DUMPED.match(line)),
        (line for line in reversed(lines) if _CODE_KEY.match(line)),
    ):
        told = next(found, None)
        if told is not None:
            return told.strip()
    return last.strip()


def _message_like(line: str) -> bool:
    return not _FRAME.match(line) and not line.startswith(("Traceback (most recent", "During handling", "The above"))


# A line of an object's dump: a bracket alone, or a member, indented or its key quoted (`  status: 429,`, `"code":
# null`, `  retriesLeft: 6`; not a message's own line, `Error: getaddrinfo EAI_AGAIN api.openai.com`, nor an error
# chain's numbered cause, `    1: operation timed out`), where the record opens an object (a line ends in `{` or `[`)
_KEY = r"[A-Za-z_$\[][\w$.\[\]()-]{0,39}"
_DUMPED = regex.compile(
    rf"^(?:[ \t]*[{{}}\[\]()]+[,;]?|[ \t]+['\"]?{_KEY}['\"]?[ \t]*[:=](?!:)(?:[ \t].*)?"
    rf"|['\"]{_KEY}['\"][ \t]*[:=](?!:)(?:[ \t].*)?|[ \t]+\[Symbol\(.*)[ \t]*$"
)
_OPENS = regex.compile(r"[{\[][ \t]*$")
_HEADER = regex.compile(r"[\w-]{1,80}: ")  # a header's line under .NET's `Headers:` (`x-ms-region: eastus`)
# its member that carries the error's words (`message: 'Rate limit reached ...'`, `"message": "..."`), and its code
_MESSAGE_KEY = regex.compile(
    r"^\s*['\"]?(?:message|msg|error_message|errorMessage|detail)['\"]?\s*[:=]\s*['\"]?[^\s{\[]"
)
_CODE_KEY = regex.compile(r"^\s*['\"]?(?:code|type|reason|error)['\"]?\s*[:=]\s*['\"][^'\"]")


# What a log line puts before its message once masked: its time, level and logger (`<*> ERROR app.llm: `).
_PREFIX = regex.compile(
    r"^(?:<\*>[\s,|\]\[-]*)+(?:\[?(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL|error|warn|warning|info)\]?"
    r"(?:\s*[:|-]\s*|\s+)(?:[\w.<>\[\]-]+(?::\s+|\s+-\s+))?)?"
)


def template_of(text: str) -> str:
    """The template of a record's error line, without the time, level and logger it begins with."""
    return _PREFIX.sub("", mask(message_line(text)), count=1) or mask(message_line(text))


# Runs of words, as a keyword may hold them (printable ASCII but quotes and backslashes): a sentence's
# words tell a wording apart better than the punctuation of an error body around them.
_PHRASE = regex.compile(r"[A-Za-z][\w./-]*(?: [\w./-]+)*")


def starter_rule(template: str, example: str, kind: Rule, taken: set[str] | None = None) -> str:
    """A rule file's `[[rule]]` for one template: its literal parts as the pattern (masked parts as
    `.+?`), its longest literal run as the keyword, the example it came from. A start: name it,
    widen or narrow it, and run `logscan rules test`."""
    parts = template.split(MASK)
    pattern = ".+?".join(r"\s+".join(regex.escape(w) for w in part.split(" ")) for part in parts)
    runs = [run for part in parts for run in _PHRASE.findall(part)]
    keyword = max(runs, key=lambda run: (run.count(" "), len(run)), default="")[:60].strip()
    category = kind.category.value if kind.category else "invalid_request"
    slug = regex.sub(r"[^a-z0-9]+", "_", keyword.lower()).strip("_")[:40] or "new_wording"
    rule_id, n = f"custom.{category}.{slug}", 1
    while taken is not None and rule_id in taken:  # one id a rule: a later one would replace an earlier
        n += 1
        rule_id = f"custom.{category}.{slug}_{n}"
    if taken is not None:
        taken.add(rule_id)
    title = " ".join(template.replace(MASK, "…").split())[:70]
    return "\n".join(
        [
            "[[rule]]",
            f'id = "{rule_id}"',
            f"title = {_toml_string(title)}  # what happened, in words for the on-call person",
            f'category = "{category}"',
            f'severity = "{kind.severity.value}"',
            f"retryable = {'true' if kind.retryable else 'false'}",
            f'remediation = "{kind.remediation}"',
            f"# found as {kind.id}: a failure of this kind that no rule named",
            f"keywords = [{_toml_string(keyword)}]",
            f"patterns = ['''{pattern}''']",
            f"examples.match = [{_toml_string(example)}]",
            "",
        ]
    )


_CONTROL = regex.compile(r"[\x00-\x1f\x7f]")


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + _CONTROL.sub(" ", escaped) + '"'
