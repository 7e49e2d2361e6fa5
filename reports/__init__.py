"""Report templates and writers (JSON, HTML; more formats register in ``WRITERS``)."""

from pathlib import Path

REPORTS_ROOT = Path(__file__).resolve().parent
REPORT_SCHEMA = REPORTS_ROOT / "schemas" / "report.schema.json"
