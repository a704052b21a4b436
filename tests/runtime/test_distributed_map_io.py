"""A Distributed Map with an ItemReader, ItemBatcher and ResultWriter run durably: `sfn run
--no-worker` starts it on a real Redis, two real `sfn worker` processes run the iterations,
and everything reads and writes the same buckets folder (`--buckets-dir` for one worker,
$SFN_BUCKETS_DIR for the other). The result is the in-memory driver's; the result files are
AWS's; the MapRun events come in AWS's order."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from support.s3_server import s3_endpoint
from support.workers import run_sfn

from engine import testing
from engine.activities import Registry
from engine.activity_loading import load_activities
from engine.runtime.engine import Engine

ACTIVITY = """
from engine.activities import activity


@activity("sum_batch")
def sum_batch(event):
    amounts = [int(row["amount"]) for row in event["Items"]]
    if 13 in amounts:
        raise ValueError("thirteen")
    return {"rows": len(amounts), "sum": sum(amounts), "run": event["BatchInput"]["run"]}
"""


def _definition(tolerated: int) -> dict:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Sum",
        "States": {"Sum": {"Type": "Task", "Resource": "sum_batch", "End": True}},
    }
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "CSV", "MaxItemsPath": "$.max"},
                    "Parameters": {"Bucket": "data", "Key.$": "$.key"},
                },
                "ItemBatcher": {"MaxItemsPerBatch": 4, "BatchInput": {"run.$": "$.run"}},
                "ToleratedFailureCount": tolerated,
                "MaxConcurrency": 3,
                "ItemProcessor": processor,
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": "data", "Prefix": "results"},
                },
                "End": True,
            }
        },
    }


@pytest.fixture
def setup(tmp_path: Path, sfn_worker) -> tuple[Path, Path]:
    buckets = tmp_path / "buckets"
    (buckets / "data").mkdir(parents=True)
    rows = "".join(f"r{n},{n}\n" for n in range(1, 31))
    (buckets / "data" / "amounts.csv").write_text("id,amount\n" + rows)
    activities = tmp_path / "sums.py"
    activities.write_text(ACTIVITY)
    sfn_worker(activities=[activities], args=["--buckets-dir", str(buckets)])
    sfn_worker(activities=[activities], env={"SFN_BUCKETS_DIR": str(buckets)}, cwd=tmp_path)
    return buckets, activities


def _run(tmp_path: Path, redis_url: str, buckets: Path, definition: dict, given: dict) -> dict:
    file = tmp_path / "each.json"
    file.write_text(json.dumps(definition))
    args = ["run", str(file), "--no-worker", "--json", "--buckets-dir", str(buckets)]
    args += ["--activities", str(tmp_path / "sums.py"), "--input", json.dumps(given)]
    done = run_sfn(args, redis_url=redis_url, cwd=tmp_path, timeout=90)
    assert "Traceback" not in done.stderr
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def _in_memory(activities: Path, buckets: Path, definition: dict, given: dict):
    registry = load_activities([activities], registry=Registry(), entry_points=False)
    functions = {name: registry.get(name) for name in registry.names()}
    return testing.run(definition, given, functions, buckets=buckets)


def test_a_csv_map_runs_durably_on_workers_as_in_memory(tmp_path, redis_url, setup) -> None:
    buckets, activities = setup
    given = {"key": "amounts.csv", "max": 11, "run": "june"}
    result = _run(tmp_path, redis_url, buckets, _definition(0), given)
    assert result["status"] == "SUCCEEDED", result
    details = result["output"]["ResultWriterDetails"]
    manifest = json.loads((buckets / "data" / details["Key"]).read_text())
    assert manifest["MapRunArn"] == result["output"]["MapRunArn"]
    (file,) = manifest["ResultFiles"]["SUCCEEDED"]
    assert manifest["ResultFiles"]["FAILED"] == []
    records = json.loads((buckets / "data" / file["Key"]).read_text())
    outputs = [json.loads(record["Output"]) for record in records]
    # MaxItems 11 of 30 rows in batches of 4: 3 iterations, the last with 3 rows.
    assert [o["rows"] for o in outputs] == [4, 4, 3]
    assert [o["sum"] for o in outputs] == [10, 26, 30]
    assert {o["run"] for o in outputs} == {"june"}

    expected = _in_memory(activities, buckets, _definition(0), given)
    memory_records = json.loads(
        (buckets / "data" / expected.output["ResultWriterDetails"]["Key"])
        .with_name("SUCCEEDED_0.json")
        .read_text()
    )
    assert outputs == [json.loads(record["Output"]) for record in memory_records]
    history = Engine(redis_url).history(result["executionId"])
    types = [event["type"] for event in history]
    assert types == [event["type"] for event in expected.history]
    assert types[2:6] == [
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
    ]


def test_tolerated_failures_of_read_items_go_to_the_failed_file(tmp_path, redis_url, setup) -> None:
    buckets, _ = setup
    given = {"key": "amounts.csv", "max": 0, "run": "june"}  # 0: every row
    result = _run(tmp_path, redis_url, buckets, _definition(1), given)
    assert result["status"] == "SUCCEEDED", result
    folder = (buckets / "data" / result["output"]["ResultWriterDetails"]["Key"]).parent
    (failed,) = json.loads((folder / "FAILED_0.json").read_text())
    assert (failed["Status"], failed["Error"]) == ("FAILED", "ValueError")
    assert json.loads(failed["Input"])["Items"][0] == {"id": "r13", "amount": "13"}
    assert len(json.loads((folder / "SUCCEEDED_0.json").read_text())) == 7

    result = _run(tmp_path, redis_url, buckets, _definition(0), given)
    assert (result["status"], result["error"]) == ("FAILED", "ValueError")
    # The failed Map Run still writes its result files: the failed batch among them.
    history = Engine(redis_url).history(result["executionId"])
    (started,) = [e for e in history if e["type"] == "MapRunStarted"]
    run_id = started["mapRunStartedEventDetails"]["mapRunArn"].rsplit(":", 1)[-1]
    manifest = json.loads((buckets / "data" / "results" / run_id / "manifest.json").read_text())
    (failed_file,) = manifest["ResultFiles"]["FAILED"]
    failed = json.loads((buckets / "data" / failed_file["Key"]).read_text())
    assert [json.loads(r["Input"])["Items"][0]["id"] for r in failed] == ["r13"]
    # Every one of the 8 batches (30 rows by 4) is in one file: ended, running or not started.
    records = [
        record
        for files in manifest["ResultFiles"].values()
        for file in files
        for record in json.loads((buckets / "data" / file["Key"]).read_text())
    ]
    assert sorted(record["Name"].rsplit("-", 1)[1] for record in records) == sorted(
        str(n) for n in range(8)
    )


def test_a_missing_object_fails_the_map_with_item_reader_failed(tmp_path, redis_url, setup) -> None:
    buckets, _ = setup
    given = {"key": "nope.csv", "max": 0, "run": "june"}
    result = _run(tmp_path, redis_url, buckets, _definition(0), given)
    assert (result["status"], result["error"]) == ("FAILED", "States.ItemReaderFailed")
    assert "The specified key does not exist: data/nope.csv" in result["cause"]


def test_workers_read_and_write_s3_buckets(tmp_path, redis_url, sfn_worker, monkeypatch) -> None:
    """$SFN_BUCKETS=s3: `sfn run` and two `sfn worker`s read the CSV from a real S3 endpoint
    and the ResultWriter's files land in the bucket."""
    with s3_endpoint() as environment:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        client = boto3.client("s3")
        client.create_bucket(Bucket="data")
        rows = "".join(f"r{n},{n}\n" for n in range(1, 11))
        client.put_object(Bucket="data", Key="amounts.csv", Body=("id,amount\n" + rows).encode())
        (tmp_path / "sums.py").write_text(ACTIVITY)
        for _ in range(2):
            sfn_worker(activities=[tmp_path / "sums.py"], env=environment, cwd=tmp_path)
        given = {"key": "amounts.csv", "max": 10, "run": "s3"}
        result = _run(tmp_path, redis_url, tmp_path / "no-folder", _definition(0), given)
        assert result["status"] == "SUCCEEDED", result
        key = result["output"]["ResultWriterDetails"]["Key"]
        manifest = json.loads(client.get_object(Bucket="data", Key=key)["Body"].read())
        (file,) = manifest["ResultFiles"]["SUCCEEDED"]
        records = json.loads(client.get_object(Bucket="data", Key=file["Key"])["Body"].read())
        assert [json.loads(r["Output"])["sum"] for r in records] == [10, 26, 19]
