"""Planted cases for the CMDB graph rules (CI-003 orphans, CI-005 dependency loops).

Runs after every other plant module, because it relates the items they created: every CI that names
a service and is still unrelated is related: a workstation as a dependency of its service's desktop
management server, anything else as running on a virtualisation cluster (workstations and security
devices in the base demo have no relations); the service records themselves are left alone, because
GOV-013 judges their relations. Two items are then left unrelated (orphans), and
one application and its database are made to depend on each other. A shared storage array that most
services' databases use gives the CMDB a critical item. Near-misses: a retired unrelated item, a
second path to a database that closes no loop, and two items connected both ways (a connection, not a
dependency).
"""

from __future__ import annotations

from sms_audit.demo import PEOPLE, DemoData
from sms_audit.demo_process import Numbers

DEPENDS = "Depends on::Used by"
CONNECTS = "Connects to::Connected by"
RUNS_ON = "Runs on::Runs"
HOST = "dc-esx-cluster-01"
OLD_UPDATE = "2025-03-15 02:00:00"  # before the audit period, so CON-001 does not judge these items
SERVICE_CLASS = "Business Service"


def plant(data: DemoData, numbers: Numbers) -> None:
    related = {r["parent"] for r in data.relations} | {r["child"] for r in data.relations}
    unrelated = [
        ci
        for ci in data.cis
        if ci["name"] not in related and ci["business_service"] and ci["sys_class_name"] != SERVICE_CLASS
    ]
    orphans = [] if data.clean else _orphans(data, unrelated)
    anchors = _anchors(data)
    _new_ci(data, HOST, "VMware vCenter Cluster", "Corporate Network")
    for ci in unrelated:
        if ci in orphans:
            continue
        anchor = anchors.get(ci["business_service"]) if ci["sys_class_name"] == "Computer" else None
        if anchor is not None:  # a workstation depends on the service's desktop management server
            data.relations.append({"parent": anchor, "type": DEPENDS, "child": ci["name"]})
        else:  # any other item runs on the virtualisation cluster
            data.relations.append({"parent": ci["name"], "type": RUNS_ON, "child": HOST})
    _shared_storage(data)
    if data.clean:
        return
    for ci in orphans:
        data.defect("CI-003", ci["name"])
    _retired_orphan(data)
    _dependency_loop(data)


def _anchors(data: DemoData) -> dict[str, str]:
    """Per service, the first of its application servers that already has relations."""
    related = {r["parent"] for r in data.relations} | {r["child"] for r in data.relations}
    anchors: dict[str, str] = {}
    for ci in sorted(data.cis, key=lambda c: c["name"]):
        if ci["name"].endswith("-app-01") and ci["name"] in related:
            anchors.setdefault(ci["business_service"], ci["name"])
    return anchors


def _orphans(data: DemoData, unrelated: list[dict]) -> list[dict]:
    """One workstation and one other item stay unrelated (never items another rule's case uses)."""
    free = [ci for ci in unrelated if ci["name"] not in data.used]
    workstation = [ci for ci in free if ci["sys_class_name"] == "Computer"][:1]
    other = [ci for ci in free if ci["sys_class_name"] != "Computer"][:1]
    return workstation + other


def _new_ci(data: DemoData, name: str, ci_class: str, service: str, status: str = "Installed") -> None:
    data.cis.append(
        {
            "name": name,
            "sys_class_name": ci_class,
            "install_status": status,
            "operational_status": "Operational" if status == "Installed" else "Retired",
            "owned_by": PEOPLE[3],
            "support_group": "Network Operations",
            "business_service": service,
            "sys_updated_on": OLD_UPDATE,
        }
    )


def _shared_storage(data: DemoData) -> None:
    """A storage array most services' databases run on: the CMDB's most critical item."""
    _new_ci(data, "dc-san-01", "Storage Device", "Corporate Network")
    databases = sorted(
        ci["name"] for ci in data.cis if ci["sys_class_name"] == "Database" and ci["name"].endswith("-db-01")
    )
    for database in databases:
        data.relations.append({"parent": database, "type": DEPENDS, "child": "dc-san-01"})


def _retired_orphan(data: DemoData) -> None:
    _new_ci(data, "WS-0999", "Computer", "Workplace Devices", status="Retired")
    data.near_miss("CI-003", "WS-0999")


def _dependency_loop(data: DemoData) -> None:
    """CI-005: an application and its database depend on each other; near-misses close no loop.

    Other plants' cases on these items (a status, an owner, a reversed service relation) are unaffected:
    the added relations join only application, database and web servers, never a service record."""
    names = {ci["name"] for ci in data.cis}
    prefixes = sorted(
        name[: -len("-app-01")]
        for name in names
        if name.endswith("-app-01")
        and all(f"{name[: -len('-app-01')]}-{part}" in names for part in ("db-01", "web-01", "app-02"))
    )
    loop, diamond = data.rng.sample(prefixes, 2)
    data.relations.append({"parent": f"{loop}-db-01", "type": DEPENDS, "child": f"{loop}-app-01"})
    data.defect("CI-005", f"{loop}-app-01")
    data.defect("CI-005", f"{loop}-db-01")
    data.relations.append({"parent": f"{diamond}-web-01", "type": DEPENDS, "child": f"{diamond}-db-01"})
    data.near_miss("CI-005", f"{diamond}-web-01")
    data.relations.append({"parent": f"{diamond}-app-02", "type": CONNECTS, "child": f"{diamond}-app-01"})
    data.relations.append({"parent": f"{diamond}-app-01", "type": CONNECTS, "child": f"{diamond}-app-02"})
    data.near_miss("CI-005", f"{diamond}-app-02")
