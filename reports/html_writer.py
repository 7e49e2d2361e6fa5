"""Render a report dict (the content of report.json) as one self-contained HTML page.

The page is meant for auditors: inline CSS, no external assets, printable, and
deterministic for identical input (no clock, no random ids). Every key the
template reads must be present in the report: StrictUndefined turns schema drift
into an error instead of a silently blank cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "report.html.j2"

#: How many records (per finding) and rejected rows (in total) the page lists.
MAX_ROWS = 200

GRADE_ORDER: tuple[str, ...] = ("major", "minor", "observation", "ofi")
STATUS_ORDER: tuple[str, ...] = ("pass", "fail", "evidence_insufficient", "not_applicable", "not_evaluated", "waived")
VERDICT_ORDER: tuple[str, ...] = (
    "conforming",
    "nonconforming_major",
    "nonconforming_minor",
    "observation",
    "ofi",
    "evidence_insufficient",
    "not_applicable",
    "not_evaluated",
    "waived",
)

LABELS: dict[str, str] = {
    "major": "Major",
    "minor": "Minor",
    "observation": "Observation",
    "ofi": "OFI",
    "pass": "Pass",
    "fail": "Fail",
    "evidence_insufficient": "Evidence insufficient",
    "not_applicable": "Not applicable",
    "conforming": "Conforming",
    "nonconforming_major": "Nonconforming (major)",
    "nonconforming_minor": "Nonconforming (minor)",
    "not_evaluated": "Not evaluated",
    "waived": "Waived",
}

_CLASS_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def percent(value: float | int | None, decimals: int = 1) -> str:
    """0.125 -> '12.5%'; None -> an em dash."""
    if value is None:
        return "\u2014"
    return f"{float(value) * 100:.{decimals}f}%"


def number(value: float | int | None) -> str:
    """A count or plain number without noise: 3 -> '3', 3.0 -> '3', 2.5 -> '2.5'."""
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return f"{value:g}"
    return str(value)


def measure_value(value: float | int | None, measure: str) -> str:
    """Format a measured value or threshold: rates as percentages, counts as numbers."""
    return percent(value) if measure == "rate" else number(value)


def css_slug(value: object) -> str:
    """A value reduced to characters safe in a CSS class name; None -> 'none'."""
    if value is None:
        return "none"
    return _CLASS_UNSAFE.sub("-", str(value).lower()).strip("-") or "unknown"


def badge_class(value: str | None) -> str:
    """CSS classes for a grade, status or verdict badge, e.g. 'badge badge-major'."""
    return f"badge badge-{css_slug(value)}"


def label(value: str | None) -> str:
    """Human label for a grade, status or verdict code."""
    if value is None:
        return "\u2014"
    return LABELS.get(value, str(value).replace("_", " ").capitalize())


def clause_depth(clause_id: str) -> int:
    """'8' -> 0, '8.6' -> 1, '8.6.1' -> 2."""
    return str(clause_id).count(".")


def in_order(mapping: Mapping[str, Any], order: Sequence[str]) -> list[tuple[str, Any]]:
    """Items of mapping with the keys in order first, then any other keys sorted."""
    known = [(key, mapping[key]) for key in order if key in mapping]
    extra = sorted((key, value) for key, value in mapping.items() if key not in order)
    return known + extra


def all_rejections(files: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Rejected rows of every evidence file, in file order."""
    return [rejection for entry in files for rejection in entry["rejections"]]


def integration_svg(integration: Mapping[str, Any], view: str) -> Markup:
    """The process-interface graph drawn as inline SVG (built from report data and escaped there)."""
    from reports.integration_graph import svg

    return Markup(svg(dict(integration), view))


def make_environment(template_dir: Path = TEMPLATE_DIR) -> Environment:
    """The jinja2 environment used for the HTML report (autoescape on for .html and .j2)."""
    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "j2"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        percent=percent,
        number=number,
        measure_value=measure_value,
        css_slug=css_slug,
        badge_class=badge_class,
        label=label,
        clause_depth=clause_depth,
        in_order=in_order,
        all_rejections=all_rejections,
        integration_svg=integration_svg,
    )
    env.globals.update(
        MAX_ROWS=MAX_ROWS,
        GRADE_ORDER=GRADE_ORDER,
        STATUS_ORDER=STATUS_ORDER,
        VERDICT_ORDER=VERDICT_ORDER,
    )
    return env


def render_html(report: dict) -> str:
    """Return the HTML page for a report dict; writes nothing."""
    template = make_environment().get_template(TEMPLATE_NAME)
    return template.render(report=report)
