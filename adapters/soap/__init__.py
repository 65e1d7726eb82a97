"""CAQH CORE Connectivity Rule vC2.2.0 (SOAP+WSDL): our WSDL and XSD, the envelope codec, a
zeep client and a Starlette endpoint. The X12 payload is an opaque string here."""
