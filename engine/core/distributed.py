"""A Distributed Map's ItemReader, ItemBatcher and ResultWriter, as the core decides them: the
request to the buckets, the batches each iteration gets, the result records and the state's
output. The shell's `MapStorage` (through the env) reads and writes; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from engine.core import events
from engine.core.context import iso
from engine.core.dataflow import payload_size, render
from engine.core.env import PAYLOAD_LIMIT_BYTES
from engine.core.errors import RUNTIME
from engine.core.item_requests import (
    ITEM_READER_FAILED,
    RESULT_WRITER_FAILED,
    ReadItems,
    WriteResults,
)
from engine.core.queries import bindings, evaluate
from engine.core.run import Run
from engine.definition.model import ItemBatcher, ItemReader, MapState
from engine.errors import AslError
from engine.language.scope import Scope

Json = Any
DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
# ReaderConfig MaxItems: AWS reads at most this many items (0 or none given: all).
MAX_ITEMS_LIMIT = 100_000_000


# ItemReader ---------------------------------------------------------------------------------


def read_items(run: Run, state: MapState, data: Json, scope: Scope | None) -> list[Json]:
    """The items an ItemReader gives, read by the shell's storage: `data` is the effective
    input (JSONPath; `scope` its scope) or the raw input (JSONata, `scope` None)."""
    reader = state.item_reader
    assert reader is not None
    if scope is None:
        states = bindings(run, data)
        request = evaluate(run, reader.parameters, states, "object") or {}
        maximum = evaluate(run, reader.max_items, states, "integer")
    else:
        request = _rendered(reader.parameters, data, scope)
        maximum = reader.max_items
        if reader.max_items_path is not None:
            maximum = _count(reader.max_items_path.evaluate(data, scope), "MaxItemsPath")
    limit = None if not maximum else min(int(maximum), MAX_ITEMS_LIMIT)
    items = run.env.storage().read_items(_read_request(reader, request, limit))
    return list(islice(items, limit))


def _rendered(template: Any, data: Json, scope: Scope) -> Json:
    """A request's Parameters (none given: an empty request, not the input)."""
    return {} if template is None else render(template, data, scope)


def _read_request(reader: ItemReader, request: Json, limit: int | None) -> ReadItems:
    bucket = _text(request, "Bucket", required=True)
    if reader.action == "listObjectsV2":
        return ReadItems("listObjectsV2", bucket, prefix=_text(request, "Prefix") or "")
    if reader.action != "getObject":
        raise AslError(ITEM_READER_FAILED, f"sfn does not read items with s3:{reader.action}")
    return ReadItems(
        "getObject",
        bucket,
        key=_text(request, "Key", required=True),
        input_type=reader.input_type or "JSON",
        csv_headers=reader.csv_headers if reader.csv_header_location == "GIVEN" else None,
        csv_delimiter=DELIMITERS[reader.csv_delimiter],
        max_items=limit,
    )


def _text(request: Json, field: str, required: bool = False) -> str | None:
    value = request.get(field) if isinstance(request, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        shown = "missing" if value is None else events.to_json(value)
        raise AslError(ITEM_READER_FAILED, f"The ItemReader's {field} must be a string: {shown}")
    return value


def _count(value: Json, field: str) -> int:
    """A count a `...Path` field refers to (AWS also takes a string holding one)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    shown = value if isinstance(value, str) else events.to_json(value)
    raise AslError(
        RUNTIME, f'The {field} field refers to value "{shown}" which is not a valid integer'
    )


# ItemBatcher --------------------------------------------------------------------------------


def batched(
    run: Run, state: MapState, data: Json, scope: Scope | None, inputs: Iterable[Json]
) -> Iterator[Json]:
    """The iterations' inputs under an ItemBatcher: `{"Items": [...]}` (plus `BatchInput`),
    at most MaxItemsPerBatch items and MaxInputBytesPerBatch bytes (256 KiB at most) each."""
    batcher = state.item_batcher
    assert batcher is not None
    max_items, max_bytes, batch_input = _batch_limits(run, batcher, data, scope)
    base = {} if batch_input is None else {"BatchInput": batch_input}
    room = max_bytes - payload_size({**base, "Items": []})
    batch: list[Json] = []
    size = 0
    for item in inputs:
        item_size = payload_size(item) + (1 if batch else 0)
        if batch and (len(batch) == max_items or size + item_size > room):
            yield {**base, "Items": batch}
            batch, size, item_size = [], 0, item_size - 1
        if item_size > room:
            raise AslError(
                RUNTIME,
                f"An item of {item_size} bytes does not fit in a batch of "
                f"MaxInputBytesPerBatch {max_bytes} bytes",
            )
        batch.append(item)
        size += item_size
    if batch:
        yield {**base, "Items": batch}


def _batch_limits(
    run: Run, batcher: ItemBatcher, data: Json, scope: Scope | None
) -> tuple[int | None, int, Json]:
    if scope is None:
        states = bindings(run, data)
        items = evaluate(run, batcher.max_items_per_batch, states, "integer")
        size = evaluate(run, batcher.max_input_bytes_per_batch, states, "integer")
        batch_input = evaluate(run, batcher.batch_input, states, "object")
    else:
        items, size = batcher.max_items_per_batch, batcher.max_input_bytes_per_batch
        if batcher.max_items_per_batch_path is not None:
            path = batcher.max_items_per_batch_path
            items = _count(path.evaluate(data, scope), "MaxItemsPerBatchPath")
        if batcher.max_input_bytes_per_batch_path is not None:
            path = batcher.max_input_bytes_per_batch_path
            size = _count(path.evaluate(data, scope), "MaxInputBytesPerBatchPath")
        batch_input = None
        if batcher.batch_input is not None:
            batch_input = render(batcher.batch_input, data, scope)
    size = PAYLOAD_LIMIT_BYTES if not size else min(int(size), PAYLOAD_LIMIT_BYTES)
    return (int(items) if items else None), size, batch_input


# Map Run and ResultWriter -------------------------------------------------------------------


def map_run_arn(run: Run, state: MapState) -> str:
    """AWS's form: `arn:...:mapRun:<state machine>/<Label or state name>:<Map Run id>`."""
    execution_id = run.snapshot["context"]["Execution"]["Id"]
    prefix, _, rest = execution_id.partition(":execution:")
    machine = rest.split(":", 1)[0]
    return f"{prefix}:mapRun:{machine}/{state.label or state.name}:{run.env.uuid()}"


def writer_record(state: MapState, inputs: list[Json], started: str) -> Json:
    """What the awaiting record keeps for a ResultWriter: each iteration's input and when
    the Map Run started (the files list them)."""
    return {"writer_inputs": inputs, "writer_started": started} if state.result_writer else {}


def write_results(
    run: Run, state: MapState, data: Json, ended: dict[int, Json], failed: set[int]
) -> Json:
    """Write AWS's result files and manifest; the Map's result: the Map Run and the manifest.
    `ended` holds the outputs of the iterations that ended (`{"Error", "Cause"}` for those in
    `failed`); the others are PENDING (a Map Run that failed before it started them)."""
    writer = state.result_writer
    assert writer is not None
    awaited = run.snapshot["awaiting"] or {}
    if state.uses_jsonata:
        request = evaluate(run, writer.parameters, bindings(run, data), "object") or {}
    else:
        request = _rendered(writer.parameters, data, run.scope())
    bucket, prefix = request.get("Bucket"), request.get("Prefix", "")
    if not isinstance(bucket, str) or not bucket or not isinstance(prefix, str):
        shown = events.to_json(request)
        raise AslError(RESULT_WRITER_FAILED, f"The ResultWriter needs a Bucket and Prefix: {shown}")
    arn = awaited["map_run"]
    records = _records(run, arn, awaited, ended, failed)
    by_status: dict[str, list[Json]] = {"SUCCEEDED": [], "FAILED": [], "PENDING": []}
    for record in records:
        by_status[record["Status"]].append(record)
    map_run_id = arn.rsplit(":", 1)[-1]
    key = run.env.storage().write_results(
        WriteResults(
            bucket,
            prefix,
            arn,
            map_run_id,
            by_status["SUCCEEDED"],
            by_status["FAILED"],
            by_status["PENDING"],
        )
    )
    return {"MapRunArn": arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}}


def _records(
    run: Run, arn: str, awaited: Json, ended: dict[int, Json], failed: set[int]
) -> list[Json]:
    """AWS's per-execution records. StartDate and StopDate are the Map Run's (the core does
    not see each iteration's clock); names are the Map Run id and the item index."""
    prefix, _, rest = arn.partition(":mapRun:")
    machine_label, _, run_id = rest.rpartition(":")
    inputs, stop = awaited.get("writer_inputs") or [], iso(run.env.now())
    records = []
    for index in range(max(len(inputs), max(ended, default=-1) + 1)):
        name = f"{run_id}-{index}"
        record: Json = {
            "ExecutionArn": f"{prefix}:execution:{machine_label}:{name}",
            "Input": events.to_json(inputs[index] if index < len(inputs) else None),
            "InputDetails": {"Included": True},
            "Name": name,
        }
        if index not in ended:
            records.append({**record, "Status": "PENDING"})
            continue
        result = ended[index]
        record.update(
            RedriveCount=0,
            RedriveStatus="NOT_REDRIVABLE",
            StartDate=awaited.get("writer_started"),
            StateMachineArn=f"{prefix}:stateMachine:{machine_label}",
            Status="FAILED" if index in failed else "SUCCEEDED",
            StopDate=stop,
        )
        if index in failed:
            record.update(Error=result.get("Error"), Cause=result.get("Cause"))
        else:
            record.update(Output=events.to_json(result), OutputDetails={"Included": True})
            record["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
        records.append(record)
    return records
