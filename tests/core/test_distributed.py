"""A Distributed Map's ItemReader, ItemBatcher and ResultWriter, run by the in-memory driver
over a buckets folder: the items AWS's readers give (ItemSelector and MaxItems applied after
reading), the batches, the result files and the Map's output as the developer guide shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import testing

PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Echo",
    "States": {"Echo": {"Type": "Pass", "End": True}},
}


def _map(**fields: object) -> dict:
    each = {"Type": "Map", **fields, "ItemProcessor": PROCESSOR, "End": True}
    return {"StartAt": "Each", "States": {"Each": each}}


def _reader(key: str, **config: object) -> dict:
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": config,
        "Parameters": {"Bucket": "data", "Key.$": "$.key"},
    }


@pytest.fixture
def buckets(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("id,amount\nA1,10\nA2,20\nA3,30\n")
    (data / "orders.jsonl").write_text('{"id": "A1"}\n{"id": "A2"}\n')
    (data / "orders.json").write_text('[{"id": "A1", "n": 1}, {"id": "A2", "n": 2.5}]')
    return tmp_path


def _run(definition: dict, buckets: Path, state_input: object) -> testing.Result:
    return testing.run(definition, state_input, buckets=buckets)


def test_a_csv_reader_gives_string_valued_rows_to_the_item_selector(buckets: Path) -> None:
    selector = {"order.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "batch.$": "$.b"}
    definition = _map(ItemReader=_reader("orders.csv", InputType="CSV"), ItemSelector=selector)
    result = _run(definition, buckets, {"key": "orders.csv", "b": 7})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == [
        {"order": {"id": "A1", "amount": "10"}, "index": 0, "batch": 7},
        {"order": {"id": "A2", "amount": "20"}, "index": 1, "batch": 7},
        {"order": {"id": "A3", "amount": "30"}, "index": 2, "batch": 7},
    ]
    # AWS records length 0 when an ItemReader gives the items (LocalStack's recorded
    # test_map_item_reader_csv_max_items histories).
    started = [e for e in result.history if e["type"] == "MapStateStarted"]
    assert started[0]["mapStateStartedEventDetails"] == {"length": 0}


def test_given_csv_headers_and_max_items(buckets: Path) -> None:
    config = {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["k", "v"]}
    definition = _map(ItemReader=_reader("orders.csv", **config, MaxItems=2))
    result = _run(definition, buckets, {"key": "orders.csv"})
    assert result.output == [{"k": "id", "v": "amount"}, {"k": "A1", "v": "10"}]


def test_max_items_path_reads_the_limit_from_the_input(buckets: Path) -> None:
    definition = _map(ItemReader=_reader("orders.jsonl", InputType="JSONL", MaxItemsPath="$.n"))
    result = _run(definition, buckets, {"key": "orders.jsonl", "n": 1})
    assert result.output == [{"id": "A1"}]


def test_a_json_reader_gives_the_array_items(buckets: Path) -> None:
    definition = _map(ItemReader=_reader("orders.json", InputType="JSON"))
    result = _run(definition, buckets, {"key": "orders.json"})
    assert result.output == [{"id": "A1", "n": 1}, {"id": "A2", "n": 2.5}]


def test_a_listing_reader_gives_the_objects_under_the_prefix(buckets: Path) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": "data", "Prefix": "orders.j"},
    }
    result = _run(
        _map(ItemReader=reader, ItemSelector={"k.$": "$$.Map.Item.Value.Key"}), buckets, {}
    )
    assert result.output == [{"k": "orders.json"}, {"k": "orders.jsonl"}]


def test_a_missing_object_fails_with_item_reader_failed_which_catch_handles(
    buckets: Path,
) -> None:
    definition = _map(ItemReader=_reader("none.csv", InputType="CSV"))
    each = definition["States"]["Each"]
    each["Catch"] = [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Caught"}]
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}
    result = _run(definition, buckets, {"key": "none.csv"})
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "States.ItemReaderFailed"
    assert "The specified key does not exist: data/none.csv" in result.output["Cause"]


def test_a_missing_bucket_folder_is_an_error_not_an_empty_map(tmp_path: Path) -> None:
    definition = _map(ItemReader=_reader("orders.csv", InputType="CSV"))
    result = _run(definition, tmp_path, {"key": "orders.csv"})
    assert (result.status, result.error) == ("FAILED", "States.ItemReaderFailed")
    assert "bucket does not exist: data" in result.cause
    # The Map Run reads its items: it has started when the read fails, and fails first.
    assert [e["type"] for e in result.history][2:] == [
        "MapStateStarted",
        "MapRunStarted",
        "MapRunFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


def test_the_batcher_passes_items_and_batch_input_per_iteration(buckets: Path) -> None:
    batcher = {"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}}
    definition = _map(ItemReader=_reader("orders.csv", InputType="CSV"), ItemBatcher=batcher)
    result = _run(definition, buckets, {"key": "orders.csv", "run": "r1"})
    assert result.output == [
        {
            "BatchInput": {"run": "r1"},
            "Items": [{"id": "A1", "amount": "10"}, {"id": "A2", "amount": "20"}],
        },
        {"BatchInput": {"run": "r1"}, "Items": [{"id": "A3", "amount": "30"}]},
    ]


def test_max_input_bytes_per_batch_bounds_each_batch(buckets: Path) -> None:
    items = [{"v": "x" * 10} for _ in range(5)]  # 18 bytes each
    # {"Items":[]} is 12 bytes; 12 + 18 + 1 + 18 = 49 fits two items, not three.
    batcher = {"MaxInputBytesPerBatchPath": "$.bytes"}
    definition = _map(ItemsPath="$.items", ItemBatcher=batcher)
    result = _run(definition, buckets, {"items": items, "bytes": 49})
    assert [len(batch["Items"]) for batch in result.output] == [2, 2, 1]
    result = _run(definition, buckets, {"items": items, "bytes": 29})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_the_result_writer_writes_aws_files_and_outputs_the_manifest_key(buckets: Path) -> None:
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "data", "Prefix": "runs"},
    }
    definition = _map(
        ItemReader=_reader("orders.csv", InputType="CSV"), ResultWriter=writer, Label="Orders"
    )
    result = _run(definition, buckets, {"key": "orders.csv"})
    assert result.status == "SUCCEEDED", result.cause
    arn = result.output["MapRunArn"]
    run_id = arn.rsplit(":", 1)[-1]
    assert ":mapRun:StateMachine/Orders:" in arn
    assert result.output["ResultWriterDetails"] == {
        "Bucket": "data",
        "Key": f"runs/{run_id}/manifest.json",
    }
    folder = buckets / "data" / "runs" / run_id
    manifest = json.loads((folder / "manifest.json").read_text())
    size = (folder / "SUCCEEDED_0.json").stat().st_size
    assert manifest == {
        "DestinationBucket": "data",
        "MapRunArn": arn,
        "ResultFiles": {
            "FAILED": [],
            "PENDING": [],
            "SUCCEEDED": [{"Key": f"runs/{run_id}/SUCCEEDED_0.json", "Size": size}],
        },
    }
    records = json.loads((folder / "SUCCEEDED_0.json").read_text())
    assert [json.loads(r["Output"]) for r in records] == [
        {"id": "A1", "amount": "10"},
        {"id": "A2", "amount": "20"},
        {"id": "A3", "amount": "30"},
    ]
    first = records[0]
    assert first["Status"] == "SUCCEEDED"
    assert json.loads(first["Input"]) == {"id": "A1", "amount": "10"}
    assert first["InputDetails"] == first["OutputDetails"] == {"Included": True}
    assert first["ExecutionArn"].endswith(f":execution:StateMachine/Orders:{first['Name']}")


def test_tolerated_failures_with_a_reader_go_to_the_failed_file(buckets: Path) -> None:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.amount", "StringEquals": "20", "Next": "Bad"}],
                "Default": "Good",
            },
            "Bad": {"Type": "Fail", "Error": "Amount.Bad", "Cause": "twenty"},
            "Good": {"Type": "Succeed"},
        },
    }
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "data"}}
    definition = _map(
        ItemReader=_reader("orders.csv", InputType="CSV"),
        ResultWriter=writer,
        ToleratedFailureCount=1,
    )
    definition["States"]["Each"]["ItemProcessor"] = processor
    result = _run(definition, buckets, {"key": "orders.csv"})
    assert result.status == "SUCCEEDED", result.cause
    folder = buckets / "data" / result.output["ResultWriterDetails"]["Key"].rsplit("/", 1)[0]
    failed = json.loads((folder / "FAILED_0.json").read_text())
    assert [(r["Status"], r["Error"], r["Cause"]) for r in failed] == [
        ("FAILED", "Amount.Bad", "twenty")
    ]
    assert len(json.loads((folder / "SUCCEEDED_0.json").read_text())) == 2
    # Two failures exceed a tolerance of one: the Map fails as AWS words it.
    definition["States"]["Each"]["ToleratedFailureCount"] = 0
    definition["States"]["Each"]["ToleratedFailurePercentage"] = 10
    result = _run(definition, buckets, {"key": "orders.csv"})
    assert result.error == "States.ExceedToleratedFailureThreshold"
    types = [e["type"] for e in result.history]
    assert types[-3:] == ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]
    # The Map Run failed at its second item: AWS still writes what ended, and the rest pending.
    (started,) = [e for e in result.history if e["type"] == "MapRunStarted"]
    run_id = started["mapRunStartedEventDetails"]["mapRunArn"].rsplit(":", 1)[-1]
    folder = buckets / "data" / run_id
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {status: len(files) for status, files in manifest["ResultFiles"].items()} == {
        "FAILED": 1,
        "PENDING": 1,
        "SUCCEEDED": 1,
    }
    statuses = {
        status: [
            json.loads(r["Input"])["id"]
            for r in json.loads((folder / f"{status}_0.json").read_text())
        ]
        for status in ("SUCCEEDED", "FAILED", "PENDING")
    }
    assert statuses == {"SUCCEEDED": ["A1"], "FAILED": ["A2"], "PENDING": ["A3"]}


def test_a_jsonata_map_reads_with_arguments(buckets: Path) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "MaxItems": "{% $states.input.n %}"},
        "Arguments": {"Bucket": "data", "Key": "{% $states.input.key %}"},
    }
    definition = _map(QueryLanguage="JSONata", ItemReader=reader)
    result = _run(definition, buckets, {"key": "orders.csv", "n": 2})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == [{"id": "A1", "amount": "10"}, {"id": "A2", "amount": "20"}]
