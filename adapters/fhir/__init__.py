"""FHIR R4 adapters: the EHR intake client (PAS mapping and the /fhir routes join here)."""
