"""No person's identifiers reach the logs through URLs."""

from __future__ import annotations

import logging

from adapters.observability import QUIET_LOGGERS, NoQueryStrings, configure_logging


def test_access_lines_lose_their_query_strings():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/fhir/Patient?identifier=mrn%7CNWC-100234", "1.1", 200),
        None,
    )
    assert NoQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /fhir/Patient HTTP/1.1" 200'


def test_http_client_libraries_log_only_warnings():
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    try:
        configure_logging("INFO", as_json=True)
        assert all(logging.getLogger(name).level == logging.WARNING for name in QUIET_LOGGERS)
    finally:
        root.handlers[:], level = before
        root.setLevel(level)
