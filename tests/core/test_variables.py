"""Variables: Assign on each state, evaluated with the state's result, and AWS's scoping rules
for Parallel and Map (inner scopes read the outer variables and cannot change them)."""

from __future__ import annotations

from engine.testing import run


def test_assign_sees_the_result_and_takes_effect_in_the_next_state():
    definition = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Pass",
                "Parameters": {"v": 1},
                "Assign": {"x.$": "$.v", "lit": "$.v"},
                "Next": "B",
            },
            "B": {"Type": "Pass", "Parameters": {"x.$": "$x", "lit.$": "$lit"}, "End": True},
        },
    }
    assert run(definition, {}).output == {"x": 1, "lit": "$.v"}


def test_assignments_of_one_state_all_read_the_old_values():
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"a": 1, "b": 2}, "Next": "B"},
            "B": {"Type": "Pass", "Assign": {"a.$": "$b", "b.$": "$a"}, "Next": "C"},
            "C": {"Type": "Pass", "Parameters": {"a.$": "$a", "b.$": "$b"}, "End": True},
        },
    }
    assert run(definition, {}).output == {"a": 2, "b": 1}


def test_map_iterations_read_outer_variables_and_their_assignments_stay_inside():
    definition = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"x": 42, "items": [1, 2]}, "Next": "M"},
            "M": {
                "Type": "Map",
                "ItemsPath": "$items",
                "Next": "After",
                "ItemProcessor": {
                    "StartAt": "In",
                    "States": {
                        "In": {"Type": "Pass", "Assign": {"inner.$": "$x"}, "Next": "Read"},
                        "Read": {
                            "Type": "Pass",
                            "Parameters": {"inner.$": "$inner", "x.$": "$x"},
                            "End": True,
                        },
                    },
                },
            },
            "After": {"Type": "Pass", "Parameters": {"x.$": "$x", "items.$": "$"}, "End": True},
        },
    }
    result = run(definition, {})
    assert result.output == {"x": 42, "items": [{"inner": 42, "x": 42}] * 2}


def test_an_inner_variable_is_not_visible_after_the_parallel():
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Next": "After",
                "Branches": [
                    {
                        "StartAt": "B",
                        "States": {"B": {"Type": "Pass", "Assign": {"inner": 1}, "End": True}},
                    }
                ],
            },
            "After": {"Type": "Pass", "Parameters": {"v.$": "$inner"}, "End": True},
        },
    }
    result = run(definition, {})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_catch_assign_sees_the_error_output():
    definition = {
        "StartAt": "F",
        "States": {
            "F": {
                "Type": "Task",
                "Resource": "boom",
                "Next": "Done",
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Assign": {"err.$": "$.Error"}, "Next": "Done"}
                ],
            },
            "Done": {"Type": "Pass", "Parameters": {"err.$": "$err"}, "End": True},
        },
    }

    def boom(_):
        raise KeyError("k")

    assert run(definition, {}, {"boom": boom}).output == {"err": "KeyError"}


def test_assigned_variables_show_in_the_exit_event():
    definition = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Assign": {"x": [1]}, "End": True}},
    }
    exited = run(definition, {}).history[2]
    assert exited["stateExitedEventDetails"]["assignedVariables"] == {"x": "[1]"}
