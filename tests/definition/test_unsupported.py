"""Distributed Map I/O that AWS accepts and sfn does not run (a DynamoDB or Athena reader,
MANIFEST/PARQUET input, a ResultWriter's WriterConfig, ItemsPath with a reader...): `validate`
warns with the field's place; a run is refused rather than run the Map without it. What sfn
runs (S3 getObject JSON/JSONL/CSV, listObjectsV2, ItemBatcher, putObject) is no diagnostic."""

from __future__ import annotations

import json

import pytest

from engine import testing
from engine.definition import load_definition, validate
from engine.definition.unsupported import require_supported
from engine.errors import DefinitionError


def _definition(**fields: object) -> dict:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True}},
    }
    each = {"Type": "Map", **fields, "ItemProcessor": processor, "End": True}
    return {"StartAt": "Each", "States": {"Each": each}}


CSV_READER = {
    "Resource": "arn:aws:states:::s3:getObject",
    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
    "Parameters": {"Bucket": "b", "Key": "k.csv"},
}
WRITER = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"}}


def _messages(data: dict) -> list[str]:
    document = load_definition(json.dumps(data, indent=1), filename="m.json")
    return [f"{d.severity}: {d.message.split(': AWS accepts')[0]}" for d in validate(document)]


def test_what_sfn_runs_is_no_diagnostic() -> None:
    batcher = {"MaxItemsPerBatch": 10, "BatchInput": {"a.$": "$.a"}}
    data = _definition(ItemReader=CSV_READER, ItemBatcher=batcher, ResultWriter=WRITER)
    assert _messages(data) == []
    listing = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "b"}}
    assert _messages(_definition(ItemReader=listing)) == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"ItemReader": {**CSV_READER, "Resource": "arn:aws:states:::dynamodb:scan"}},
            "sfn reads items only with arn:aws:states:::s3:getObject or "
            "arn:aws:states:::s3:listObjectsV2",
        ),
        (
            {"ItemReader": {**CSV_READER, "ReaderConfig": {"InputType": "PARQUET"}}},
            "InputType PARQUET is not read by sfn (only JSON, JSONL, CSV)",
        ),
        (
            {
                "ItemReader": {
                    **CSV_READER,
                    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"},
                }
            },
            "CSVHeaders go with CSVHeaderLocation GIVEN, and only with it",
        ),
        (
            {"ItemReader": CSV_READER, "ItemsPath": "$.rows"},
            "ItemsPath with an ItemReader is not run by sfn",
        ),
        (
            {"ResultWriter": {**WRITER, "WriterConfig": {"Transformation": "FLATTEN"}}},
            "a ResultWriter's WriterConfig is not run",
        ),
        (
            {"ResultWriter": {"WriterConfig": {"OutputType": "JSON"}}},
            "a ResultWriter's WriterConfig is not run",
        ),
    ],
)
def test_what_sfn_does_not_run_is_a_warning_and_refused_before_a_run(
    fields: dict, expected: str
) -> None:
    data = _definition(**fields)
    found = _messages(data)
    assert f"warning: state 'Each': {expected}" in found
    with pytest.raises(DefinitionError, match="refuses the definition"):
        require_supported(load_definition(data))
    with pytest.raises(DefinitionError):
        testing.run(data, {})


def test_map_io_in_an_inline_map_is_refused() -> None:
    data = _definition(ItemReader=CSV_READER)
    data["States"]["Each"]["ItemProcessor"]["ProcessorConfig"]["Mode"] = "INLINE"
    assert _messages(data) == [
        "warning: state 'Each': ItemReader is run by sfn only in a DISTRIBUTED Map"
    ]
