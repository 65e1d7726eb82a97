"""Translation to and from the outside world: tokens, logs and metrics, the event bus, HTTP
limits; FHIR, X12/SOAP and partner protocols join here."""
