"""Service delivery: sessions, enrollments, attendance, disbursements, contracts, payments."""
