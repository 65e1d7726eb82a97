"""The in-house X12 codec: segments and envelopes (ISA/GS/ST), the 278 review (005010X217)
and inquiry (005010X215) models, 999 and TA1 acknowledgments. Tables drive the loops, the
typed segments and the code lists; every problem is an `X12Problem` inside one `X12Error`.

Entry points (docs/x12-278.md):
- reading: `reader.parse_278`, `reader.parse_278_inquiry`, `reader.parse_999`,
  `envelope.parse_interchange` + `reader.read_messages`;
- writing: `builder.build_interchange`, `envelope.write_interchange`, `typed.encode`;
- checking: `validation.validate`, `checks.interchange_problems`, `validation.message_problems`;
- answering: `acknowledge.acknowledge` (a TA1 or 999s for what we received).
"""
