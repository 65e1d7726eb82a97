"""Simulated partners for the demo and for tests over real HTTP: a FHIR R4 EHR (and, in their
issues, the clearinghouse and payers)."""
