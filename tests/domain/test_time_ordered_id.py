"""Time-ordered ids (UUIDv7) for append-only rows such as the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.models import time_ordered_id

AT = datetime(2026, 12, 1, 18, 30, 15, 123456, tzinfo=UTC)


def test_a_time_ordered_id_is_a_uuid7_of_its_milliseconds():
    found = time_ordered_id(AT)
    assert found.version == 7
    assert found.variant == "specified in RFC 4122"
    assert found.int >> 80 == int(AT.timestamp() * 1000)


def test_ids_follow_time_and_differ_within_one_millisecond():
    same = {time_ordered_id(AT) for _ in range(1000)}
    assert len(same) == 1000
    later = time_ordered_id(AT + timedelta(milliseconds=1))
    assert all(later > earlier for earlier in same)
