"""Cases of the seven types (seed 003): their lifecycles, participants, roles and benefits."""
