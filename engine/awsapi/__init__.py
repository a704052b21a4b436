"""The AWS Step Functions JSON 1.0 API over the `Engine` (served by `sfn serve` on `POST /`).

`protocol` speaks the wire format; `operations` maps each operation name to a handler; the
handlers (`executions`, `machines`) translate between AWS's shapes and the Engine's calls.
"""
