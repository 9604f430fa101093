"""Nonces already seen, for the embedded default (no Redis): kept in the
database so that a restart does not forget them and a captured signed
request cannot be replayed after it. With Redis they live there instead
(``hub.gm.nonces.CacheNonceStore``)."""

from __future__ import annotations

from django.db import models


class UsedNonce(models.Model):
    key = models.CharField(max_length=200, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "used nonce"

    def __str__(self) -> str:
        return self.key
