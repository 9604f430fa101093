"""Shared test configuration. Fixture modules live in ``tests/fixtures/``; each
area owns its own file there so parallel work does not collide."""

pytest_plugins = [
    "tests.fixtures.base",
    "tests.fixtures.province",
    "tests.fixtures.hospitals",
    "tests.fixtures.backoffice",
    "tests.fixtures.relay",
    "tests.fixtures.identity",
    "tests.fixtures.wechat",
    "tests.fixtures.audit",
    "tests.fixtures.complaints",
]
