"""Imports every area's models so the metadata is complete (Alembic, create_all)."""

from domain.audit import models as audit_models
from domain.catalog import models as catalog_models
from domain.identity import models as identity_models
from domain.models import Base
from domain.people import models as people_models
from domain.providers import models as provider_models

metadata = Base.metadata

__all__ = [
    "audit_models",
    "catalog_models",
    "identity_models",
    "metadata",
    "people_models",
    "provider_models",
]
