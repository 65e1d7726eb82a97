"""Background work (Celery): the outbox dispatched by workers, and the periodic scans beat
schedules. Tasks take ids, open units of work and call domain functions; every one of them is
idempotent, so a redelivered or repeated task does no harm."""
