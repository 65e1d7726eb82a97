"""Network management adapters: verification sources, e-signature, the public interest form."""
