"""The CareBridge domain: models and rules. Knows nothing of GraphQL, HTTP, FHIR, X12 or Celery."""
