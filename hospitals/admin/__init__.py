"""The registry's back office (registered on the two-factor admin site)."""

from hospitals.admin import credentials, hospital, joint_test, operators, security  # noqa: F401
