"""The authorization relay: consent records (pending -> granted -> revoked |
expired, plus refused and locked), their sync to the province, the
province-compatible ``codeAuthRec/save`` endpoint and the viewer URLs.

See docs/relay.md. Until the layout change the models belonged to the ``hub``
app; ``relay/migrations/0001`` adopts the existing table (see
docs/architecture.md, "Upgrading an installation").
"""
