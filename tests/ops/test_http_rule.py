"""The one rule for outside calls (hub.http): no answer, 5xx, 408 and 429 are
worth another try; every other status is final. The call log sorts province
answers by it."""

import pytest

from audit.models import CallLog
from audit.services import call_outcome
from hub.http import PermanentError, TransientError, is_transient_status
from hub.province.types import ProvincePermanentError, ProvinceTransientError
from identity.sms.message import SmsPermanentError, SmsRateLimitedError, SmsTransientError


@pytest.mark.parametrize("status", [None, 408, 429, 500, 502, 503, 504])
def test_transient_statuses(status):
    assert is_transient_status(status)
    assert call_outcome(status, None) == CallLog.Outcome.TRANSIENT


@pytest.mark.parametrize("status", [200, 301, 400, 401, 403, 404, 409, 413, 422])
def test_permanent_statuses(status):
    assert not is_transient_status(status)
    assert call_outcome(status, "0") != CallLog.Outcome.TRANSIENT


def test_every_client_error_shares_the_bases():
    assert issubclass(ProvinceTransientError, TransientError)
    assert issubclass(ProvincePermanentError, PermanentError)
    assert issubclass(SmsTransientError, TransientError)
    assert issubclass(SmsRateLimitedError, TransientError)
    assert issubclass(SmsPermanentError, PermanentError)
