class GMError(ValueError):
    """Any cryptographic input the hub refuses: a bad key, bad hex, bad padding,
    a ciphertext that fails authentication, text that is not UTF-8.

    ``reason`` is a stable lowercase token (``bad_key``, ``bad_hex``,
    ``bad_length``, ``bad_padding``, ``bad_utf8``, ``bad_tag``) that callers
    map to their own error codes.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
