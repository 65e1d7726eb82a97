"""Organizations, users, roles and API clients."""
