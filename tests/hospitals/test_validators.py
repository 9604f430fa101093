"""Unified social credit code (GB 32100), CIDR lists, throttle rates."""

import pytest
from django.core.exceptions import ValidationError

from hospitals.validators import (
    parse_throttle_rate,
    uscc_is_valid,
    validate_cidrs,
    validate_uscc,
)


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "91110000600037341L", "124400004554044827", "12440000455404483A"]
)
def test_valid_uscc(code):
    assert uscc_is_valid(code)
    assert uscc_is_valid(code.lower())  # letters are case-insensitive on input


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",
        "9135010OM000100Y43",  # the letter O is not in the alphabet
        "",
        "９１350100M000100Y43",  # full-width digits
    ],
)
def test_invalid_uscc(code):
    assert not uscc_is_valid(code)
    with pytest.raises(ValidationError):
        validate_uscc(code)


def test_cidrs():
    validate_cidrs("10.0.0.0/8\n192.168.1.1, 2001:db8::/32")
    with pytest.raises(ValidationError):
        validate_cidrs("10.0.0.0/33")


def test_rates():
    assert parse_throttle_rate("600/min") == (600, 60)
    assert parse_throttle_rate("20/s") == (20, 1)
    assert parse_throttle_rate("off") is None
    with pytest.raises(ValueError):
        parse_throttle_rate("fast")
