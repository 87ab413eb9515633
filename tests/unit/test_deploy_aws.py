"""The CDC pipeline's CloudFormation template (deploy/aws/cdc-pipeline.yaml): cfn-lint finds
nothing in it, and it wires what the worker relies on: DMS selecting exactly the replica's
five tables, full load then CDC, as JSON to Kinesis, a Pipe handing the DMS records to the
CDC queue, and that queue's redrive policy naming the dead-letter queue."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_file
from cfnlint.decode import decode

from domain.sync.changes import RowChange, parse_body
from infrastructure.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "aws" / "cdc-pipeline.yaml"
REPLICA_SCHEMA = ROOT / "infrastructure" / "replica" / "replica_schema.sql"
KINESIS_SAMPLE = ROOT / "contracts" / "cdc" / "kinesis-wrapped-users-update.json"


@pytest.fixture(scope="module")
def template() -> dict:
    decoded, problems = decode(str(TEMPLATE))
    assert not problems, [str(p) for p in problems]
    return decoded


def _resources(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def _one(template: dict, kind: str) -> tuple[str, dict]:
    found = _resources(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def _sub_json(value, **substitutions) -> dict:
    """A JSON document written as !Sub text, with its ${…} replaced."""
    assert isinstance(value, dict) and list(value) == ["Fn::Sub"], value
    text = value["Fn::Sub"]
    for name, replacement in substitutions.items():
        text = text.replace("${" + name + "}", replacement)
    assert "${" not in text, f"unsubstituted variable in {text!r}"
    return json.loads(text)


def _replica_tables() -> set[str]:
    sql = REPLICA_SCHEMA.read_text()
    tables = set(re.findall(r"^\s*CREATE\s+TABLE\s+`?(\w+)`?", sql, re.IGNORECASE | re.MULTILINE))
    assert len(tables) == 5, tables  # the five tables docs/cdc.md names
    return tables


def test_cfn_lint_finds_no_error_warning_or_informational_finding():
    # Two regions: the dialler runs in eu-west-2 (AWS_REGION's default); us-east-1 has every
    # resource type first. Nothing is ignored.
    matches = lint_file(TEMPLATE, config=ManualArgs(regions=["eu-west-2", "us-east-1"],
                                                   include_checks=["I"]))
    assert [str(m) for m in matches] == []


def test_the_task_selects_exactly_the_replica_tables_of_the_source_schema(template):
    _, task = _one(template, "AWS::DMS::ReplicationTask")
    mappings = _sub_json(task["Properties"]["TableMappings"], SourceSchema="<schema>")
    rules = mappings["rules"]
    assert {r["rule-type"] for r in rules} == {"selection"}
    assert {r["rule-action"] for r in rules} == {"include"}
    assert {r["object-locator"]["schema-name"] for r in rules} == {"<schema>"}
    names = [r["object-locator"]["table-name"] for r in rules]
    assert sorted(names) == sorted(_replica_tables())  # each once, none missing or extra
    assert not any("%" in name for name in names)  # DMS's wildcard would select more
    assert len({r["rule-id"] for r in rules}) == len(rules)
    assert "SourceSchema" in template["Parameters"]


def test_the_task_loads_in_full_then_streams_changes_with_before_images(template):
    _, task = _one(template, "AWS::DMS::ReplicationTask")
    properties = task["Properties"]
    assert properties["MigrationType"] == "full-load-and-cdc"
    settings = _sub_json(properties["ReplicationTaskSettings"], LobMaxSizeKb="32")
    # The worker reads the before-image under this key (contracts/cdc samples).
    sample = json.loads(base64.b64decode(json.loads(KINESIS_SAMPLE.read_text())["kinesis"]["data"]))
    assert settings["BeforeImageSettings"]["EnableBeforeImage"] is True
    assert settings["BeforeImageSettings"]["FieldName"] in sample
    assert settings["Logging"]["EnableLogging"] is True
    assert settings["TargetMetadata"]["FullLobMode"] is False  # Kinesis: limited LOB mode only
    assert settings["TargetMetadata"]["LimitedSizeLobMode"] is True


def test_the_source_is_mysql_and_the_target_kinesis_as_json(template):
    _, task = _one(template, "AWS::DMS::ReplicationTask")
    endpoints = _resources(template, "AWS::DMS::Endpoint")
    source = endpoints[task["Properties"]["SourceEndpointArn"]["Ref"]]["Properties"]
    target = endpoints[task["Properties"]["TargetEndpointArn"]["Ref"]]["Properties"]
    assert (source["EndpointType"], source["EngineName"]) == ("source", "mysql")
    assert "Password" not in source  # the connection comes from Secrets Manager
    assert source["MySqlSettings"]["SecretsManagerSecretId"] == {"Ref": "SourceSecretArn"}
    assert (target["EndpointType"], target["EngineName"]) == ("target", "kinesis")
    kinesis = target["KinesisSettings"]
    assert kinesis["MessageFormat"] == "json"
    stream, _ = _one(template, "AWS::Kinesis::Stream")
    assert kinesis["StreamArn"] == {"Fn::GetAtt": [stream, "Arn"]}
    # stream-position and commit-timestamp (the dedupe key and lag), nulls kept (a
    # before-image's current_signature_file_id: null is what marks a new signature).
    assert kinesis["IncludeTransactionDetails"] is True
    assert kinesis["IncludeNullAndEmpty"] is True


def test_the_pipe_goes_from_the_stream_to_the_cdc_queue(template):
    _, pipe = _one(template, "AWS::Pipes::Pipe")
    properties = pipe["Properties"]
    stream, _ = _one(template, "AWS::Kinesis::Stream")
    assert properties["Source"] == {"Fn::GetAtt": [stream, "Arn"]}
    queue = properties["Target"]["Fn::GetAtt"][0]
    assert template["Outputs"]["QueueUrl"]["Value"] == {"Ref": queue}
    assert template["Resources"][queue]["Type"] == "AWS::SQS::Queue"
    source = properties["SourceParameters"]["KinesisStreamParameters"]
    assert source["StartingPosition"] == {"Ref": "PipeStartingPosition"}
    failures = source["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert template["Resources"][failures]["Type"] == "AWS::SQS::Queue"
    assert failures != queue


def test_what_the_pipe_sends_is_a_body_the_worker_parses(template):
    """A Pipe passes a Kinesis record as {"data": <base64>, "partitionKey": …}; the
    template's <$.data> sends the decoded DMS record instead. The worker reads both, so a
    Pipe set up without the template still works."""
    _, pipe = _one(template, "AWS::Pipes::Pipe")
    input_template = pipe["Properties"]["TargetParameters"]["InputTemplate"]
    wrapped = json.loads(KINESIS_SAMPLE.read_text())
    pipe_event = {**{k: v for k, v in wrapped.items() if k != "kinesis"}, **wrapped["kinesis"]}
    untemplated = parse_body(json.dumps(pipe_event))
    assert isinstance(untemplated, RowChange) and untemplated.row["id"] == 1042

    path = re.fullmatch(r"<\$\.([A-Za-z0-9_-]+)>", input_template)
    assert path, f"InputTemplate {input_template!r} is not the whole-field <$.field> it must be"
    field = pipe_event[path.group(1)]
    body = json.dumps(json.loads(base64.b64decode(field)))  # the Pipe parses a record's data
    change = parse_body(body)
    assert isinstance(change, RowChange)
    assert (change.table, change.row["id"]) == ("users", 1042)


def test_the_cdc_queue_redrives_to_its_dead_letter_queue(template):
    _, pipe = _one(template, "AWS::Pipes::Pipe")
    queue_name = pipe["Properties"]["Target"]["Fn::GetAtt"][0]
    queue = template["Resources"][queue_name]["Properties"]
    redrive = queue["RedrivePolicy"]
    dead_letters = redrive["deadLetterTargetArn"]["Fn::GetAtt"]
    assert dead_letters[1] == "Arn"
    assert template["Resources"][dead_letters[0]]["Type"] == "AWS::SQS::Queue"
    assert dead_letters[0] != queue_name
    assert template["Outputs"]["DeadLetterQueueUrl"]["Value"] == {"Ref": dead_letters[0]}
    assert redrive["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
    # Standard queues both: a FIFO queue's dead-letter queue must be FIFO too.
    assert "FifoQueue" not in queue
    assert "FifoQueue" not in template["Resources"][dead_letters[0]]["Properties"]


def test_max_receive_count_outlasts_the_workers_replica_lag_retries(template):
    """Each retry is a receive: a record waiting for the replica must reach its forced
    apply (SYNC_MAX_REPLICA_LAG_SECONDS) before SQS dead-letters it."""
    fields = Settings.model_fields
    base = fields["sync_retry_base_seconds"].default
    cap = fields["sync_retry_cap_seconds"].default
    max_lag = fields["sync_max_replica_lag_seconds"].default
    waited, receives = 0, 0
    while waited < max_lag:
        receives += 1
        waited += min(base * 2 ** (receives - 1), cap)
    default = int(template["Parameters"]["MaxReceiveCount"]["Default"])
    assert default > 2 * receives, (default, receives)


def test_the_outputs_name_what_the_dialler_is_configured_with(template):
    outputs = template["Outputs"]
    for name in ("QueueUrl", "DeadLetterQueueUrl", "QueueArn", "DeadLetterQueueArn",
                 "StreamName", "WorkerPolicyArn"):
        assert name in outputs, name
    settings = outputs["DiallerSettings"]["Value"]["Fn::Sub"]
    named = dict(pair.split("=", 1) for pair in settings.split())
    assert set(named) <= {name.upper() for name in Settings.model_fields}, named


def test_the_worker_policy_grants_what_the_worker_calls_and_no_more(template):
    _, pipe = _one(template, "AWS::Pipes::Pipe")
    queue = pipe["Properties"]["Target"]["Fn::GetAtt"][0]
    dead_letters = template["Resources"][queue]["Properties"]["RedrivePolicy"][
        "deadLetterTargetArn"]["Fn::GetAtt"][0]
    policy_name = template["Outputs"]["WorkerPolicyArn"]["Value"]["Ref"]
    policy = template["Resources"][policy_name]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    granted: dict[str, set[str]] = {}
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        target = statement["Resource"]["Fn::GetAtt"]
        assert target[1] == "Arn"
        granted.setdefault(target[0], set()).update(actions)
    assert granted == {
        # sync_worker/sqs.py: receive, delete and delay (batches authorise as these)
        queue: {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes"},
        # the dead-letter queue's URL from the redrive policy, poison sent there, depth sampled
        dead_letters: {"sqs:GetQueueUrl", "sqs:SendMessage", "sqs:GetQueueAttributes"},
    }
