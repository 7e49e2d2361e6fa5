"""The ``sms-audit`` command: a thin shell over the Python API.

Exit codes are the same for every command (see :mod:`sms_audit.errors`):
0 ok, 1 findings at or above --fail-on, 2 usage error, 3 unusable config or
evidence, 4 evidence insufficient under --strict, 5 internal error.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from sms_audit import __version__
from sms_audit.errors import (
    EXIT_FINDINGS,
    EXIT_INSUFFICIENT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    SmsAuditError,
)

log = logging.getLogger("sms_audit")
FAIL_ON_CHOICES = ["major", "minor", "observation", "ofi", "none"]


def _handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn known errors into their exit codes with a one-paragraph message on stderr."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SmsAuditError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:  # output piped into head or similar: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except Exception as exc:  # noqa: BLE001 - the last line of defence, reported as internal
            log.debug("internal error", exc_info=True)
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} (rerun with --verbose for the traceback; "
                "please report it)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sms-audit")
@click.option("-v", "--verbose", is_flag=True, help="Log details to stderr.")
def cli(verbose: bool) -> None:
    """Audit IT service management evidence against ISO/IEC 20000-1:2018."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _formats(value: str | None) -> list[str]:
    from reports.writers import WRITERS

    names = [part.strip() for part in (value or "").split(",") if part.strip()]
    for name in names:
        if name not in WRITERS:
            raise click.BadParameter(
                f"unknown format {name!r}; choose from {', '.join(WRITERS.names())}", param_hint="--format"
            )
    return names


@cli.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SMS_AUDIT_CONFIG",
    help="Config file (default: ./sms-audit.yaml).",
)
@click.option("--demo", is_flag=True, help="Generate the built-in demo evidence into a temporary folder and scan it.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SMS_AUDIT_OUT",
    help="Output folder (default: ./audit-out, or outputs.dir from the config).",
)
@click.option(
    "--format",
    "formats",
    envvar="SMS_AUDIT_FORMAT",
    help="Comma-separated report formats: json, html, graph (report.json is always written).",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES),
    envvar="SMS_AUDIT_FAIL_ON",
    help="Exit 1 when a finding is graded at or above this (default: major).",
)
@click.option(
    "--strict",
    is_flag=True,
    envvar="SMS_AUDIT_STRICT",
    help="Exit 4 when any rule could not be judged for lack of evidence.",
)
@click.option("--as-of", envvar="SMS_AUDIT_AS_OF", help="Reference date YYYY-MM-DD (default: from the config).")
@click.option(
    "--edition",
    type=click.Choice(["2018", "2011"]),
    envvar="SMS_AUDIT_EDITION",
    help="Clause numbering of the verdicts (default 2018; 2011 through the clause map).",
)
@click.option(
    "--waivers",
    "waivers_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SMS_AUDIT_WAIVERS",
    help="Waivers file (overrides waivers: in the config).",
)
@click.option("--seed", type=int, default=None, help="Seed for --demo evidence.")
@click.option("--tickets", type=int, default=None, help="Number of tickets for --demo evidence.")
@click.option(
    "--manual-results",
    "manual_results",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Completed audit worksheet (.xlsx or .csv from sms-audit programme) or a folder of them; repeatable.",
)
@_handle_errors
def scan(
    config_path: Path | None,
    demo: bool,
    out_dir: Path | None,
    formats: str | None,
    fail_on: str | None,
    strict: bool,
    as_of: str | None,
    edition: str | None,
    waivers_path: Path | None,
    seed: int | None,
    tickets: int | None,
    manual_results: tuple[Path, ...] = (),
) -> None:
    """Scan evidence and write report.json (and other formats) into --out."""
    from sms_audit.config import CONFIG_FILENAME, DEFAULT_FAIL_ON, DEFAULT_FORMATS, DEFAULT_OUT, load_config
    from sms_audit.demo import DEFAULT_SEED, DEFAULT_TICKETS, generate_demo
    from sms_audit.scanner import scan as run_scan
    from sms_audit.scanner import write_outputs

    if demo and config_path:
        raise click.UsageError("give either --config or --demo, not both")
    requested = _formats(formats)
    with tempfile.TemporaryDirectory(prefix="sms-audit-demo-") as tmp:
        if demo:
            summary = generate_demo(
                Path(tmp), seed=seed if seed is not None else DEFAULT_SEED, tickets=tickets or DEFAULT_TICKETS
            )
            click.echo(f"demo evidence generated (seed {summary['seed']}, {summary['tickets']} tickets)", err=True)
            config_path = Path(tmp) / CONFIG_FILENAME
        config = load_config(config_path or Path(CONFIG_FILENAME), as_of=as_of, edition=edition)
        if waivers_path:
            config = dataclasses.replace(config, waivers=waivers_path, waivers_display=str(waivers_path))
        judged = _manual_results(manual_results)
        result = run_scan(config, manual_results=judged)
        outputs = config.outputs
        out = out_dir or Path(outputs.get("dir") or DEFAULT_OUT)
        if not out_dir and outputs.get("dir") and not demo:
            out = config.base_dir / outputs["dir"]
        chosen = requested or list(outputs.get("formats") or DEFAULT_FORMATS)
        _formats(",".join(chosen))
        written = write_outputs(result, out, chosen)
    threshold = fail_on or outputs.get("fail_on") or DEFAULT_FAIL_ON
    _print_summary(result.report, written)
    if strict and result.insufficient():
        click.echo(f"strict: {len(result.insufficient())} rule(s) could not be judged for lack of evidence", err=True)
        sys.exit(EXIT_INSUFFICIENT)
    sys.exit(EXIT_FINDINGS if result.fails_on(threshold) else EXIT_OK)


def _manual_results(paths: tuple[Path, ...]) -> list | None:
    """Judged rows of completed worksheets (files, or folders of .xlsx/.csv files), or None when none given."""
    if not paths:
        return None
    from sms_audit.programme.worksheets import load_manual_results

    files: list[Path] = []
    for path in paths:
        files += sorted(p for p in path.iterdir() if p.suffix.lower() in (".xlsx", ".csv")) if path.is_dir() else [path]
    rows = load_manual_results(files)
    judged = sum(r.kind == "manual" for r in rows)
    click.echo(f"manual results: {len(files)} worksheet(s), {judged} manual item result(s), "
               f"{len(rows) - judged} sampled-record or follow-up result(s)", err=True)
    return rows


def _print_summary(report: dict[str, Any], written: list[Path]) -> None:
    audit, summary = report["audit"], report["summary"]
    results = summary["results"]
    grades = summary["findings_by_grade"]
    click.echo(
        f"{audit['organisation']}: {audit['standard']}, period {audit['period']['from']} to "
        f"{audit['period']['to']}, as of {audit['as_of']}"
    )
    counts = ", ".join(
        f"{n} {status.replace('_', ' ')}" for status, n in results.items() if n or status in ("pass", "fail")
    )
    click.echo(f"rules: {sum(results.values())}: {counts}")
    click.echo("findings: " + ", ".join(f"{grades[g]} {g}" for g in grades))
    rows = sum(f["rows_read"] for f in report["evidence"]["files"])
    rejected = sum(f["rows_rejected"] for f in report["evidence"]["files"])
    click.echo(f"evidence: {len(report['evidence']['files'])} files, {rows} rows read, {rejected} rejected")
    for path in written:
        click.echo(f"wrote {path}")


@cli.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SMS_AUDIT_CONFIG",
    help="Config file with evidence and an optional programme: section.",
)
@click.option("--demo", is_flag=True, help="Plan on the built-in demo (evidence, roster and audit log).")
@click.option(
    "--scan", "scan_ref", help="Latest scan: a report.json, its folder, 'latest' or a scan id (default: run the scan)."
)
@click.option("--earlier", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="report.json of an earlier scan, for the trend and follow-up items; repeatable.")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), help="Auditor roster (YAML or CSV).")
@click.option(
    "--audit-log", type=click.Path(dir_okay=False, path_type=Path), help="Past internal audits (YAML or CSV)."
)
@click.option("--start", help="First day of the programme, YYYY-MM-DD (default: the day after the audit period).")
@click.option("--months", type=int, default=None, help="Length of the programme window (default 12).")
@click.option("--seed", type=int, default=None, help="Seed for record sampling (default 20000, recorded).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("programme-out"),
    show_default=True,
    help="Output folder.",
)
@_handle_errors
def programme(
    config_path: Path | None,
    demo: bool,
    scan_ref: str | None,
    earlier: tuple[Path, ...],
    roster: Path | None,
    audit_log: Path | None,
    start: str | None,
    months: int | None,
    seed: int | None,
    out_dir: Path,
) -> None:
    """Plan the internal audit programme (9.2): risk-based, independent auditors, reproducible samples."""
    from sms_audit.config import CONFIG_FILENAME, load_config
    from sms_audit.demo import generate_demo
    from sms_audit.programme import Options, make_programme, write_programme

    if demo and config_path:
        raise click.UsageError("give either --config or --demo, not both")
    options = Options(scan_ref, roster, audit_log, tuple(earlier), start, months, seed)
    with tempfile.TemporaryDirectory(prefix="sms-audit-programme-") as tmp:
        demo_dir = None
        if demo:
            demo_dir = Path(tmp)
            generate_demo(demo_dir)
            config_path = demo_dir / CONFIG_FILENAME
        elif config_path is None and Path(CONFIG_FILENAME).is_file():
            config_path = Path(CONFIG_FILENAME)
        config = load_config(config_path) if config_path else None
        plan = make_programme(config, options, demo_dir)
        written = write_programme(plan, out_dir)
    info, coverage = plan["programme"], plan["coverage"]
    click.echo(
        f"{info['organisation']}: {len(plan['audits'])} audits from {info['window']['start']} to "
        f"{info['window']['end']}, {info['days_planned']} audit days; {coverage['covered']} of "
        f"{coverage['requirement_bearing']} requirement-bearing clauses covered; sampling seed {info['seed']}"
    )
    for finding in plan["findings"]:
        click.echo(f"finding on {finding['clause']} ({finding['grade']}): {finding['title']}")
    sheets = sum(1 for p in written if p.parent.name == "worksheets")
    for path in written:
        if path.parent.name != "worksheets":
            click.echo(f"wrote {path}")
    click.echo(f"wrote {sheets} worksheets in {(out_dir / 'worksheets').resolve()}")
    sys.exit(EXIT_FINDINGS if plan["findings"] else EXIT_OK)


@cli.group()
def catalogue() -> None:
    """The clause catalogue of ISO/IEC 20000-1:2018."""


@catalogue.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--edition", default="iso20000-1-2018", show_default=True, help="Catalogue id: iso20000-1-2018 or iso20000-1-2011."
)
@_handle_errors
def catalogue_list(fmt: str, edition: str) -> None:
    """List every clause with its title and parent."""
    from sms_audit.catalogue import load_catalogue

    cat = load_catalogue(edition)
    if fmt == "json":
        click.echo(json.dumps([{"id": c.id, "title": c.title, "parent": c.parent} for c in cat.clauses], indent=2))
        return
    for clause in cat.clauses:
        count = len(clause.requirements)
        marker = "" if clause.heading else f"  ({count} requirement{'s' if count != 1 else ''})"
        click.echo(f"{'  ' * clause.depth}{clause.id:<10} {clause.title}{marker}")


@cli.group()
def demo() -> None:
    """Built-in demo evidence with recorded ground truth."""


@demo.command("generate")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=None, help="Random seed (default 20000).")
@click.option("--tickets", type=int, default=None, help="Approximate number of tickets (default 600).")
@click.option(
    "--clean",
    is_flag=True,
    help="Plant no defect and no near-miss: every automated rule has records to judge and passes.",
)
@_handle_errors
def demo_generate(out_dir: Path, seed: int | None, tickets: int | None, clean: bool) -> None:
    """Write a fictional provider's ServiceNow-style exports, a config and ground-truth.json."""
    from sms_audit.demo import DEFAULT_SEED, DEFAULT_TICKETS, DemoSizeError, generate_demo

    try:
        summary = generate_demo(
            out_dir,
            seed=DEFAULT_SEED if seed is None else seed,
            tickets=tickets or DEFAULT_TICKETS,
            clean=clean,
        )
    except DemoSizeError as exc:
        raise click.BadParameter(str(exc), param_hint="--tickets") from None
    click.echo(
        f"wrote demo evidence to {summary['out']}: {summary['tickets']} tickets, seed {summary['seed']}, "
        f"{summary['defects']} planted defects across {summary['rules_with_defects']} rules"
    )
    click.echo(f"scan it with: sms-audit scan --config {Path(summary['out']) / 'sms-audit.yaml'}")


@cli.group()
def rules() -> None:
    """List, explain and validate rules."""


def _packs(pack: tuple[str, ...]) -> list:
    from sms_audit.config import DEFAULT_PACKS
    from sms_audit.rules import load_packs

    return load_packs(tuple(pack) or DEFAULT_PACKS, Path.cwd())


@rules.command("list")
@click.option("--pack", multiple=True, help="Pack id or folder (default: the built-in 20000-1:2018 pack).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_handle_errors
def rules_list(pack: tuple[str, ...], fmt: str) -> None:
    """Every rule with its clauses, kind and whether it is automated."""
    from sms_audit.rule_tools import rule_summary

    summaries = [rule_summary(rule) for p in _packs(pack) for rule in p.rules]
    if fmt == "json":
        click.echo(json.dumps(summaries, indent=2))
        return
    for item in summaries:
        mode = "auto  " if item["automated"] else "manual"
        click.echo(f"{item['id']:<10} {mode} {item['kind']:<13} {','.join(item['clauses']):<16} {item['title']}")


@rules.command("explain")
@click.argument("rule_id")
@click.option("--pack", multiple=True, help="Pack id or folder (default: the built-in 20000-1:2018 pack).")
@_handle_errors
def rules_explain(rule_id: str, pack: tuple[str, ...]) -> None:
    """What a rule checks, on which evidence, how it grades, and why."""
    from sms_audit.rule_tools import explain, find_rule

    click.echo(explain(*find_rule(_packs(pack), rule_id)))


@rules.command("coverage")
@click.option("--pack", multiple=True, help="Pack id or folder (default: the built-in 20000-1:2018 pack).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_handle_errors
def rules_coverage(pack: tuple[str, ...], fmt: str) -> None:
    """Per clause and requirement key, the automated rules and manual items that cover it."""
    from sms_audit.rule_tools import coverage, coverage_table

    rows = coverage(_packs(pack))
    click.echo(json.dumps(rows, indent=2) if fmt == "json" else coverage_table(rows))


@rules.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_handle_errors
def rules_validate(paths: tuple[Path, ...]) -> None:
    """Validate rule packs or rule files; every problem is reported with file:line and rule id."""
    from sms_audit.errors import EXIT_UNUSABLE_INPUT
    from sms_audit.rule_tools import validate_paths

    count, errors = validate_paths(list(paths))
    for error in errors:
        click.echo(error, err=True)
    if errors:
        click.echo(f"{len(errors)} problem(s) found", err=True)
        sys.exit(EXIT_UNUSABLE_INPUT)
    click.echo(f"{count} rules valid")


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("selftest-out"),
    show_default=True,
)
@click.option("--seed", "seeds", type=int, multiple=True, help="Demo seed(s) (default 20000); repeat for more.")
@click.option("--tickets", type=int, default=None, help="Tickets per generated dataset (default 600).")
@_handle_errors
def selftest(out_dir: Path, seeds: tuple[int, ...], tickets: int | None) -> None:
    """Run the pack on freshly planted ground truth; write per-rule precision and recall (JSON, HTML)."""
    from sms_audit.demo import DEFAULT_SEED, DEFAULT_TICKETS
    from sms_audit.selftest import run_selftest, write_selftest

    report = run_selftest(list(seeds) or [DEFAULT_SEED], tickets or DEFAULT_TICKETS)
    for path in write_selftest(report, out_dir):
        click.echo(f"wrote {path}")
    summary = report["summary"]
    click.echo(
        f"{summary['perfect']} of {summary['rules']} automated rules exact (precision and recall 1.0, "
        f"no near-miss reported)"
    )
    sys.exit(EXIT_OK if summary["perfect"] == summary["rules"] else EXIT_FINDINGS)


@cli.group()
def evidence() -> None:
    """Look at evidence files before scanning them."""


@evidence.command("inspect")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--adapter", default="auto", show_default=True, help="Adapter name, or auto to detect the format.")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), help="Mapping file for the mapped adapter.")
@click.option("--table", help="Source table when the adapter needs it (e.g. ServiceNow incident).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_handle_errors
def evidence_inspect(files: tuple[Path, ...], adapter: str, mapping: Path | None, table: str | None, fmt: str) -> None:
    """Show the chosen adapter, the column mapping, a column profile and rejected rows."""
    from sms_audit.inspect import inspect_files, render_table

    options: dict[str, Any] = {}
    if mapping:
        options["mapping"] = str(mapping)
        adapter = "mapped" if adapter == "auto" else adapter
    if table:
        options["table"] = table
    report = inspect_files(list(files), adapter, options)
    click.echo(json.dumps(report, indent=2, ensure_ascii=False) if fmt == "json" else render_table(report))


@evidence.command("map")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--table", help="Canonical table (default: guessed from the header).")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the mapping here instead of to stdout.",
)
@_handle_errors
def evidence_map(file: Path, table: str | None, out_path: Path | None) -> None:
    """Write a starting mapping file for the 'mapped' adapter from FILE's header."""
    from evidence_adapters.detect import make_sample
    from evidence_adapters.mapped import mapping_yaml
    from sms_audit.io import write_atomic

    sample = make_sample(file)
    if not sample.header:
        raise click.BadParameter(f"{file}: no header row found", param_hint="FILE")
    text = mapping_yaml(file.name, list(sample.header), table)
    if out_path:
        write_atomic(out_path.parent if str(out_path.parent) else Path("."), out_path.name, text)
        click.echo(f"wrote {out_path}; use it with: adapter: mapped, options: {{mapping: {out_path.name}}}", err=True)
    else:
        click.echo(text, nl=False)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
        raise SystemExit(code) from None
