"""The catalog of benefits / service offerings."""
