"""`sfn serve`: one HTTP server (Starlette on uvicorn) for the web UI, /metrics and the AWS API.

`app.create_app` collects the routes of the modules in `app.ROUTE_MODULES`; each module owns
its URLs and only reads or changes executions through the `Engine` it is handed.
"""
