"""Evidence adapters: one module per source format, each registered in ``ADAPTERS``."""

from evidence_adapters import document_register, service_catalogue, servicenow  # noqa: F401  (registration)
from evidence_adapters.base import ADAPTERS, Adapter, AdapterResult, Rejection

__all__ = ["ADAPTERS", "Adapter", "AdapterResult", "Rejection"]
