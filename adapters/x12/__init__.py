"""The in-house X12 codec: segments and envelopes (ISA/GS/ST), the 278 review (005010X217)
and inquiry (005010X215) models, 999 and TA1 acknowledgments. Tables drive the loops, the
typed segments and the code lists; every problem is an `X12Problem` inside one `X12Error`."""
