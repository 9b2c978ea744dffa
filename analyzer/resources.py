"""Where the shipped rules and report templates are: inside the installed package, or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = _PACKAGE / name  # the wheel maps the top-level folder into the package
    return inside if inside.is_dir() else _PACKAGE.parent / name  # a source checkout


def rules_dir() -> Path:
    """The folder of the shipped rule files."""
    return _shipped("rules")


def templates_dir() -> Path:
    """The folder of the shipped report templates."""
    return _shipped("report_templates")


def rule_files() -> list[Path]:
    """Every shipped rule file, in a stable order."""
    return sorted(rules_dir().rglob("*.toml"))


def display_name(path: Path) -> str:
    """A rule file's name for messages: relative to the shipped folder, `rules/...`, when shipped."""
    try:
        return "rules/" + path.resolve().relative_to(rules_dir().resolve()).as_posix()
    except ValueError:
        return str(path)
