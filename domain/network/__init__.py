"""Provider network management: recruiting, applications, credentialing, contracts, onboarding."""
