"""Reading an agents import file, and the rules it shares with the rest of the agents module."""

from __future__ import annotations

import pytest

from domain.agents.model import InvalidAgent, Role, check_new_agent, parse_queue_types
from infrastructure.postgres.migrate import head_revision
from infrastructure.postgres.schema_version import script_head
from infrastructure.security.common_passwords import password_policy
from service_layer.agent_import import InvalidImport, parse_agents_csv, progress_total

POLICY = password_policy()


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(InvalidImport) as caught:
        parse_agents_csv(text, POLICY)
    return caught.value.problems


def test_rows_are_normalised_by_the_agents_own_rules():
    rows = parse_agents_csv("Email, Name ,ROLE,queue_types,password\n"
                            " A@Example.COM , Ann ,supervisor, unsigned ; CALLBACK ,"
                            "  pass phrase  \n"
                            "b@example.com,Bob,AGENT,,\n", POLICY)
    a, b = rows
    assert (a.line, a.email, a.name, a.role) == (2, "a@example.com", "Ann", Role.SUPERVISOR)
    assert a.queue_types == frozenset({"UNSIGNED", "CALLBACK"})
    assert a.password == "  pass phrase  "  # a password is never trimmed
    assert (b.queue_types, b.password, b.queue_types_given) == (None, None, True)
    assert progress_total(rows) == 3


def test_without_a_queue_types_column_the_agents_keep_theirs():
    (row,) = parse_agents_csv("email,name,role\na@example.com,A,AGENT\n", POLICY)
    assert (row.queue_types, row.queue_types_given, row.password) == (None, False, None)


def test_every_problem_of_a_row_is_named_with_its_line():
    found = problems("email,name,role,queue_types,password\n"
                     "a@example.com,A,AGENT,,\n"
                     "\n"
                     "bad,,BOSS,NIGHTS,short\n")
    assert [line for line, _ in found] == [4]
    reason = found[0][1]
    for part in ("email 'bad'", "password must be", "name must be", "role 'BOSS'",
                 "queue type 'NIGHTS'"):
        assert part in reason


def test_a_quoted_field_over_two_lines_keeps_later_line_numbers_right():
    found = problems('email,name,role\n"a@example.com","Ann\nAble",AGENT\nbad,B,AGENT\n')
    assert found == [(4, "email 'bad' is not a valid e-mail address")]


def test_duplicates_nul_and_unreadable_csv_are_refused():
    assert problems("email,name,role\na@example.com,A,AGENT\nA@EXAMPLE.com,B,AGENT\n") == [
        (3, "e-mail 'a@example.com' is also on line 2")]
    assert problems("email,name,role\na@example.com,A\x00B,AGENT\n") == [
        (2, "a field holds a NUL character")]
    assert "not readable as CSV" in problems('email,name,role\n"a@example.com,A,AGENT\n')[0][1]


@pytest.mark.parametrize("text, expected", [
    ("", "column 'email' is missing"),
    ("email,name\n", "column 'role' is missing"),
    ("email,name,role,email\n", "column 'email' appears twice"),
    ("email,name,role\n", "the file names no agents"),
])
def test_header_problems(text, expected):
    assert any(expected in reason for _, reason in problems(text))


def test_queue_types_follow_set_agent_queue_types():
    assert parse_queue_types("") is None and parse_queue_types(" ; ") is None
    assert parse_queue_types("UNSIGNED;outstanding_requests") == frozenset(
        {"UNSIGNED", "OUTSTANDING_REQUESTS"})
    with pytest.raises(InvalidAgent, match="queue type 'LATE'"):
        parse_queue_types("UNSIGNED;LATE")


def test_a_new_agent_still_needs_a_password():
    with pytest.raises(InvalidAgent, match="password must be at least 10"):
        check_new_agent("a@example.com", "", "A", "AGENT", POLICY)


def test_the_cheap_schema_head_is_alembics():
    assert script_head() == head_revision()


def test_a_branched_history_is_left_to_alembic(tmp_path, monkeypatch):
    for name, rev, down in (("a", "1", None), ("b", "2", "1"), ("c", "3", "1")):
        (tmp_path / f"{name}.py").write_text(f"revision = {rev!r}\ndown_revision = {down!r}\n")
    monkeypatch.setattr("infrastructure.postgres.schema_version._alembic_head", lambda: "asked")
    assert script_head(tmp_path) == "asked"
