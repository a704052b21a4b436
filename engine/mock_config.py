"""Mock configs in the MockConfigFile format of AWS Step Functions Local, so a team's existing
mocked test cases run unchanged in `engine.testing`.

`StateMachines.<machine>.TestCases.<case>.<state>` names a response in `MockedResponses`;
a response maps invocations (`"0"`, or a range `"1-3"`, counted from 0 per state, retries
included) to `{"Return": value}` or `{"Throw": {"Error": ..., "Cause": ...}}`. A mocked Task
needs no activity; states the test case does not name run as usual. Read and checked once;
every problem names the field it is in.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from engine.errors import UsageError

Json = Any
_INVOCATIONS = re.compile(r"(\d+)(?:-(\d+))?")


@dataclass(frozen=True)
class Answer:
    """What a mocked invocation gives: a result, or a failure (`error`, `cause`)."""

    result: Json = None
    error: str | None = None
    cause: str | None = None

    @property
    def fails(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class MockedState:
    """A state's mocked response: answers by invocation range (first, last, answer)."""

    response: str
    answers: tuple[tuple[int, int, Answer], ...]

    def answer(self, invocation: int) -> Answer | None:
        for first, last, answer in self.answers:
            if first <= invocation <= last:
                return answer
        return None


@dataclass(frozen=True)
class TestCase:
    """One test case of one state machine: its mocked states by name."""

    __test__ = False  # not a pytest class, whatever its name

    machine: str
    name: str
    states: Mapping[str, MockedState]


def load_test_case(
    source: str | PurePath | Mapping[str, Json], machine: str, case: str
) -> TestCase:
    """The test case `case` of state machine `machine` in a mock config (a path or its data)."""
    where = "the mock config" if isinstance(source, Mapping) else f"mock config {source}"
    data = source if isinstance(source, Mapping) else _read(Path(source))
    if not isinstance(data, dict):
        raise UsageError(f"{where}: must be a JSON object with StateMachines and MockedResponses")
    machines = _object(data, "StateMachines", where)
    if machine not in machines:
        raise UsageError(
            f"{where}: StateMachines has no {machine!r} (it has: {_listing(machines)}); "
            "the state machine's name is its file's name without .asl and the suffix"
        )
    cases = _object(_object(machines, machine, where, "StateMachines"), "TestCases", where)
    if case not in cases:
        raise UsageError(
            f"{where}: StateMachines.{machine}.TestCases has no {case!r} "
            f"(it has: {_listing(cases)})"
        )
    mapping = _object(cases, case, where, f"StateMachines.{machine}.TestCases")
    responses = _object(data, "MockedResponses", where)
    states = {}
    for state, response in mapping.items():
        field = f"StateMachines.{machine}.TestCases.{case}.{state}"
        if not isinstance(response, str) or response not in responses:
            raise UsageError(f"{where}: {field} names {response!r}, which MockedResponses lacks")
        states[state] = MockedState(response, _answers(responses[response], where, response))
    return TestCase(machine, case, states)


def check_states(test_case: TestCase, task_states: set[str], where: str) -> None:
    """A mocked state must be a Task state of the definition: a typo must not pass silently."""
    unknown = sorted(set(test_case.states) - task_states)
    if unknown:
        raise UsageError(
            f"{where}: test case {test_case.name!r} mocks {', '.join(map(repr, unknown))}, "
            f"which {'is' if len(unknown) == 1 else 'are'} not a Task state of the definition"
        )


def _read(path: Path) -> Json:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read the mock config {path}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"mock config {path} is not JSON: {error}") from None


def _object(data: Mapping[str, Json], key: str, where: str, parent: str = "") -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        field = f"{parent}.{key}" if parent else key
        raise UsageError(f"{where}: {field} must be a JSON object")
    return value


def _answers(response: Json, where: str, name: str) -> tuple[tuple[int, int, Answer], ...]:
    field = f"MockedResponses.{name}"
    if not isinstance(response, dict) or not response:
        raise UsageError(f"{where}: {field} must map invocations to Return or Throw")
    answers = []
    for key, value in response.items():
        match = _INVOCATIONS.fullmatch(key)
        if not match:
            raise UsageError(f"{where}: {field}: {key!r} is not an invocation (0) or range (1-3)")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise UsageError(f"{where}: {field}: the range {key!r} ends before it starts")
        answers.append((first, last, _answer(value, where, f"{field}.{key}")))
    answers.sort(key=lambda item: item[0])
    for (_, last, _), (first, _, _) in itertools.pairwise(answers):
        if first <= last:
            raise UsageError(f"{where}: {field}: invocation {first} has two answers")
    return tuple(answers)


def _answer(value: Json, where: str, field: str) -> Answer:
    if not isinstance(value, dict) or len(set(value) & {"Return", "Throw"}) != 1:
        raise UsageError(f"{where}: {field} must hold exactly one of Return and Throw")
    extra = set(value) - {"Return", "Throw"}
    if extra:
        raise UsageError(f"{where}: {field}: unknown field {sorted(extra)[0]!r}")
    if "Return" in value:
        return Answer(result=value["Return"])
    thrown = value["Throw"]
    if not isinstance(thrown, dict) or not isinstance(thrown.get("Error"), str):
        raise UsageError(f"{where}: {field}.Throw must be an object with an Error (and a Cause)")
    cause = thrown.get("Cause")
    return Answer(error=thrown["Error"], cause=None if cause is None else str(cause))


def _listing(names: Mapping[str, Json]) -> str:
    return ", ".join(sorted(names)) or "none"


class Invocations:
    """Counts the invocations of each mocked state during one execution."""

    def __init__(self, test_case: TestCase):
        self.test_case = test_case
        self._counts: dict[str, int] = {}

    def __contains__(self, state: str) -> bool:
        return state in self.test_case.states

    def next_answer(self, state: str) -> Answer:
        """The answer to the state's next invocation (a failure when the response has none)."""
        mocked = self.test_case.states[state]
        invocation = self._counts.get(state, 0)
        self._counts[state] = invocation + 1
        answer = mocked.answer(invocation)
        if answer is None:
            cause = (
                f"test case {self.test_case.name!r} has no answer for invocation {invocation} "
                f"of state {state!r} (MockedResponses.{mocked.response})"
            )
            return Answer(error="States.TaskFailed", cause=cause)
        return answer
