"""The provider directory: organisations and practitioners, where they are, what they offer."""
