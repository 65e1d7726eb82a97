"""Thin GraphQL resolvers, one module per area: parse input, call one use case, map the result."""
