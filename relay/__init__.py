"""Consent records and the relay: authorizations (pending -> granted ->
revoked | expired, plus refused and locked), their sync to the province, the
province-compatible ``codeAuthRec/save`` endpoint and the viewer URLs.

See docs/relay.md. Models live in ``hub.authorizations.models`` and belong to
the ``hub`` app (``hub/models.py`` imports them; migrations in ``hub/migrations``).
"""
