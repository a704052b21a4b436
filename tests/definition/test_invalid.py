# ruff: noqa: E501 - the table holds exact messages, one per line
"""Invalid definitions, one per rule and per schema area: the exact message and its place.

Each case is a small YAML definition and every diagnostic `validate` must give for it, as
`line:column: message`.
"""

from __future__ import annotations

import textwrap

import pytest

from engine.definition import load_definition, validate

CASES = [
    (
        "missing StartAt",
        """\
        States:
          A: {Type: Succeed}
        """,
        [
            "1:1: the state machine: missing required field 'StartAt'",
        ],
    ),
    (
        "unknown top-level field",
        """\
        StartAt: A
        Foo: 1
        States:
          A: {Type: Succeed}
        """,
        [
            "2:1: the state machine: unknown field 'Foo'",
        ],
    ),
    (
        "empty States",
        """\
        StartAt: A
        States: {}
        """,
        [
            "2:9: States must not be empty",
        ],
    ),
    (
        "top-level TimeoutSeconds zero",
        """\
        StartAt: A
        TimeoutSeconds: 0
        States:
          A: {Type: Succeed}
        """,
        [
            "2:17: TimeoutSeconds must be at least 1, not 0",
        ],
    ),
    (
        "unknown QueryLanguage",
        """\
        StartAt: A
        QueryLanguage: XPath
        States:
          A: {Type: Succeed}
        """,
        [
            "2:16: QueryLanguage must be one of JSONPath, JSONata, not 'XPath'",
        ],
    ),
    (
        "state without Type",
        """\
        StartAt: A
        States:
          A:
            End: true
        """,
        [
            "4:5: state 'A': missing required field 'Type'",
        ],
    ),
    (
        "unknown state Type",
        """\
        StartAt: A
        States:
          A:
            Type: Lambda
            End: true
        """,
        [
            "4:11: state 'A': Type must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map, not 'Lambda'",
        ],
    ),
    (
        "Task without Resource",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            End: true
        """,
        [
            "4:5: state 'A': missing required field 'Resource'",
        ],
    ),
    (
        "misspelt field",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            Resutl: 1
            End: true
        """,
        [
            "5:5: state 'A': unknown field 'Resutl' in a Pass state (did you mean 'Result'?)",
        ],
    ),
    (
        "End false",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            End: false
        """,
        [
            "5:10: state 'A': End must be true (leave End out instead)",
        ],
    ),
    (
        "negative MaxAttempts",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Retry:
              - ErrorEquals: [Oops]
                MaxAttempts: -1
            End: true
        """,
        [
            "8:22: state 'A': Retry[0].MaxAttempts must be at least 0, not -1",
        ],
    ),
    (
        "BackoffRate below one",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Retry:
              - ErrorEquals: [Oops]
                BackoffRate: 0.5
            End: true
        """,
        [
            "8:22: state 'A': Retry[0].BackoffRate must be at least 1, not 0.5",
        ],
    ),
    (
        "unknown JitterStrategy",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Retry:
              - ErrorEquals: [Oops]
                JitterStrategy: SOME
            End: true
        """,
        [
            "8:25: state 'A': Retry[0].JitterStrategy must be one of FULL, NONE, not 'SOME'",
        ],
    ),
    (
        "IntervalSeconds as a string",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Retry:
              - ErrorEquals: [Oops]
                IntervalSeconds: "5"
            End: true
        """,
        [
            "8:26: state 'A': Retry[0].IntervalSeconds must be an integer, not a string",
        ],
    ),
    (
        "Catch without Next",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Catch:
              - ErrorEquals: [Oops]
            End: true
        """,
        [
            "7:9: state 'A': Catch[0]: missing required field 'Next'",
        ],
    ),
    (
        "empty ErrorEquals",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Retry:
              - ErrorEquals: []
            End: true
        """,
        [
            "7:22: state 'A': Retry[0].ErrorEquals must not be empty",
        ],
    ),
    (
        "empty Choices",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices: []
            Default: B
          B: {Type: Succeed}
        """,
        [
            "5:14: state 'A': Choices must not be empty",
        ],
    ),
    (
        "negative Wait Seconds",
        """\
        StartAt: A
        States:
          A:
            Type: Wait
            Seconds: -1
            End: true
        """,
        [
            "5:14: state 'A': Seconds must be at least 0, not -1",
        ],
    ),
    (
        "TimeoutSeconds neither integer nor JSONata",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            TimeoutSeconds: soon
            End: true
        """,
        [
            "6:21: state 'A': TimeoutSeconds must be an integer or a JSONata expression ({% ... %}), not 'soon'",
        ],
    ),
    (
        "empty Branches",
        """\
        StartAt: A
        States:
          A:
            Type: Parallel
            Branches: []
            End: true
        """,
        [
            "5:15: state 'A': Branches must not be empty",
        ],
    ),
    (
        "branch without StartAt",
        """\
        StartAt: A
        States:
          A:
            Type: Parallel
            Branches:
              - States:
                  B: {Type: Succeed}
            End: true
        """,
        [
            "6:9: state 'A': Branches[0]: missing required field 'StartAt'",
        ],
    ),
    (
        "unknown ProcessorConfig Mode",
        """\
        StartAt: A
        States:
          A:
            Type: Map
            ItemProcessor:
              ProcessorConfig: {Mode: PARALLEL}
              StartAt: B
              States:
                B: {Type: Succeed}
            End: true
        """,
        [
            "6:31: state 'A': ItemProcessor.ProcessorConfig.Mode must be one of INLINE, DISTRIBUTED, not 'PARALLEL'",
        ],
    ),
    (
        "ToleratedFailurePercentage above 100",
        """\
        StartAt: A
        States:
          A:
            Type: Map
            ToleratedFailurePercentage: 150
            ItemProcessor:
              StartAt: B
              States:
                B: {Type: Succeed}
            End: true
        """,
        [
            "5:33: state 'A': ToleratedFailurePercentage must be at most 100, not 150",
        ],
    ),
    (
        "negative MaxConcurrency",
        """\
        StartAt: A
        States:
          A:
            Type: Map
            MaxConcurrency: -1
            ItemProcessor:
              StartAt: B
              States:
                B: {Type: Succeed}
            End: true
        """,
        [
            "5:21: state 'A': MaxConcurrency must be at least 0, not -1",
        ],
    ),
    (
        "NumericEquals with a string",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Variable: $.n
                NumericEquals: "1"
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "7:24: state 'A': Choices[0].NumericEquals must be a number, not a string",
        ],
    ),
    (
        "Label too long",
        """\
        StartAt: A
        States:
          A:
            Type: Map
            Label: a-label-that-is-much-longer-than-forty-characters
            ItemProcessor:
              StartAt: B
              States:
                B: {Type: Succeed}
            End: true
        """,
        [
            "5:12: state 'A': Label must be at most 40 characters long",
        ],
    ),
    (
        "Fail with ResultPath",
        """\
        StartAt: A
        States:
          A:
            Type: Fail
            ResultPath: $.x
        """,
        [
            "5:5: state 'A': unknown field 'ResultPath' in a Fail state",
        ],
    ),
    (
        "Next not a string",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            Next: 5
        """,
        [
            "5:11: state 'A': Next must be a string, not an integer",
        ],
    ),
    (
        "ItemReader without Resource",
        """\
        StartAt: A
        States:
          A:
            Type: Map
            ItemReader: {ReaderConfig: {InputType: CSV}}
            ItemProcessor:
              StartAt: B
              States:
                B: {Type: Succeed}
            End: true
        """,
        [
            "5:5: state 'A': ItemReader is run by sfn only in a DISTRIBUTED Map: AWS accepts it, "
            "but `sfn run` refuses the definition rather than run the Map without it",
            "5:17: state 'A': ItemReader: missing required field 'Resource'",
        ],
    ),
    (
        "StartAt names no state",
        """\
        StartAt: Begin
        States:
          A: {Type: Succeed}
        """,
        [
            "1:10: StartAt names 'Begin', which is not a state of the state machine",
        ],
    ),
    (
        "Next names no state",
        """\
        StartAt: Charge
        States:
          Charge:
            Type: Task
            Resource: charge
            Next: Reserv
          Reserve: {Type: Succeed}
        """,
        [
            "6:11: state 'Charge': Next names 'Reserv', which is not a state of the state machine (did you mean 'Reserve'?)",
            "7:3: state 'Reserve' is never reached: StartAt and no other state lead to it",
        ],
    ),
    (
        "Default names no state",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Variable: $.n
                IsNull: true
                Next: B
            Default: Nowhere
          B: {Type: Succeed}
        """,
        [
            "9:14: state 'A': Default names 'Nowhere', which is not a state of the state machine",
        ],
    ),
    (
        "Catch Next names no state",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Catch:
              - ErrorEquals: [States.ALL]
                Next: Refund
            End: true
        """,
        [
            "8:15: state 'A': Catch[0].Next names 'Refund', which is not a state of the state machine",
        ],
    ),
    (
        "unreachable state",
        """\
        StartAt: A
        States:
          A: {Type: Succeed}
          Orphan: {Type: Succeed}
        """,
        [
            "4:3: state 'Orphan' is never reached: StartAt and no other state lead to it",
        ],
    ),
    (
        "neither Next nor End",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
        """,
        [
            "3:3: state 'A' needs Next (the state to run after it) or End: true (a Pass state does not end the run by itself)",
        ],
    ),
    (
        "both Next and End",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            Next: B
            End: true
          B: {Type: Succeed}
        """,
        [
            "6:5: state 'A' has both Next and End; keep one",
        ],
    ),
    (
        "Succeed with Next",
        """\
        StartAt: A
        States:
          A:
            Type: Succeed
            Next: A
        """,
        [
            "5:5: state 'A': Next is not allowed: a Succeed state ends the run",
        ],
    ),
    (
        "Choice with End",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Variable: $.n
                IsNull: true
                Next: B
            End: true
          B: {Type: Succeed}
        """,
        [
            "9:5: state 'A': End is not allowed: a Choice state moves on through its Choices and Default",
        ],
    ),
    (
        "Fail with End",
        """\
        StartAt: A
        States:
          A:
            Type: Fail
            End: true
        """,
        [
            "5:5: state 'A': End is not allowed: a Fail state ends the run",
        ],
    ),
    (
        "state name over 80 characters",
        """\
        StartAt: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        States:
          AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:
            Type: Succeed
        """,
        [
            "3:3: state name 'AAAAAAAAAAAAAAAAAAAA'... is 81 characters long; the limit is 80",
        ],
    ),
    (
        "state name used in a branch and at the top",
        """\
        StartAt: A
        States:
          A:
            Type: Parallel
            Branches:
              - StartAt: A
                States:
                  A: {Type: Succeed}
            End: true
        """,
        [
            "8:11: state name 'A' is used twice (first defined on line 3); state names must be unique",
        ],
    ),
    (
        "two comparison operators",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Variable: $.x
                StringEquals: a
                NumericEquals: 1
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "8:9: state 'A': Choices[0] has more than one comparison (StringEquals, NumericEquals); a rule has exactly one: combine several with And or Or",
        ],
    ),
    (
        "no comparison operator",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Variable: $.x
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "6:9: state 'A': Choices[0] has no comparison: give a Variable and one operator such as StringEquals or NumericGreaterThan, or And/Or/Not",
        ],
    ),
    (
        "comparison without Variable",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - StringEquals: a
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "6:9: state 'A': Choices[0] uses StringEquals but has no Variable (the path of the value to compare)",
        ],
    ),
    (
        "Variable beside And",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Variable: $.x
                And:
                  - {Variable: $.y, IsNull: true}
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "6:9: state 'A': Choices[0]: Variable is not allowed beside And",
        ],
    ),
    (
        "top-level rule without Next",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Variable: $.x
                IsNull: true
            Default: B
          B: {Type: Succeed}
        """,
        [
            "6:9: state 'A': Choices[0] needs Next: the state to run when it matches",
        ],
    ),
    (
        "nested rule with Next",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Not:
                  Variable: $.x
                  IsNull: true
                  Next: B
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "9:11: state 'A': Choices[0].Not: Next is only allowed in a top-level Choice rule, not inside And, Or or Not",
        ],
    ),
    (
        "JSONata rule without Condition",
        """\
        StartAt: A
        QueryLanguage: JSONata
        States:
          A:
            Type: Choice
            Choices:
              - Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "7:9: state 'A': Choices[0] needs a Condition (a JSONata expression)",
        ],
    ),
    (
        "JSONata rule with a JSONPath comparison",
        """\
        StartAt: A
        QueryLanguage: JSONata
        States:
          A:
            Type: Choice
            Choices:
              - Condition: "{% $states.input.x %}"
                BooleanEquals: true
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "8:9: state 'A': Choices[0]: BooleanEquals is JSONPath; in a JSONata state a rule is a Condition: '{% ... %}'",
        ],
    ),
    (
        "TimestampEquals not a timestamp",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Variable: $.when
                TimestampEquals: tomorrow
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "7:26: state 'A': Choices[0]: TimestampEquals needs an RFC 3339 timestamp such as 2026-03-14T01:59:00Z, not 'tomorrow'",
        ],
    ),
    (
        "States.ALL with other errors",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Retry:
              - ErrorEquals: [States.ALL, Oops]
            End: true
        """,
        [
            "7:22: state 'A': Retry[0].ErrorEquals: States.ALL matches every error, so it must be alone in its list",
        ],
    ),
    (
        "States.ALL not in the last catcher",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Catch:
              - ErrorEquals: [States.ALL]
                Next: B
              - ErrorEquals: [Oops]
                Next: B
            End: true
          B: {Type: Succeed}
        """,
        [
            "7:22: state 'A': Catch[0].ErrorEquals: States.ALL must be in the last catcher; the ones after it never run",
        ],
    ),
    (
        "Wait with two durations",
        """\
        StartAt: A
        States:
          A:
            Type: Wait
            Seconds: 5
            SecondsPath: $.delay
            End: true
        """,
        [
            "6:5: state 'A' has both Seconds and SecondsPath; keep one",
        ],
    ),
    (
        "Wait without a duration",
        """\
        StartAt: A
        States:
          A:
            Type: Wait
            End: true
        """,
        [
            "3:3: state 'A' needs one of Seconds, SecondsPath, Timestamp, TimestampPath",
        ],
    ),
    (
        "Map without ItemProcessor",
        """\
        StartAt: A
        States:
          A:
            Type: Map
            End: true
        """,
        [
            "3:3: state 'A' needs an ItemProcessor: the state machine to run for each item",
        ],
    ),
    (
        "HeartbeatSeconds not below TimeoutSeconds",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            TimeoutSeconds: 10
            HeartbeatSeconds: 10
            End: true
        """,
        [
            "7:23: state 'A': HeartbeatSeconds (10) must be smaller than TimeoutSeconds (10)",
        ],
    ),
    (
        "Wait Timestamp not a timestamp",
        """\
        StartAt: A
        States:
          A:
            Type: Wait
            Timestamp: "2026-13-01T00:00:00Z"
            End: true
        """,
        [
            "5:16: state 'A': Timestamp must be an RFC 3339 timestamp such as 2026-03-14T01:59:00Z, not '2026-13-01T00:00:00Z'",
        ],
    ),
    (
        "bad variable name",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            Assign:
              1st: one
            End: true
        """,
        [
            "6:7: state 'A': '1st' is not a valid variable name (letters, digits and _, not starting with a digit; not 'states')",
        ],
    ),
    (
        "JSONPath field in a JSONata state",
        """\
        StartAt: A
        QueryLanguage: JSONata
        States:
          A:
            Type: Pass
            InputPath: $.order
            End: true
        """,
        [
            "6:5: state 'A': InputPath is a JSONPath field, but this state uses JSONata (write Arguments instead)",
        ],
    ),
    (
        "JSONata field in a JSONPath state",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            Output: {total: 1}
            End: true
        """,
        [
            "5:5: state 'A': Output is a JSONata field, but this state uses JSONPath (set QueryLanguage: JSONata, or write OutputPath or ResultSelector)",
        ],
    ),
    (
        "Condition in a JSONPath Choice rule",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Condition: "{% $states.input.ok %}"
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "6:9: state 'A': Condition is a JSONata field, but this state uses JSONPath (set QueryLanguage: JSONata, or write Variable and a comparison)",
        ],
    ),
    (
        "JSONata expression in a JSONPath state",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            TimeoutSeconds: "{% $states.input.limit %}"
            End: true
        """,
        [
            "6:21: state 'A': TimeoutSeconds holds a JSONata expression, but this state uses JSONPath (set QueryLanguage: JSONata, or use TimeoutSecondsPath)",
        ],
    ),
    (
        "state QueryLanguage overrides the top",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            QueryLanguage: JSONata
            ResultPath: $.x
            End: true
        """,
        [
            "6:5: state 'A': ResultPath is a JSONPath field, but this state uses JSONata (write Output and Assign instead)",
        ],
    ),
    (
        "bad InputPath",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            InputPath: $.items[
            End: true
        """,
        [
            "5:16: state 'A': InputPath: invalid JSONPath '$.items[': '[' at position 6 is not closed",
        ],
    ),
    (
        "ResultPath not a reference path",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            ResultPath: $.items[*]
            End: true
        """,
        [
            "5:17: state 'A': ResultPath: '$.items[*]' is not a reference path: it must name a single node (no wildcards, slices, filters, unions or '..')",
        ],
    ),
    (
        "Catch ResultPath not a reference path",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Catch:
              - ErrorEquals: [Oops]
                ResultPath: errors
                Next: B
            End: true
          B: {Type: Succeed}
        """,
        [
            "8:21: state 'A': Catch[0].ResultPath: 'errors' is not a JSONPath: a path starts with '$'",
        ],
    ),
    (
        "dollar field holding plain text",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            Parameters:
              order:
                id.$: hello
            End: true
        """,
        [
            "7:15: state 'A': Parameters.order.id.$: the value of field 'id.$' ('hello') is neither a path (starting with '$') nor an intrinsic function call (starting with 'States.')",
        ],
    ),
    (
        "unknown intrinsic function",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            Parameters:
              id.$: States.Nope($.x)
            End: true
        """,
        [
            "6:13: state 'A': Parameters.id.$: unknown intrinsic function States.Nope in 'States.Nope($.x)'; known: States.Array, States.ArrayContains, States.ArrayGetItem, States.ArrayLength, States.ArrayPartition, States.ArrayRange, States.ArrayUnique, States.Base64Decode, States.Base64Encode, States.Format, States.Hash, States.JsonMerge, States.JsonToString, States.MathAdd, States.MathRandom, States.StringSplit, States.StringToJson, States.UUID",
        ],
    ),
    (
        "intrinsic with too few arguments",
        """\
        StartAt: A
        States:
          A:
            Type: Pass
            Parameters:
              parts.$: States.ArrayPartition($.items)
            End: true
        """,
        [
            "6:16: state 'A': Parameters.parts.$: States.ArrayPartition takes 2 arguments, but 1 were given in 'States.ArrayPartition($.items)'",
        ],
    ),
    (
        "bad Choice Variable",
        """\
        StartAt: A
        States:
          A:
            Type: Choice
            Choices:
              - Variable: order.total
                NumericGreaterThan: 10
                Next: B
            Default: B
          B: {Type: Succeed}
        """,
        [
            "6:19: state 'A': Choices[0].Variable: 'order.total' is not a JSONPath: a path starts with '$'",
        ],
    ),
    (
        "bad ErrorPath",
        """\
        StartAt: A
        States:
          A:
            Type: Fail
            ErrorPath: error
        """,
        [
            "5:16: state 'A': ErrorPath: the value of field 'ErrorPath' ('error') is neither a path (starting with '$') nor an intrinsic function call (starting with 'States.')",
        ],
    ),
    (
        "TimeoutSeconds and TimeoutSecondsPath",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            TimeoutSeconds: 5
            TimeoutSecondsPath: $.timeout
            End: true
        """,
        [
            "7:5: state 'A' has both TimeoutSeconds and TimeoutSecondsPath; keep one",
        ],
    ),
    (
        "unknown Next inside a Parallel branch",
        """\
        StartAt: A
        States:
          A:
            Type: Parallel
            Branches:
              - StartAt: B
                States:
                  B:
                    Type: Pass
                    Next: C
            End: true
        """,
        [
            "10:19: state 'B': Next names 'C', which is not a state of branch 1 of state 'A'",
        ],
    ),
    (
        "missing End inside a Map processor",
        """\
        StartAt: A
        States:
          A:
            Type: Map
            ItemProcessor:
              StartAt: B
              States:
                B:
                  Type: Task
                  Resource: work
            End: true
        """,
        [
            "8:9: state 'B' needs Next (the state to run after it) or End: true (a Task state does not end the run by itself)",
        ],
    ),
    (
        "bad Assign path in a Catch",
        """\
        StartAt: A
        States:
          A:
            Type: Task
            Resource: work
            Catch:
              - ErrorEquals: [Oops]
                Assign:
                  reason.$: $.Cause[
                Next: B
            End: true
          B: {Type: Succeed}
        """,
        [
            "9:21: state 'A': Catch[0].Assign.reason.$: invalid JSONPath '$.Cause[': '[' at position 6 is not closed",
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_definition(text: str, expected: list[str]) -> None:
    document = load_definition(textwrap.dedent(text), filename="t.yaml")
    found = [f"{d.line}:{d.column}: {d.message}" for d in validate(document)]
    assert found == expected


def test_the_table_covers_at_least_forty_rules() -> None:
    assert len({name for name, _, _ in CASES}) == len(CASES) >= 40
