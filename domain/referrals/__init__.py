"""Referrals of a constituent to one or more providers, and each provider's answer."""
