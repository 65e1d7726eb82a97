"""People (constituents, patients, members), their identifiers and coverage."""
