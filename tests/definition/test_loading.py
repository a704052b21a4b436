"""Loading definitions: YAML and JSON with positions, and one clear error for every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.definition import Document, load_definition
from engine.errors import DefinitionError

ORDER_YAML = """\
# yaml-language-server: $schema=../schemas/state-machine.schema.json
StartAt: Charge
States:
  Charge:
    Type: Task
    Resource: charge_customer
    Retry:
      - ErrorEquals: [Timeout]
        MaxAttempts: 3
    Next: Done
  Done:
    Type: Succeed
"""


def failure(source: object, **options: object) -> str:
    """The one diagnostic a bad source gives, as `file:line:col: error: message`."""
    with pytest.raises(DefinitionError) as caught:
        load_definition(source, **options)
    assert len(caught.value.diagnostics) == 1
    return str(caught.value.diagnostics[0])


def test_yaml_data_and_positions() -> None:
    document = load_definition(ORDER_YAML, filename="order.yaml")
    assert document.data["States"]["Charge"]["Retry"] == [
        {"ErrorEquals": ["Timeout"], "MaxAttempts": 3}
    ]
    assert document.file == "order.yaml"
    assert document.position(()) == (2, 1)
    assert document.position(("StartAt",)) == (2, 10)
    assert document.position(("States", "Charge", "Next")) == (10, 11)
    assert document.position(("States", "Charge", "Retry", 0, "MaxAttempts")) == (9, 22)
    assert document.key_position(("States", "Done")) == (11, 3)
    assert document.position(("States", "Nope")) is None
    assert document.nearest_position(("States", "Charge", "Nope")) == (5, 5)


def test_json_data_and_positions() -> None:
    text = '{\n  "StartAt": "A",\n  "States": {"A": {"Type": "Pass", "End": true}}\n}'
    document = load_definition(text, filename="a.asl.json")
    assert document.data == json.loads(text)
    assert document.position(("StartAt",)) == (2, 14)
    assert document.position(("States", "A", "End")) == (3, 43)
    assert document.key_position(("States", "A")) == (3, 14)


def test_files_by_suffix(tmp_path: Path) -> None:
    for name in ("a.yaml", "a.yml", "a.asl.yaml", "a.json", "a.asl.json"):
        path = tmp_path / name
        text = json.dumps({"StartAt": "A"}) if name.endswith("json") else "StartAt: A\n"
        path.write_text(text, encoding="utf-8")
        assert load_definition(path).data == {"StartAt": "A"}
        assert load_definition(str(path)).file == str(path)


def test_json_file_is_parsed_as_json_only(tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_text("StartAt: A\n", encoding="utf-8")
    assert failure(path) == f"{path}:1:1: error: invalid JSON: Expecting value"


def test_dict_source_is_copied_and_has_no_positions() -> None:
    data = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}
    document = load_definition(data)
    data["States"]["A"]["Type"] = "Fail"
    assert document.data["States"]["A"]["Type"] == "Succeed"
    assert document.position(("StartAt",)) is None
    assert isinstance(document, Document)


def test_dict_source_must_hold_json_data() -> None:
    assert failure({"StartAt": {1, 2}}).endswith("only JSON data: $.StartAt: set is not JSON")
    assert failure({"a": [float("nan")]}).endswith("$.a[0]: NaN is not JSON")
    assert failure({"a": {3: "x"}}).endswith("$.a: the key 3 (int) is not a string")


def test_yaml_scalars_follow_yaml_1_2() -> None:
    text = "a: no\nb: 2026-03-14T01:59:00Z\nc: 0x1F\nd: 1.5e3\ne: ~\nf: TRUE\ng: 1_000\nh: 010\n"
    assert load_definition(text).data == {
        "a": "no",
        "b": "2026-03-14T01:59:00Z",
        "c": 31,
        "d": 1500.0,
        "e": None,
        "f": True,
        "g": "1_000",
        "h": 10,
    }


def test_anchors_and_aliases_expand_with_positions() -> None:
    text = "x: &retry\n  ErrorEquals: [Oops]\ny: [*retry, *retry]\n"
    document = load_definition(text)
    assert document.data["y"] == [{"ErrorEquals": ["Oops"]}] * 2
    assert document.data["y"][0] is not document.data["y"][1]
    assert document.position(("y", 1, "ErrorEquals", 0)) == (2, 17)


def test_duplicate_keys_are_rejected() -> None:
    assert failure("a: 1\nb:\n  c: 1\n  c: 2\n") == (
        "<definition>:4:3: error: duplicate key 'c' (first defined on line 3)"
    )
    assert failure('{"a": 1,\n "a": 2}', filename="x.json") == (
        "x.json:2:2: error: duplicate key 'a' (first defined on line 1)"
    )


def test_alias_bomb_fails_fast() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    message = failure("\n".join(lines), filename="bomb.yaml")
    assert message.startswith("bomb.yaml:6:8: error: aliases expand to more than 100,000 nodes")


def test_recursive_alias_is_rejected() -> None:
    assert failure("a: &a [1, *a]\n") == (
        "<definition>:1:11: error: alias *a refers to its own anchor (a recursive structure)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: !!python/object/apply:os.system [ls]\n",
            "1:4: error: the YAML tag !!python/object/apply:os.system is not allowed here",
        ),
        ("a: !!binary aGk=\n", "1:4: error: the YAML tag !!binary is not allowed"),
        ("a: !Ref x\n", "1:4: error: the YAML tag !Ref is not allowed"),
        ("a: !!int x\n", "1:4: error: 'x' is not a valid !!int"),
    ],
)
def test_only_plain_json_tags(text: str, expected: str) -> None:
    assert failure(text).startswith("<definition>:" + expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: [1, 2\nb: 3\n", "2:2: error: invalid YAML: did not find expected ',' or ']'"),
        ("a:\n\tb: 1\n", "2:1: error: invalid YAML: found character that cannot start any token"),
        ("a: 1\n---\nb: 2\n", "2:1: error: the file holds more than one YAML document"),
        ("? [a]\n: b\n", "1:3: error: mapping keys must be plain strings"),
        ("a: &x 1\nb:\n  <<: {c: 1}\n", "3:3: error: YAML merge keys ('<<') are not supported"),
        ("a: *nope\n", "1:4: error: alias *nope has no anchor &nope before it"),
        ("a: \x07\n", "1:4: error: invalid YAML: control characters are not allowed"),
        ("{\n  'a': 1,\n}x", "2:3: error: invalid JSON: Expecting property name enclosed"),
        ("[" * 300 + "]" * 300, "1:201: error: the definition is nested more than 200 levels"),
        ("a:\n" + "".join("  " * i + "-\n" for i in range(1, 205)), "201:401: error: the defin"),
    ],
)
def test_malformed_text(text: str, expected: str) -> None:
    assert failure(text).startswith("<definition>:" + expected)


def test_json_only_when_the_name_says_json() -> None:
    # As text, JSON-looking YAML is still YAML ({a: 1}); a .json name makes JSON strict.
    assert load_definition('{"a": [1, 2,]}').data == {"a": [1, 2]}
    assert failure('{"a": [1, 2,]}', filename="x.json") == (
        "x.json:1:13: error: invalid JSON: Expecting value"
    )
    assert failure('{"a": NaN}', filename="n.json") == (
        "n.json:1:7: error: NaN is not a JSON number"
    )


def test_empty_and_comment_only() -> None:
    assert failure("") == "<definition>:1:1: error: the definition is empty"
    assert failure("# just a comment\n") == "<definition>:1:1: error: the definition is empty"


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(b"StartAt: A\n\x89PNG\r\n\x1a\n")
    assert failure(path) == (
        f"{path}:2:1: error: not UTF-8 text (byte 0x89); is this a binary file?"
    )
    path.write_bytes(b"a: 1\n\x00\x01\x02")
    assert failure(path) == (
        f"{path}:2:1: error: this is a binary file, not a YAML or JSON definition"
    )


def test_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"StartAt": "A"}')
    assert load_definition(path).data == {"StartAt": "A"}


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    assert failure(path) == (
        f"{path}:1:1: error: the file is 52,428,800 bytes, more than the limit of 1,048,576 bytes"
    )


def test_size_limit_is_configurable() -> None:
    text = "StartAt: " + "A" * 100
    assert "more than the limit of 50 bytes" in failure(text, max_bytes=50)
    assert load_definition(text, max_bytes=200).data == {"StartAt": "A" * 100}


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert failure(tmp_path / "nope.yaml") == f"{tmp_path / 'nope.yaml'}: error: no such file"
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    assert failure(folder).endswith("error: is a directory, not a definition file")


def test_lone_surrogate_text() -> None:
    assert failure('a: "\ud83d"') == (
        "<definition>:1:1: error: the text is not valid Unicode (a lone surrogate)"
    )


def test_non_source_type() -> None:
    assert failure(42) == "<definition>:1:1: error: cannot load a definition from a int"
