"""``gdehr encrypt``, ``gdehr decrypt`` and ``gdehr sign``: what a hospital
engineer needs to build or check a request by hand during joint testing (the
seed does the same with curl and Postman)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hub.gm import GMError, signed_headers, sm4_decrypt_ecb_hex, sm4_encrypt_ecb_hex
from hub.gm.xtif import MAX_NONCE_LENGTH

SIGNATURE_HEADERS = ("x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature")
DEMO_PAASID = "demo-paasid"


def register(subparsers) -> None:
    encrypt = subparsers.add_parser(
        "encrypt",
        help="SM4 ECB/PKCS#7 encrypt UTF-8 text; prints lowercase hex",
        description="Encrypt TEXT exactly as the province's Sm4Utils.encryptEcb does.",
    )
    encrypt.add_argument("--key", required=True, help="the SM4 key, 32 hex characters")
    encrypt.add_argument("text", metavar="TEXT", help="the text to encrypt (UTF-8)")
    encrypt.set_defaults(handler=handle_encrypt)

    decrypt = subparsers.add_parser(
        "decrypt",
        help="SM4 ECB/PKCS#7 decrypt hex; prints the text",
        description="Decrypt CIPHERHEX exactly as the province's Sm4Utils.decryptEcb does.",
    )
    decrypt.add_argument("--key", required=True, help="the SM4 key, 32 hex characters")
    decrypt.add_argument("cipher_hex", metavar="CIPHERHEX", help="the ciphertext, hex")
    decrypt.set_defaults(handler=handle_decrypt)

    sign = subparsers.add_parser(
        "sign",
        help="print the four x-tif-* signature headers",
        description=(
            "Print x-tif-paasid, x-tif-timestamp, x-tif-nonce and x-tif-signature, "
            "one per line as 'name: value'. The token itself is never printed."
        ),
    )
    sign.add_argument("--token", required=True, help="the paastoken")
    sign.add_argument(
        "--paasid",
        default=DEMO_PAASID,
        help=f"the paasid (default: {DEMO_PAASID}, the simulator's demo account)",
    )
    sign.add_argument("--timestamp", help="Unix seconds (default: now)")
    sign.add_argument("--nonce", help="the nonce (default: a fresh random one)")
    sign.set_defaults(handler=handle_sign)


def handle_encrypt(command: BaseCommand, options: dict) -> None:
    try:
        command.stdout.write(sm4_encrypt_ecb_hex(options["key"], options["text"]))
    except GMError as exc:
        raise CommandError(f"{exc} ({exc.reason})") from exc


def handle_decrypt(command: BaseCommand, options: dict) -> None:
    try:
        command.stdout.write(sm4_decrypt_ecb_hex(options["key"], options["cipher_hex"].strip()))
    except GMError as exc:
        raise CommandError(f"{exc} ({exc.reason})") from exc


def handle_sign(command: BaseCommand, options: dict) -> None:
    token, paasid = options["token"], options["paasid"]
    timestamp, nonce = options.get("timestamp"), options.get("nonce")
    if not token:
        raise CommandError("--token must not be empty")
    if not paasid or not paasid.isprintable():
        raise CommandError("--paasid must be non-empty printable text")
    if timestamp is not None and not (
        timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12
    ):
        raise CommandError("--timestamp must be Unix seconds (decimal digits)")
    if nonce is not None and not (0 < len(nonce) <= MAX_NONCE_LENGTH and nonce.isprintable()):
        raise CommandError(f"--nonce must be 1 to {MAX_NONCE_LENGTH} printable characters")
    headers = signed_headers(paasid, token, timestamp=timestamp, nonce=nonce)
    for name in SIGNATURE_HEADERS:
        command.stdout.write(f"{name}: {headers[name]}")
