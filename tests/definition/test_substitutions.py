"""`${Name}` placeholders filled as CloudFormation's DefinitionSubstitutions fill them: in the
definition's text (so an unquoted `${Timeout}` becomes a number), every position still pointing
into the file as written.

AWS::StepFunctions::StateMachine, DefinitionSubstitutions: "A map (string to string) that
specifies the mappings for placeholder variables in the state machine definition ... Substitutions
must follow the syntax: ${key_name}".
"""

import pytest

from engine.definition import load_definition, validate
from engine.definition.substitutions import require_filled
from engine.errors import DefinitionError

TEXT = """{
  "StartAt": "Remind",
  "States": {
  "Remind": {"Type":"Task", "Resource":"${RemindArn}", "HeartbeatSeconds": ${Timeout}, "Next":"N"},
    "${Done}": {"Type": "Succeed"}
  }
}
"""
VALUES = {"RemindArn": "arn:aws:lambda:eu-west-1:123456789012:function:remind", "Timeout": "3600"}


def test_placeholders_are_filled_in_the_text_as_cloudformation_does() -> None:
    document = load_definition(TEXT, substitutions={**VALUES, "Done": "Finished"})
    state = document.data["States"]["Remind"]
    assert state["Resource"] == VALUES["RemindArn"]
    assert state["HeartbeatSeconds"] == 3600  # unquoted: a number, as in the deployed text
    assert "Finished" in document.data["States"]


def test_positions_after_a_longer_value_on_the_same_line_point_into_the_file_as_written() -> None:
    document = load_definition(TEXT, filename="m.json", substitutions=VALUES)
    errors = [d for d in validate(document) if d.severity == "error"]
    line = TEXT.splitlines()[3]
    nope = [d for d in errors if "Next names 'N'" in d.message]
    assert [(d.line, d.column) for d in nope] == [(4, line.index('"N"}') + 1)]
    heartbeat = document.position(("States", "Remind", "HeartbeatSeconds"))
    assert heartbeat == (4, line.index("${Timeout}") + 1)


def test_an_unfilled_placeholder_is_a_warning_where_it_is_written() -> None:
    document = load_definition(TEXT, filename="m.json", substitutions={"Timeout": "60"})
    warnings = [d for d in validate(document) if d.severity == "warning"]
    remind = TEXT.splitlines()[3].index('"${RemindArn}"') + 1
    assert [(d.line, d.column) for d in warnings] == [(4, remind), (5, 5)]
    assert "${RemindArn} is not filled" in warnings[0].message
    assert "${Done} is not filled" in warnings[1].message


def test_an_unfilled_unquoted_placeholder_still_parses_and_is_only_warned_about() -> None:
    document = load_definition(TEXT, filename="m.json", substitutions={})
    found = validate(document)
    assert any("${Timeout} is not filled" in d.message for d in found)
    # HeartbeatSeconds holds "${Timeout}" until filled: no schema error about its type.
    assert not [d for d in found if d.severity == "error" and "HeartbeatSeconds" in d.message]
    assert [d.path for d in found if "Next names" in d.message] == [("States", "Remind", "Next")]


def test_running_needs_every_placeholder_filled_and_lists_the_missing_ones() -> None:
    document = load_definition(TEXT, substitutions={"Timeout": "60"})
    with pytest.raises(DefinitionError) as error:
        require_filled(document)
    assert "${Done}, ${RemindArn}" in str(error.value)


def test_yaml_and_dict_definitions() -> None:
    yaml_text = "StartAt: P\nStates:\n  P: {Type: Pass, Result: ${Value}, End: true}\n"
    assert (
        load_definition(yaml_text, substitutions={"Value": "7"}).data["States"]["P"]["Result"] == 7
    )
    data = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "x-${V}", "End": True}}}
    filled = load_definition(data, substitutions={"V": "1"})
    assert filled.data["States"]["P"]["Result"] == "x-1"
    assert data["States"]["P"]["Result"] == "x-${V}"


def test_a_syntax_error_after_a_filled_value_is_placed_in_the_file_as_written() -> None:
    text = '{"StartAt": "${Start}", "States": {,}}'
    with pytest.raises(DefinitionError) as error:
        load_definition(text, filename="m.json", substitutions={"Start": "AVeryLongStateName"})
    assert error.value.diagnostics[0].column == text.index("{,") + 2
