"""The audit trail of every read and change of a person's record."""
