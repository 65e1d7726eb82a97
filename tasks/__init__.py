"""Background work (Celery): outbox dispatch, status polling, deadlines. Empty until the
follow-up engine lands; nothing here runs yet."""
