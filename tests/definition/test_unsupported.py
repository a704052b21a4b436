"""Distributed Map fields sfn does not run yet (ItemReader, ItemBatcher, ResultWriter): AWS
accepts them, so `validate` warns; a run is refused rather than run the Map without them."""

from __future__ import annotations

import pytest

from engine import testing
from engine.definition import load_definition, validate
from engine.definition.unsupported import require_supported
from engine.errors import DefinitionError

DISTRIBUTED = """{
  "StartAt": "Each",
  "States": {
    "Each": {
      "Type": "Map",
      "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                     "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                     "Parameters": {"Bucket": "b", "Key": "k.csv"}},
      "ItemBatcher": {"MaxItemsPerBatch": 10},
      "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
      "End": true
    }
  }
}
"""


def test_distributed_map_io_sfn_does_not_run_is_a_warning_and_refused_before_a_run() -> None:
    document = load_definition(DISTRIBUTED, filename="m.json")
    found = validate(document)
    assert [d.severity for d in found] == ["warning", "warning"]
    assert ["ItemReader" in found[0].message, "ItemBatcher" in found[1].message] == [True, True]
    with pytest.raises(DefinitionError, match="ItemReader is not run by sfn yet"):
        require_supported(document)
    with pytest.raises(DefinitionError, match="ItemBatcher"):
        testing.run(document.data, {})
