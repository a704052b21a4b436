"""Compile definition dicts into the model of `model.py`: JSONPath paths, templates, intrinsic
calls and Choice rules, or a JSONata state's expressions, each parsed once, with its place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.definition.model import (
    JSONATA,
    JSONPATH,
    Catcher,
    ChoiceRule,
    ChoiceState,
    Expression,
    FailState,
    ItemBatcher,
    ItemReader,
    Machine,
    MachinePath,
    MapState,
    ParallelState,
    PassState,
    ResultWriter,
    Retrier,
    State,
    SucceedState,
    TaskState,
    WaitState,
)
from engine.definition.resources import classify
from engine.errors import ExpressionError
from engine.language.jsonpath import compile_path
from engine.language.reference import compile_reference_path

# JSONata, Choice rules, templates and intrinsic functions are imported where a field needs
# them: a definition that uses none loads none of them (`sfn run` of a small workflow spends
# most of its time importing).

Json = Any


def compile_machine(data: Mapping[str, Json]) -> Machine:
    """Compile a definition (plain JSON data) into the model the interpreter runs: its
    top-level machine."""
    return _Compiler().machine(data, (), "root", None, JSONPATH, "INLINE")


def query(body: Mapping[str, Json], field: str) -> Any:
    """A JSONata state's field compiled (None when absent); messages name it `field`."""
    return _jsonata(body[field], field) if field in body else None


def _jsonata(value: Json, field: str) -> Any:
    from engine.language.jsonata import compile_value

    return compile_value(value, field)


class _Compiler:
    """Turns definition dicts into model objects; raises ExpressionError with the place."""

    def machine(
        self,
        data: Mapping[str, Json],
        path: MachinePath,
        role: str,
        owner: str | None,
        inherited_language: str,
        mode: str,
    ) -> Machine:
        language = data.get("QueryLanguage", inherited_language)
        states = {
            name: self.state(name, body, path, language) for name, body in data["States"].items()
        }
        return Machine(
            start_at=data["StartAt"],
            states=states,
            query_language=language,
            comment=data.get("Comment"),
            timeout_seconds=data.get("TimeoutSeconds"),
            path=path,
            role=role,
            owner=owner,
            mode=mode,
        )

    def state(self, name: str, body: Mapping[str, Json], path: MachinePath, language: str) -> State:
        kind = body["Type"]
        language = body.get("QueryLanguage", language)
        common: dict[str, Any] = {
            "name": name,
            "type": kind,
            "query_language": language,
            "next": body.get("Next"),
            "end": bool(body.get("End", False)),
            "comment": body.get("Comment"),
        }
        try:
            if language == JSONATA:
                return self._jsonata_state(kind, body, common, path)
            return self._jsonpath_state(kind, body, common, path)
        except ExpressionError as error:
            raise ExpressionError(f"state {name!r}: {error}") from error

    def _jsonpath_state(
        self, kind: str, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath
    ) -> State:
        common["input_path"] = self.optional_path(body, "InputPath")
        common["output_path"] = self.optional_path(body, "OutputPath")
        common["assign"] = self.template(body.get("Assign"))
        return self._build(kind, "", body, common, path)

    def _jsonata_state(
        self, kind: str, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath
    ) -> State:
        common["output"] = query(body, "Output")
        common["assign"] = query(body, "Assign")
        return self._build(kind, "jsonata_", body, common, path)

    def _build(
        self,
        kind: str,
        prefix: str,
        body: Mapping[str, Json],
        common: dict[str, Any],
        path: MachinePath,
    ) -> State:
        build = getattr(self, f"_{prefix}{kind.lower()}", None)
        if build is None:
            raise ExpressionError(f"unknown state type {kind!r}")
        return build(body, common, path)

    # JSONPath states

    def _results(self, body: Mapping[str, Json], common: dict[str, Any]) -> dict[str, Any]:
        result_path = body.get("ResultPath", "$")
        common.update(
            parameters=self.template(body.get("Parameters")),
            result_selector=self.template(body.get("ResultSelector")),
            result_path=None if result_path is None else compile_reference_path(result_path),
            discard_result=result_path is None,
            retry=tuple(self.retrier(r) for r in body.get("Retry", ())),
            catch=tuple(self.catcher(c) for c in body.get("Catch", ())),
        )
        return common

    def _pass(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        return PassState(
            **self._results(body, common), result=body.get("Result"), has_result="Result" in body
        )

    def _task(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        return TaskState(
            **self._results(body, common),
            resource=body["Resource"],
            kind=classify(body["Resource"]),
            timeout_seconds=body.get("TimeoutSeconds"),
            timeout_seconds_path=self.expression(body.get("TimeoutSecondsPath")),
            heartbeat_seconds=body.get("HeartbeatSeconds"),
            heartbeat_seconds_path=self.expression(body.get("HeartbeatSecondsPath")),
        )

    def _choice(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        choices = tuple(self.choice_rule(rule) for rule in body.get("Choices", ()))
        return ChoiceState(**common, choices=choices, default=body.get("Default"))

    def _wait(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        return WaitState(
            **common,
            seconds=body.get("Seconds"),
            seconds_path=self.expression(body.get("SecondsPath")),
            timestamp=body.get("Timestamp"),
            timestamp_path=self.expression(body.get("TimestampPath")),
        )

    def _succeed(
        self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath
    ) -> State:
        return SucceedState(**common)

    def _fail(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        return FailState(
            **common,
            error=body.get("Error"),
            cause=body.get("Cause"),
            error_path=self.expression(body.get("ErrorPath")),
            cause_path=self.expression(body.get("CausePath")),
        )

    def _parallel(
        self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath
    ) -> State:
        return ParallelState(
            **self._results(body, common), branches=self._branches(body, common, path)
        )

    def _branches(
        self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath
    ) -> tuple[Machine, ...]:
        name, language = common["name"], common["query_language"]
        return tuple(
            self.machine(branch, (*path, name, index), "branch", name, language, "INLINE")
            for index, branch in enumerate(body.get("Branches", ()))
        )

    def _processor(
        self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath
    ) -> tuple[Machine, str]:
        name, language = common["name"], common["query_language"]
        processor_data = body.get("ItemProcessor") or body.get("Iterator") or {}
        mode = processor_data.get("ProcessorConfig", {}).get("Mode", "INLINE")
        processor = self.machine(
            processor_data, (*path, name, 0), "iteration", name, language, mode
        )
        return processor, mode

    def _map(self, body: Mapping[str, Json], common: dict[str, Any], path: MachinePath) -> State:
        processor, mode = self._processor(body, common, path)
        selector = body.get("ItemSelector")
        results = self._results(body, common)
        if selector is None and body.get("Parameters") is not None:
            # The older Parameters of a Map is the ItemSelector of today, applied per item.
            selector, results["parameters"] = body["Parameters"], None
        return MapState(
            **results,
            processor=processor,
            mode=mode,
            items_path=self.optional_path(body, "ItemsPath"),
            item_selector=self.template(selector),
            max_concurrency=body.get("MaxConcurrency", 0),
            max_concurrency_path=self.expression(body.get("MaxConcurrencyPath")),
            tolerated_failure_count=body.get("ToleratedFailureCount", 0),
            tolerated_failure_count_path=self.expression(body.get("ToleratedFailureCountPath")),
            tolerated_failure_percentage=body.get("ToleratedFailurePercentage", 0),
            tolerated_failure_percentage_path=self.expression(
                body.get("ToleratedFailurePercentagePath")
            ),
            **self._map_io(body, self.template, "Parameters"),
        )

    def _map_io(self, body: Mapping[str, Json], template: Any, request: str) -> dict[str, Any]:
        """A Distributed Map's ItemReader, ItemBatcher, ResultWriter and Label; `template`
        compiles a request (`request`: Parameters, or a JSONata state's Arguments)."""
        jsonata = request == "Arguments"
        reader = body.get("ItemReader")
        batcher = body.get("ItemBatcher")
        writer = body.get("ResultWriter")
        return {
            "item_reader": None if reader is None else self._reader(reader, template, request),
            "item_batcher": None if batcher is None else self._batcher(batcher, jsonata),
            "result_writer": None
            if writer is None
            else ResultWriter(parameters=template(writer.get(request))),
            "label": body.get("Label"),
        }

    def _reader(self, data: Mapping[str, Json], template: Any, request: str) -> ItemReader:
        config = data.get("ReaderConfig", {})
        headers = config.get("CSVHeaders")
        max_items = config.get("MaxItems")
        return ItemReader(
            action=data["Resource"].rsplit(":", 1)[-1],
            parameters=template(data.get(request)),
            input_type=config.get("InputType"),
            csv_header_location=config.get("CSVHeaderLocation", "FIRST_ROW"),
            csv_headers=None if headers is None else tuple(headers),
            csv_delimiter=config.get("CSVDelimiter", "COMMA"),
            max_items=query(config, "MaxItems") if request == "Arguments" else max_items,
            max_items_path=self.expression(config.get("MaxItemsPath")),
        )

    def _batcher(self, data: Mapping[str, Json], jsonata: bool) -> ItemBatcher:
        def value(field: str) -> Any:
            return query(data, field) if jsonata else data.get(field)

        return ItemBatcher(
            max_items_per_batch=value("MaxItemsPerBatch"),
            max_items_per_batch_path=self.expression(data.get("MaxItemsPerBatchPath")),
            max_input_bytes_per_batch=value("MaxInputBytesPerBatch"),
            max_input_bytes_per_batch_path=self.expression(data.get("MaxInputBytesPerBatchPath")),
            batch_input=query(data, "BatchInput")
            if jsonata
            else self.template(data.get("BatchInput")),
        )

    def retrier(self, data: Mapping[str, Json]) -> Retrier:
        return Retrier(
            error_equals=tuple(data.get("ErrorEquals", ())),
            interval_seconds=data.get("IntervalSeconds", 1),
            max_attempts=data.get("MaxAttempts", 3),
            backoff_rate=data.get("BackoffRate", 2.0),
            max_delay_seconds=data.get("MaxDelaySeconds"),
            jitter_strategy=data.get("JitterStrategy", "NONE"),
        )

    def catcher(self, data: Mapping[str, Json]) -> Catcher:
        result_path = data.get("ResultPath", "$")
        return Catcher(
            error_equals=tuple(data.get("ErrorEquals", ())),
            next=data["Next"],
            result_path=None if result_path is None else compile_reference_path(result_path),
            discard_result=result_path is None,
            assign=self.template(data.get("Assign")),
        )

    def choice_rule(self, data: Mapping[str, Json]) -> ChoiceRule:
        from engine.language.choice import compile_rule

        condition = {k: v for k, v in data.items() if k not in ("Next", "Assign", "Comment")}
        return ChoiceRule(
            rule=compile_rule(condition),
            next=data["Next"],
            assign=self.template(data.get("Assign")),
        )

    def optional_path(self, body: Mapping[str, Json], key: str) -> Any:
        """InputPath-like fields: absent means `$`, null means `{}` (kept as None here)."""
        value = body.get(key, "$")
        return None if value is None else compile_path(value)

    @staticmethod
    def template(value: Json) -> Any:
        if value is None:
            return None
        from engine.language.template import compile_template

        return compile_template(value)

    @staticmethod
    def expression(value: str | None) -> Expression | None:
        if value is None:
            return None
        if not value.startswith("States."):
            return Expression(value, compile_path(value))
        from engine.language.intrinsics import compile_call

        return Expression(value, compile_call(value))

    # JSONata states: every field that may hold expressions is compiled with `query`.

    def _jsonata_results(self, body: Mapping[str, Json], common: dict[str, Any]) -> dict:
        common.update(
            arguments=query(body, "Arguments"),
            retry=tuple(self.retrier(r) for r in body.get("Retry", ())),
            catch=tuple(self.jsonata_catcher(c) for c in body.get("Catch", ())),
        )
        return common

    def _jsonata_pass(self, body: Mapping[str, Json], common: dict, path: MachinePath) -> State:
        return PassState(**self._jsonata_results(body, common))

    def _jsonata_task(self, body: Mapping[str, Json], common: dict, path: MachinePath) -> State:
        return TaskState(
            **self._jsonata_results(body, common),
            resource=body["Resource"],
            kind=classify(body["Resource"]),
            timeout_seconds=query(body, "TimeoutSeconds"),
            heartbeat_seconds=query(body, "HeartbeatSeconds"),
        )

    def _jsonata_choice(self, body: Mapping[str, Json], common: dict, path: MachinePath) -> State:
        choices = tuple(
            ChoiceRule(
                rule=None,
                next=rule["Next"],
                assign=query(rule, "Assign"),
                condition=query(rule, "Condition"),
                output=query(rule, "Output"),
            )
            for rule in body.get("Choices", ())
        )
        return ChoiceState(**common, choices=choices, default=body.get("Default"))

    def _jsonata_wait(self, body: Mapping[str, Json], common: dict, path: MachinePath) -> State:
        return WaitState(
            **common, seconds=query(body, "Seconds"), timestamp=query(body, "Timestamp")
        )

    def _jsonata_succeed(self, body: Mapping[str, Json], common: dict, path: MachinePath) -> State:
        return SucceedState(**common)

    def _jsonata_fail(self, body: Mapping[str, Json], common: dict, path: MachinePath) -> State:
        return FailState(**common, error=query(body, "Error"), cause=query(body, "Cause"))

    def _jsonata_parallel(self, body: Mapping[str, Json], common: dict, path: MachinePath) -> State:
        return ParallelState(
            **self._jsonata_results(body, common), branches=self._branches(body, common, path)
        )

    def _jsonata_map(self, body: Mapping[str, Json], common: dict, path: MachinePath) -> State:
        processor, mode = self._processor(body, common, path)
        return MapState(
            **self._jsonata_results(body, common),
            processor=processor,
            mode=mode,
            items=query(body, "Items"),
            item_selector=query(body, "ItemSelector"),
            max_concurrency=query(body, "MaxConcurrency"),
            tolerated_failure_count=query(body, "ToleratedFailureCount"),
            tolerated_failure_percentage=query(body, "ToleratedFailurePercentage"),
            **self._map_io(
                body,
                lambda value: None if value is None else _jsonata(value, "Arguments"),
                "Arguments",
            ),
        )

    def jsonata_catcher(self, data: Mapping[str, Json]) -> Catcher:
        return Catcher(
            error_equals=tuple(data.get("ErrorEquals", ())),
            next=data["Next"],
            assign=query(data, "Assign"),
            output=query(data, "Output"),
        )
