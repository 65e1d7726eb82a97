"""Simulated partners for the demo and for tests over real HTTP: a FHIR R4 EHR, a Da Vinci PAS
payer and a CAQH CORE clearinghouse answering X12 278s."""
