"""Strawberry types, inputs, permissions and loaders; `build_schema` assembles them."""
