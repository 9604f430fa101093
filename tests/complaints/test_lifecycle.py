"""The one transition table."""

import pytest

from complaints.lifecycle import TRANSITIONS, State, allowed, check_transition
from hub.errors import HubError


def test_every_state_has_a_row_and_targets_are_states():
    assert set(TRANSITIONS) == set(State.values)
    for targets in TRANSITIONS.values():
        assert targets <= set(State.values)


@pytest.mark.parametrize(
    "path",
    [
        ["received", "routed", "dispatched", "acknowledged", "resolved", "closed"],
        ["received", "routed", "acknowledged", "resolved", "reopened", "resolved"],
        ["received", "routed", "escalated", "routed", "dispatched"],
        ["received", "routed", "dispatched", "escalated", "resolved", "closed", "reopened"],
    ],
)
def test_expected_paths_are_allowed(path):
    for old, new in zip(path, path[1:], strict=False):
        assert allowed(old, new), (old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("received", "resolved"),
        ("resolved", "acknowledged"),
        ("closed", "resolved"),
        ("acknowledged", "dispatched"),
        ("escalated", "dispatched"),
        ("resolved", "escalated"),
    ],
)
def test_illegal_moves_answer_409(old, new):
    with pytest.raises(HubError) as info:
        check_transition(old, new)
    assert info.value.http_status == 409
    assert info.value.code == "TRANSITION_NOT_ALLOWED"
