"""Activity operations: CreateActivity, DescribeActivity, ListActivities, DeleteActivity and
GetActivityTask (a long poll of up to 60 s, as AWS), for workers in any language."""

from __future__ import annotations

import re
from typing import Any

from engine.awsapi import arns, pagination, shapes
from engine.awsapi.errors import AwsError
from engine.awsapi.fields import string, tags
from engine.runtime.activity_tasks import Activity, ActivityDoesNotExist
from engine.runtime.engine import Engine
from engine.runtime.store import dumps

Json = Any
NAME = re.compile(r"[A-Za-z0-9_\-]{1,80}")
POLL_SECONDS = 60.0  # AWS's long poll


def create_activity(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    name = string(request, "name")
    if not NAME.fullmatch(name):
        raise AwsError("InvalidName", f"Invalid Name: '{name}'")
    if request.get("encryptionConfiguration"):
        raise AwsError("ValidationException", "encryptionConfiguration: sfn has no KMS")
    activity = engine.activity_tasks.create(name, engine.runtime.env.now(), tags(request))
    return {"activityArn": activity.arn, "creationDate": shapes.epoch(activity.creation_date)}


def describe_activity(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    activity = _activity(engine, request)
    return {
        "activityArn": activity.arn,
        "name": activity.name,
        "creationDate": shapes.epoch(activity.creation_date),
    }


def list_activities(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    size = pagination.page_size(request)
    start = pagination.decode(request.get("nextToken"), "activities")
    names = engine.activity_tasks.names(start, size + 1)
    items = [
        {"activityArn": a.arn, "name": a.name, "creationDate": shapes.epoch(a.creation_date)}
        for a in engine.activity_tasks.many(names[:size])
    ]
    more = len(names) > size
    return {"activities": items, **pagination.next_token("activities", start, size, more)}


def delete_activity(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    engine.activity_tasks.delete(arns.resource(string(request, "activityArn"), "activity"))
    return {}


def get_activity_task(engine: Engine, request: dict[str, Json]) -> dict[str, Json]:
    activity = _activity(engine, request)
    string(request, "workerName", required=False, max_length=80)
    task = engine.activity_tasks.take_task(activity.name, POLL_SECONDS)
    if task is None:
        return {}
    return {"taskToken": task.token, "input": dumps(task.input)}


def _activity(engine: Engine, request: dict[str, Json]) -> Activity:
    name = arns.resource(string(request, "activityArn"), "activity")
    try:
        return engine.activity_tasks.get(name)
    except ActivityDoesNotExist as error:
        raise AwsError("ActivityDoesNotExist", str(error)) from None
