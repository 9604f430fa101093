"""What a signed API caller is to DRF."""


class ApiPrincipal:
    """Mixed into the models a signed request authenticates as (a ``Hospital``,
    a complaint feed): DRF sets ``request.user`` to them, and its throttles and
    permission checks read these two attributes."""

    is_authenticated = True
    is_anonymous = False
