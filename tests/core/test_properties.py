"""Property: whatever JSON a machine gets as input, a run ends SUCCEEDED or FAILED with an ASL
error; the interpreter never lets a Python exception out."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.testing import VirtualEnv, run

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)  # what JSON holds
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "items", "s", "t"]), children, max_size=3)
    ),
    max_leaves=8,
)

inputs = json_values | st.dictionaries(
    st.sampled_from(["a", "b", "items", "s", "t"]), json_values, max_size=5
)

MACHINE = {
    "StartAt": "Pick",
    "States": {
        "Pick": {
            "Type": "Choice",
            "Default": "Shape",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.a", "IsPresent": True},
                        {"Variable": "$.a", "IsNumeric": True},
                    ],
                    "Next": "Wait",
                },
                {"Variable": "$.items", "IsPresent": True, "Next": "Map"},
            ],
        },
        "Wait": {"Type": "Wait", "SecondsPath": "$.a", "Next": "HasTime"},
        "HasTime": {
            "Type": "Choice",
            "Default": "Shape",
            "Choices": [{"Variable": "$.t", "IsPresent": True, "Next": "Until"}],
        },
        "Until": {"Type": "Wait", "TimestampPath": "$.t", "Next": "Shape"},
        "Map": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"v.$": "$$.Map.Item.Value", "all.$": "$"},
            "ItemProcessor": {
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "OutputPath": "$.v", "End": True}},
            },
            "ResultPath": "$.items",
            "Next": "Shape",
        },
        "Shape": {
            "Type": "Pass",
            "Parameters": {"in.$": "$", "text.$": "States.JsonToString($)"},
            "ResultPath": "$.out",
            "End": True,
        },
    },
}


@settings(max_examples=300, deadline=None)
@given(inputs)
def test_any_input_ends_the_run_with_an_asl_outcome(value):
    env = VirtualEnv(start=datetime(2024, 1, 1, tzinfo=UTC), seed=0)
    result = run(MACHINE, value, env=env)
    assert result.status in ("SUCCEEDED", "FAILED")
    if result.status == "FAILED":
        assert result.error.startswith("States.")
        assert isinstance(result.cause, str)
    assert result.history[0]["type"] == "ExecutionStarted"
    assert result.history[-1]["type"] in ("ExecutionSucceeded", "ExecutionFailed")
