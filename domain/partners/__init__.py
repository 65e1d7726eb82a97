"""Trading partners, the outbox that carries work to them, and the exchange log."""
