"""Imports every area's models so the metadata is complete (Alembic, create_all)."""

from domain import history, numbers
from domain.audit import models as audit_models
from domain.authorizations import deadlines as deadline_models
from domain.authorizations import models as authorization_models
from domain.cases import models as case_models
from domain.catalog import models as catalog_models
from domain.delivery import models as delivery_models
from domain.identity import models as identity_models
from domain.models import Base
from domain.network import models as network_models
from domain.partners import models as partner_models
from domain.people import models as people_models
from domain.providers import models as provider_models
from domain.referrals import models as referral_models

metadata = Base.metadata

__all__ = [
    "audit_models",
    "authorization_models",
    "case_models",
    "catalog_models",
    "deadline_models",
    "delivery_models",
    "history",
    "identity_models",
    "metadata",
    "network_models",
    "numbers",
    "partner_models",
    "people_models",
    "provider_models",
    "referral_models",
]
