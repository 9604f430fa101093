"""Issue and rotate the province feed's hub credential (secrets shown once)."""

from __future__ import annotations

import secrets

from django.db import transaction

from audit.services import operation_log_record
from complaints.models import FeedCredential


def _new_secrets() -> tuple[str, str]:
    return secrets.token_urlsafe(24), secrets.token_hex(16)


def feed_credential_issue(
    *, actor, name: str, paasid: str = "", callback_url_prefix: str = ""
) -> tuple[FeedCredential, str, str]:
    """A new feed credential; answers it with its paastoken and SM4 key in clear
    (the only time they are shown)."""
    token, key = _new_secrets()
    with transaction.atomic():
        feed = FeedCredential(
            name=name,
            paasid=paasid or f"feed-{secrets.token_hex(6)}",
            paastoken=token,
            sm4_key=key,
            callback_url_prefix=callback_url_prefix,
            created_by=actor if hasattr(actor, "get_username") else None,
        )
        feed.full_clean()
        feed.save()
        operation_log_record(
            actor=actor,
            action="complaints.feed_credential.issue",
            target=feed,
            after={"paasid": feed.paasid, "name": name},
        )
    return feed, token, key


def feed_credential_rotate(*, actor, feed: FeedCredential) -> tuple[str, str]:
    """New paastoken and SM4 key for ``feed`` (the old ones stop working at once)."""
    token, key = _new_secrets()
    with transaction.atomic():
        feed.paastoken = token
        feed.sm4_key = key
        feed.save(update_fields=["paastoken", "sm4_key"])
        operation_log_record(
            actor=actor,
            action="complaints.feed_credential.rotate",
            target=feed,
            after={"paasid": feed.paasid},
        )
    return token, key
