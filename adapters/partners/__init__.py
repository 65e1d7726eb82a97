"""Trading partner adapters: the ways of reaching a payer behind `domain.partners.ports`."""
