# ruff: noqa: E501 - the table holds exact messages, one per line
"""JSONata definitions: every `{% ... %}` must parse (the message names the field and the
character), number fields hold numbers or exact expressions, and JSONPath-only fields such as
Result are rejected; valid JSONata and mixed-language machines validate cleanly."""

from __future__ import annotations

import textwrap

import pytest

from engine.definition import load_definition, validate
from engine.definition.compiler import compile_machine
from engine.errors import ExpressionError


def problems(text: str) -> list[str]:
    document = load_definition(textwrap.dedent(text))
    return [f"{d.line}:{d.column}: {d.message}" for d in validate(document)]


INVALID = [
    (
        "an Output expression that does not parse",
        """\
        QueryLanguage: JSONata
        StartAt: A
        States:
          A:
            Type: Pass
            Output:
              total: "{% $sum($states.input.x) + %}"
            End: true
        """,
        [
            "7:14: state 'A': Output.total: the JSONata expression '$sum($states.input.x) +' does not parse: S0207: Unexpected end of expression (at character 23)",
        ],
    ),
    (
        "a Condition, a catcher Output and an Assign in a list that do not parse",
        """\
        StartAt: C
        States:
          C:
            QueryLanguage: JSONata
            Type: Choice
            Choices:
              - Condition: "{% $states.input.a = %}"
                Next: T
            Default: T
          T:
            QueryLanguage: JSONata
            Type: Task
            Resource: work
            Assign:
              list: ["{% [1, 2 %}"]
            Catch:
              - ErrorEquals: [States.ALL]
                Output: "{% $states.errorOutput. %}"
                Next: E
            End: true
          E: {Type: Succeed}
        """,
        [
            "7:20: state 'C': Choices[0].Condition: the JSONata expression '$states.input.a =' does not parse: S0207: Unexpected end of expression (at character 17)",
            "15:14: state 'T': Assign.list[0]: the JSONata expression '[1, 2' does not parse: S0203: Expected \"]\" before end of expression (at character 5)",
            "18:17: state 'T': Catch[0].Output: the JSONata expression '$states.errorOutput.' does not parse: S0207: Unexpected end of expression (at character 20)",
        ],
    ),
    (
        "a Seconds with spaces outside the braces",
        """\
        QueryLanguage: JSONata
        StartAt: W
        States:
          W:
            Type: Wait
            Seconds: " {% 1 %} "
            End: true
        """,
        [
            "6:14: state 'W': Seconds is the text ' {% 1 %} ', not a JSONata expression: write it as '{% ... %}' with nothing outside the braces",
        ],
    ),
    (
        "Result in a JSONata Pass",
        """\
        QueryLanguage: JSONata
        StartAt: A
        States:
          A: {Type: Pass, Result: 1, End: true}
        """,
        [
            "4:19: state 'A': Result is a JSONPath field, but this state uses JSONata (write Output instead)",
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_jsonata(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


VALID = """\
QueryLanguage: JSONata
StartAt: Init
States:
  Init:
    Type: Pass
    Assign: {limit: 2}
    Output: {orders: "{% $states.input.orders %}", note: " {% not an expression %} "}
    Next: Check
  Check:
    Type: Choice
    Choices:
      - Condition: "{% $count($states.input.orders) > 0 %}"
        Output: "{% $states.input.orders %}"
        Next: Each
    Default: Nothing
  Nothing: {Type: Succeed}
  Each:
    Type: Map
    Items: "{% $states.input %}"
    MaxConcurrency: "{% $limit %}"
    ItemSelector: {order: "{% $states.context.Map.Item.Value %}"}
    ItemProcessor:
      StartAt: Legacy
      States:
        Legacy:
          QueryLanguage: JSONPath
          Type: Pass
          Parameters: {"id.$": "$.order.id"}
          End: true
    Next: Pause
  Pause:
    Type: Wait
    Seconds: "{% $limit %}"
    Next: Stop
  Stop:
    Type: Fail
    Error: Done
    Cause: "{% $string($states.input) %}"
"""


def test_a_valid_jsonata_machine_with_a_jsonpath_state_has_no_problems() -> None:
    assert problems(VALID) == []
    machine = compile_machine(load_definition(VALID).data)
    assert machine.states["Each"].processor.states["Legacy"].query_language == "JSONPath"


def test_the_validator_and_the_compiler_agree_on_what_parses() -> None:
    bad = VALID.replace("$count($states.input.orders) > 0", "$count(")
    assert any("does not parse" in message for message in problems(bad))
    with pytest.raises(ExpressionError, match="does not parse"):
        compile_machine(load_definition(bad).data)
