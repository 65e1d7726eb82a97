"""Authorization requests: lines, per-line determinations, the request lifecycle and appeals."""
