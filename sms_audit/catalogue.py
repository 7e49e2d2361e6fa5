"""The clause catalogue of a standard edition: ids, titles, parents, requirement keys."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rules import CATALOGUE_DIR
from sms_audit.errors import RuleError
from sms_audit.safe_yaml import load_yaml_file


def clause_sort_key(clause_id: str) -> tuple[int, ...]:
    """Numeric ordering: 4 < 4.1 < 8.2 < 8.10 < 10."""
    return tuple(int(part) for part in clause_id.split("."))


@dataclass(frozen=True)
class Requirement:
    key: str
    summary: str


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    parent: str | None
    heading: bool
    requirements: tuple[Requirement, ...]

    @property
    def depth(self) -> int:
        return self.id.count(".")


@dataclass(frozen=True)
class Catalogue:
    id: str
    standard: str
    edition: str
    clauses: tuple[Clause, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.id: c for c in self.clauses})
        object.__setattr__(self, "_requirements", {r.key: r for c in self.clauses for r in c.requirements})

    def get(self, clause_id: str) -> Clause | None:
        return self._by_id.get(clause_id)  # type: ignore[attr-defined]

    def requirement(self, key: str) -> Requirement | None:
        return self._requirements.get(key)  # type: ignore[attr-defined]

    def children(self, clause_id: str) -> list[Clause]:
        return [c for c in self.clauses if c.parent == clause_id]


@cache
def load_catalogue(catalogue_id: str = "iso20000-1-2018") -> Catalogue:
    path = CATALOGUE_DIR / f"{catalogue_id}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in CATALOGUE_DIR.glob("*.yaml") if not p.stem.startswith("map-"))
        raise RuleError(f"unknown catalogue {catalogue_id!r}; known: {', '.join(known)}")
    data = load_yaml_file(path)
    clauses = tuple(
        sorted(
            (
                Clause(
                    id=str(entry["id"]),
                    title=entry["title"],
                    parent=None if entry.get("parent") is None else str(entry["parent"]),
                    heading=bool(entry.get("heading")),
                    requirements=tuple(Requirement(r["key"], r["summary"]) for r in entry.get("requirements") or []),
                )
                for entry in data["clauses"]
            ),
            key=lambda c: clause_sort_key(c.id),
        )
    )
    return Catalogue(catalogue_id, data["standard"], str(data["edition"]), clauses)
