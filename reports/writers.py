"""Report writers: one report model, many renderings, each registered by format name."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from reports.html_writer import render_html
from reports.integration_graph import artefacts
from sms_audit.registry import Registry


class Writer:
    def __init__(self, filename: str, render: Callable[[dict[str, Any]], str]) -> None:
        self.filename = filename
        self.render = render

    def outputs(self, report: dict[str, Any]) -> dict[str, str]:
        """{file name: text} this format writes for ``report``."""
        return {self.filename: self.render(report)}


class FileSetWriter(Writer):
    """A format made of several files (none when the report has nothing for it)."""

    def __init__(self, filenames: str, files: Callable[[dict[str, Any]], dict[str, str]]) -> None:
        super().__init__(filenames, lambda report: "")
        self.files = files

    def outputs(self, report: dict[str, Any]) -> dict[str, str]:
        return self.files(report)


WRITERS: Registry[Writer] = Registry("report format")


def render_json(report: dict[str, Any]) -> str:
    """Stable key order (as built), two-space indent, UTF-8, trailing newline."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


WRITERS.register("json")(Writer("report.json", render_json))
WRITERS.register("html")(Writer("report.html", render_html))
WRITERS.register("graph")(FileSetWriter("integration-{reference,observed}.{graphml,dot}", artefacts))
