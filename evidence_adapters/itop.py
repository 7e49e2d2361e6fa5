"""iTop (Combodo) XML data: configuration items and their ``lnk*`` relations.

Format (the installer's ``data.sample.*.xml`` files and iTop's XML export): a ``<Set>`` root whose
children are objects, ``<ClassName alias="ClassName" id="n">``; each child of an object is one attribute
code with its value as text, and references are numeric ``*_id`` values naming another object's key
(``0`` or empty means "none").

What becomes what
-----------------
* **Configuration items** -> ``cis``. A class is a functional CI when it is one of iTop's standard
  ``FunctionalCI`` subclasses (:data:`FUNCTIONAL_CI_CLASSES`: Server, VirtualMachine, Hypervisor, Farm,
  ApplicationSolution, BusinessProcess, DBServer, WebServer, Middleware, DatabaseSchema, WebApplication,
  NetworkDevice, PC, Printer, Rack, Enclosure, ...), when ``options.ci_classes`` names it, or when its
  objects carry ``business_criticity`` -- an attribute that iTop defines on ``FunctionalCI`` only, so
  CI classes added by extensions (a "Firewall", say) are recognised too (listed in
  ``details["inferred_ci_classes"]``).
* **Relations between CIs** -> ``ci_relations``: the ``lnk*`` classes both of whose ends are functional
  CIs (:data:`CI_LINKS`; more with ``options.ci_links: {lnkClass: [parent_attr, child_attr]}``).
  ``relation_type`` is the link class name. ``parent_id`` is the dependent end and ``child_id`` the
  end it depends on, as in ServiceNow's "Depends on::Used by": an application solution depends on its
  CIs, a connectable CI on its network device, a business process on its application solutions.
  An end that names no object of this file is kept as it is: the end is usually defined in another
  file, and when it is defined nowhere rule CI-002 reports the dangling relation. An empty or ``0``
  end is loaded as empty, which CI-002 also reports.
* **Everything else** -- organisations, locations, persons, teams, services, SLAs, contracts, and link
  classes with a non-CI end (``lnkContactToFunctionalCI``, ``lnkDocumentToFunctionalCI``,
  ``lnkGroupToCI``, ``lnkPersonToTeam`` ...) -- is not content of these two tables. Such objects are
  read, counted per class in ``details["other_objects"]`` and otherwise left alone; they are neither
  loaded nor rejected.

Accounting: ``rows_read`` counts CI objects and CI-link objects only; each of them is in a frame or
in ``rejections``. ``details["objects"]`` is the number of all objects in the file, which is
``rows_read`` plus the sum of ``details["other_objects"]``. A table is returned only when the file
holds at least one object of its kind, so a file of organisations does not pretend to provide CIs.

Identity
--------
iTop keys are unique across the whole ``FunctionalCI`` hierarchy (one ``functionalci`` table, one key
sequence), and a link's ends (``functionalci_id``, ``applicationsolution_id`` ...) carry that key
without the concrete class. A CI's ``id`` is therefore ``FunctionalCI::<key>`` (for example
``FunctionalCI::15``, with ``ci_class`` ``Server``): a link resolves to its CI without knowing the CI's
class or reading the CI's file. A CI object without an ``id`` attribute, or whose key repeats an
earlier CI's key in the same file, is rejected.

A relation's ``id`` is ``<parent_id>|<lnkClass>|<child_id>`` (the form the other adapters derive),
not the link object's own key: link keys carry no meaning beyond the link, and files written
separately -- iTop's per-module sample data, for one -- reuse them for different links, which would
make the relation table fail the duplicate-id quality gate. The same link twice in a file is
rejected, naming the line of the first. ``options.id_prefix`` is put in front of every CI id and
relation end, for scans that combine exports of several iTop instances whose keys overlap.

Columns: ``name``; ``ci_class`` (the element name); ``status`` (tokenised, e.g. ``production``,
``implementation``, ``active``); ``owner`` from ``org_id`` -- iTop's "owner organization" -- given as
``org_name`` when the export carries it, else the name of the Organization object of that key in the
same file, else ``Organization::<key>``; ``criticality`` from ``business_criticity``. Note that iTop
defines no ``status`` on DatabaseSchema and WebApplication, so those CIs have none.

Safety: the file is parsed with expat, streaming. A ``DOCTYPE`` or an entity declaration refuses the
whole file (no entity expansion, no external entities: "billion laughs" and XXE cannot start), and a
file that is not well-formed XML is refused with its line and column; neither is a row-level
rejection. ``_source_line`` is the line of each object's start tag.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_adapters.base import ADAPTERS, AdapterResult, Detection, Rejection, Sample
from evidence_adapters.mapping import token
from sms_audit.errors import EvidenceError

FUNCTIONAL_CI_CLASSES = frozenset(
    {
        # itop-config-mgmt
        "FunctionalCI",
        "PhysicalDevice",
        "ConnectableCI",
        "DatacenterDevice",
        "Server",
        "NetworkDevice",
        "PC",
        "Printer",
        "Peripheral",
        "TelephonyCI",
        "Phone",
        "MobilePhone",
        "IPPhone",
        "Tablet",
        "ApplicationSolution",
        "BusinessProcess",
        "SoftwareInstance",
        "DBServer",
        "WebServer",
        "Middleware",
        "PCSoftware",
        "OtherSoftware",
        "MiddlewareInstance",
        "DatabaseSchema",
        "WebApplication",
        # itop-datacenter-mgmt
        "Rack",
        "Enclosure",
        "PowerConnection",
        "PowerSource",
        "PDU",
        # itop-storage-mgmt
        "StorageSystem",
        "SANSwitch",
        "TapeLibrary",
        "NAS",
        # itop-virtualization-mgmt
        "VirtualDevice",
        "VirtualHost",
        "Hypervisor",
        "Farm",
        "VirtualMachine",
    }
)
"""iTop's standard ``FunctionalCI`` subclasses (abstract ones included; they do no harm)."""

CI_LINKS: dict[str, tuple[str, str]] = {
    "lnkApplicationSolutionToFunctionalCI": ("applicationsolution_id", "functionalci_id"),
    "lnkApplicationSolutionToBusinessProcess": ("businessprocess_id", "applicationsolution_id"),
    "lnkConnectableCIToNetworkDevice": ("connectableci_id", "networkdevice_id"),
    "lnkSanToDatacenterDevice": ("datacenterdevice_id", "san_id"),
}
"""Link classes whose two ends are functional CIs: class -> (parent attribute, child attribute)."""

CI_KEY_ROOT = "FunctionalCI"
_CRITICALITY_ATTR = "business_criticity"
_NULL_KEYS = {"", "0"}
_OBJECT_RE = re.compile(r"<([A-Za-z_][\w.-]*)\s+alias=\"[^\"]*\"\s+id=\"[^\"]*\"")
_ROOT_RE = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<Set[\s>]", re.S)


@dataclass
class ItopObject:
    """One object element: its class, ``id`` attribute, start line and attribute texts."""

    cls: str
    key: str | None
    line: int
    values: dict[str, str] = field(default_factory=dict)


class _Refused(Exception):
    def __init__(self, line: int, what: str) -> None:
        super().__init__(what)
        self.line = line
        self.what = what


def read_itop_xml(path: Path, display_path: str) -> tuple[list[ItopObject], str]:
    """Parse an iTop ``<Set>`` file into objects (streaming, DTDs refused); returns objects and encoding."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    objects: list[ItopObject] = []
    state: dict[str, Any] = {"depth": 0, "current": None, "attr": None, "text": [], "nested": False}
    encoding = ["utf-8"]

    def refuse_doctype(*_args: Any) -> None:
        raise _Refused(parser.CurrentLineNumber, "a DOCTYPE declaration")

    def refuse_entity(*_args: Any) -> None:
        raise _Refused(parser.CurrentLineNumber, "an entity declaration")

    def xml_decl(_version: str | None, declared: str | None, _standalone: int) -> None:
        if declared:
            encoding[0] = declared.lower()

    def start(name: str, attrs: dict[str, str]) -> None:
        state["depth"] += 1
        depth = state["depth"]
        if depth == 1:
            if name != "Set":
                raise EvidenceError(
                    f"{display_path}:{parser.CurrentLineNumber}: the root element is <{name}>, not <Set>: this is not "
                    "iTop XML data (data.sample.*.xml or an XML export of objects); choose another adapter"
                )
        elif depth == 2:
            key = attrs.get("id")
            state["current"] = ItopObject(name, key.strip() if key is not None else None, parser.CurrentLineNumber)
        elif depth == 3:
            state["attr"], state["text"], state["nested"] = name, [], False
        else:
            state["nested"] = True  # structured values (icons, ...) are not CMDB attributes we use

    def end(_name: str) -> None:
        depth = state["depth"]
        current = state["current"]
        if depth == 3 and current is not None and not state["nested"]:
            current.values.setdefault(state["attr"], "".join(state["text"]).strip())
        elif depth == 2 and current is not None:
            objects.append(current)
            state["current"] = None
        state["depth"] -= 1

    def text(data: str) -> None:
        if state["depth"] == 3:
            state["text"].append(data)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.XmlDeclHandler = xml_decl
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        with path.open("rb") as handle:
            parser.ParseFile(handle)
    except _Refused as exc:
        raise EvidenceError(
            f"{display_path}:{exc.line}: refused: the file contains {exc.what}; iTop data files are a plain "
            "<Set> of objects without DTDs or entities. Re-export the data or remove the declaration"
        ) from None
    except expat.ExpatError as exc:
        raise EvidenceError(
            f"{display_path}:{exc.lineno}: not well-formed XML (line {exc.lineno}, column {exc.offset + 1}: "
            f"{expat.ErrorString(exc.code)}); the file cannot be read reliably, re-export it"
        ) from None
    return objects, encoding[0]


def _option_classes(options: dict[str, Any], display: str) -> set[str]:
    extra = options.get("ci_classes") or []
    if not isinstance(extra, list) or not all(isinstance(c, str) for c in extra):
        raise EvidenceError(f"{display}: options.ci_classes must be a list of iTop class names")
    return set(extra)


def _option_links(options: dict[str, Any], display: str) -> dict[str, tuple[str, str]]:
    extra = options.get("ci_links") or {}
    links = dict(CI_LINKS)
    if not isinstance(extra, dict):
        raise EvidenceError(f"{display}: options.ci_links must map link classes to [parent_attr, child_attr]")
    for cls, ends in extra.items():
        if not (isinstance(ends, list | tuple) and len(ends) == 2 and all(isinstance(e, str) for e in ends)):
            raise EvidenceError(f"{display}: options.ci_links.{cls} must be [parent_attr, child_attr]")
        links[str(cls)] = (ends[0], ends[1])
    return links


def _ci_key(prefix: str, key: str | None) -> str | None:
    if key is None or key.strip() in _NULL_KEYS:
        return None
    return f"{prefix}{CI_KEY_ROOT}::{key.strip()}"


@ADAPTERS.register("itop_xml")
class ItopXmlAdapter:
    name = "itop_xml"
    description = "iTop XML data (<Set> of objects): functional CIs and CI-to-CI lnk* relations"

    @staticmethod
    def detect(sample: Sample) -> Detection | None:
        if sample.suffix != ".xml" or not _ROOT_RE.match(sample.text):
            return None
        classes = sorted({m.group(1) for m in _OBJECT_RE.finditer(sample.text)})
        if not classes:
            return None
        cis = [c for c in classes if c in FUNCTIONAL_CI_CLASSES or c in CI_LINKS]
        shown = ", ".join((cis or classes)[:6])
        if cis:
            return Detection(0.95, f"iTop XML data: <Set> of objects with alias and id; CI classes {shown}")
        return Detection(0.7, f"iTop XML data: <Set> of objects with alias and id ({shown}), no CI class seen yet")

    def load(self, path: Path, display_path: str, options: dict[str, Any]) -> AdapterResult:
        objects, encoding = read_itop_xml(path, display_path)
        prefix = str(options.get("id_prefix") or "")
        links = _option_links(options, display_path)
        ci_classes = set(FUNCTIONAL_CI_CLASSES) | _option_classes(options, display_path)
        inferred = sorted(
            {o.cls for o in objects if _CRITICALITY_ATTR in o.values and o.cls not in ci_classes and o.cls not in links}
        )
        ci_classes |= set(inferred)
        organisations = {
            o.key: o.values.get("name") for o in objects if o.cls == "Organization" and o.key and o.values.get("name")
        }

        rejections: list[Rejection] = []
        ci_rows: list[dict[str, Any]] = []
        rel_rows: list[dict[str, Any]] = []
        other: Counter[str] = Counter()
        ci_counts: Counter[str] = Counter()
        link_counts: Counter[str] = Counter()
        seen_ci: dict[str, tuple[str, int]] = {}
        seen_link: dict[str, int] = {}
        ci_attrs: set[str] = set()
        for obj in objects:
            if obj.cls in ci_classes:
                ci_counts[obj.cls] += 1
                row = self._ci_row(obj, prefix, organisations, display_path, seen_ci, rejections)
                if row is not None:
                    ci_attrs.update(obj.values)
                    ci_rows.append(row)
            elif obj.cls in links:
                link_counts[obj.cls] += 1
                row = self._relation_row(obj, links[obj.cls], prefix, display_path, seen_link, rejections)
                if row is not None:
                    rel_rows.append(row)
            else:
                other[obj.cls] += 1

        tables: dict[str, pd.DataFrame] = {}
        provided: dict[str, set[str]] = {}
        if ci_counts:
            tables["cis"] = _frame(ci_rows, ["id", "name", "ci_class", "status", "owner", "criticality"], display_path)
            tables["cis"]["status"] = token(tables["cis"]["status"])
            tables["cis"]["criticality"] = token(tables["cis"]["criticality"])
            sources = {"name": {"name"}, "status": {"status"}, "owner": {"org_id", "org_name"}}
            sources["criticality"] = {_CRITICALITY_ATTR}
            provided["cis"] = {"id", "ci_class"} | {col for col, attrs in sources.items() if attrs & ci_attrs}
        if link_counts:
            tables["ci_relations"] = _frame(rel_rows, ["id", "parent_id", "child_id", "relation_type"], display_path)
            provided["ci_relations"] = {"id", "parent_id", "child_id", "relation_type"}
        details = {
            "format": "itop_xml",
            "encoding": encoding,
            "objects": len(objects),
            "ci_classes": dict(sorted(ci_counts.items())),
            "ci_link_classes": dict(sorted(link_counts.items())),
            "other_objects": dict(sorted(other.items())),
            "inferred_ci_classes": inferred,
            "identity": f"{prefix}{CI_KEY_ROOT}::<key> for CIs, <parent_id>|<lnkClass>|<child_id> for relations",
        }
        rows_read = sum(ci_counts.values()) + sum(link_counts.values())
        return AdapterResult(tables, rows_read, rejections, details, provided)

    @staticmethod
    def _ci_row(
        obj: ItopObject,
        prefix: str,
        organisations: dict[str | None, str | None],
        display: str,
        seen: dict[str, tuple[str, int]],
        rejections: list[Rejection],
    ) -> dict[str, Any] | None:
        if not obj.key:
            rejections.append(Rejection(display, obj.line, "id", f"{obj.cls} object has no id attribute"))
            return None
        ci_id = f"{prefix}{CI_KEY_ROOT}::{obj.key}"
        if ci_id in seen:
            first_cls, first_line = seen[ci_id]
            reason = f"duplicate {CI_KEY_ROOT} key {obj.key}: {first_cls} at line {first_line} has it already"
            rejections.append(Rejection(display, obj.line, "id", reason))
            return None
        seen[ci_id] = (obj.cls, obj.line)
        org_key = obj.values.get("org_id", "")
        owner = obj.values.get("org_name") or None
        if owner is None and org_key not in _NULL_KEYS:
            owner = organisations.get(org_key) or f"Organization::{org_key}"
        return {
            "id": ci_id,
            "name": obj.values.get("name") or None,
            "ci_class": obj.cls,
            "status": obj.values.get("status") or None,
            "owner": owner,
            "criticality": obj.values.get(_CRITICALITY_ATTR) or None,
            "_source_line": obj.line,
        }

    @staticmethod
    def _relation_row(
        obj: ItopObject,
        ends: tuple[str, str],
        prefix: str,
        display: str,
        seen: dict[str, int],
        rejections: list[Rejection],
    ) -> dict[str, Any] | None:
        parent = _ci_key(prefix, obj.values.get(ends[0]))
        child = _ci_key(prefix, obj.values.get(ends[1]))
        rel_id = f"{parent or ''}|{obj.cls}|{child or ''}"
        if rel_id in seen:
            reason = f"the same {obj.cls} ({parent or 'none'} -> {child or 'none'}) is at line {seen[rel_id]} already"
            rejections.append(Rejection(display, obj.line, None, reason))
            return None
        seen[rel_id] = obj.line
        return {
            "id": rel_id,
            "parent_id": parent,
            "child_id": child,
            "relation_type": obj.cls,
            "_source_line": obj.line,
        }


def _frame(rows: list[dict[str, Any]], columns: list[str], display: str) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype="string") for c in columns})
    frame["_source_line"] = pd.Series([r["_source_line"] for r in rows], dtype="Int64")
    frame["_source_file"] = pd.Series([display] * len(rows), dtype="string")
    return frame


__all__ = ["CI_LINKS", "FUNCTIONAL_CI_CLASSES", "ItopObject", "ItopXmlAdapter", "read_itop_xml"]
