"""workflows/invoice.asl.json, written as for AWS (lambda:invoke with Payload.$, a Distributed
Map over a CSV in the repository's bucket folder with an ItemBatcher and a ResultWriter, a nested
startExecution.sync:2 of receipt.asl.json whose Resource is a Lambda ARN, an http:invoke whose
endpoint a deployment fills), runs with the Python activities of activities/invoices.py standing
in for the Lambdas, against a real local HTTP server; and its MockConfigFile test cases run
unchanged (workflows/test/MockConfigFile.json)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from engine import testing
from engine.activities import Registry
from engine.activity_loading import load_activities
from engine.runtime import config

ROOT = Path(__file__).resolve().parents[2]
INVOICE = ROOT / "workflows" / "invoice.asl.json"
MOCKS = ROOT / "workflows" / "test" / "MockConfigFile.json"
INPUT = {
    "invoice_id": "I1",
    "customer": "ann",
    "lines": [{"sku": "a", "quantity": 2, "cents": 150}, {"sku": "b", "quantity": 1, "cents": 400}],
}


class Ledger(BaseHTTPRequestHandler):
    posted: list = []

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.posted.append((self.path, json.loads(self.rfile.read(length))))
        body = b'{"id": "L1"}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def ledger() -> Iterator[str]:
    Ledger.posted = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ledger)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def buckets(tmp_path: Path) -> Path:
    """A copy of the repository's bucket folder: the ResultWriter writes into it."""
    shutil.copytree(ROOT / "buckets", tmp_path / "buckets")
    return tmp_path / "buckets"


@pytest.fixture
def functions(monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("SFN_WORKFLOWS", str(ROOT / "workflows"))
    config.forget()  # settings are read once per process
    registry = load_activities([ROOT / "activities"], registry=Registry(), entry_points=False)
    return {name: registry.get(name) for name in registry.names()}


def test_it_runs_as_deployed_with_activities_for_the_lambdas(
    ledger: str, functions, buckets: Path
) -> None:
    subs = {"LedgerApi": ledger}
    result = testing.run(INVOICE, INPUT, functions, substitutions=subs, buckets=buckets)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["price"]["total"] == 700
    details = result.output["audit"]["ResultWriterDetails"]
    assert details["Bucket"] == "invoice-data"
    manifest = json.loads((buckets / "invoice-data" / details["Key"]).read_text())
    (succeeded,) = manifest["ResultFiles"]["SUCCEEDED"]
    records = json.loads((buckets / "invoice-data" / succeeded["Key"]).read_text())
    # Five CSV rows in batches of two; bob's 250 of sku a is over the limit of 100.
    assert [json.loads(r["Output"]) for r in records] == [
        {"checked": 2, "flagged": []},
        {"checked": 2, "flagged": ["a"]},
        {"checked": 1, "flagged": []},
    ]
    assert json.loads(records[0]["Input"])["BatchInput"] == {"invoice": "I1", "limit": 100}
    assert result.output["receipt"] == {"receipt": "R-ann-700"}
    assert result.output["ledger"] == {"status": 201}
    assert Ledger.posted == [("/entries", {"invoice": "I1", "total": 700})]


def test_a_ledger_that_does_not_answer_is_caught(functions, buckets: Path) -> None:
    subs = {"LedgerApi": "http://127.0.0.1:9"}
    result = testing.run(INVOICE, INPUT, functions, substitutions=subs, buckets=buckets)
    assert result.output["ledger_error"]["Error"] == "States.Http.Socket"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("HappyPath", {"total": 700, "receipt": "R-mocked", "ledger": {"status": 201}}),
        ("ThrottledThenPriced", {"total": 5, "receipt": "R-mocked", "ledger": {"status": 201}}),
        (
            "LedgerDown",
            {
                "total": 700,
                "receipt": "R-mocked",
                "ledger": "the ledger did not answer; posted later",
            },
        ),
    ],
)
def test_its_mock_config_test_cases_run_unchanged(case: str, expected: dict, buckets: Path) -> None:
    result = testing.run(
        INVOICE,
        INPUT,
        {},
        substitutions={"LedgerApi": "http://unused"},
        mock_config=MOCKS,
        test_case=case,
        buckets=buckets,
    )
    assert result.status == "SUCCEEDED", result.cause
    output = result.output
    got = {
        "total": output["price"]["total"],
        "receipt": output["receipt"]["receipt"],
        "ledger": output["ledger"],
    }
    assert got == expected
