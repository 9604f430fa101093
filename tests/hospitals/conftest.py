"""Back-office personas live in tests/fixtures/backoffice.py."""
