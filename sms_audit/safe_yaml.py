"""YAML loading for untrusted rule packs and configs.

Only plain data is built (PyYAML's SafeLoader: no ``!!python`` tags, no object
construction). Mappings come back as :class:`LineDict` so validation errors can
name the line a rule or key starts on.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from sms_audit.errors import UnsafeYamlError


class LineDict(dict):
    """A dict that remembers the 1-based line of the mapping in its YAML file."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict(loader.construct_pairs(node, deep=True))
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _refuse(loader: _LineLoader, suffix: str, node: yaml.Node) -> None:
    raise UnsafeYamlError(
        f"{node.start_mark.line + 1}: YAML tag {node.tag!r} is not allowed; "
        "rule packs and configs are plain data (mappings, lists, strings, numbers, dates)"
    )


_LineLoader.add_multi_constructor("tag:yaml.org,2002:python/", _refuse)
_LineLoader.add_multi_constructor("!", _refuse)


def load_yaml_text(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader derives from SafeLoader
    except UnsafeYamlError as exc:
        raise UnsafeYamlError(f"{source}:{exc}") from None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise UnsafeYamlError(f"{source}:{line}: {exc.problem}; only plain YAML data is accepted") from None
    except ValueError as exc:  # PyYAML builds dates itself: 2026-02-30 raises ValueError
        raise UnsafeYamlError(f"{_bad_date_location(text, source)}: {exc}; write dates as YYYY-MM-DD") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise UnsafeYamlError(f"{where}: invalid YAML: {problem}") from None


_DATE_TEXT = re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b")


def _bad_date_location(text: str, source: str) -> str:
    """Where the first impossible date is, since PyYAML's error does not say."""
    for number, line in enumerate(text.splitlines(), start=1):
        for value in _DATE_TEXT.findall(line.split("#", 1)[0]):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return f"{source}:{number}: {value!r} is not a calendar date"
    return source


def load_yaml_file(path: Path, display: str | None = None) -> Any:
    source = display or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UnsafeYamlError(f"{source}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnsafeYamlError(f"{source}: cannot read: {exc}") from None
    return load_yaml_text(text, source)


def line_of(data: Any, path: list) -> int:
    """The line of the deepest mapping on ``path`` inside ``data`` (for error messages)."""
    line = getattr(data, "line", 0)
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(node, "line", line)
    return line


def plain(data: Any) -> Any:
    """Deep-copy ``data`` into plain dicts and lists (for JSON output and hashing)."""
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data
