"""What the agent is told to chase."""

from __future__ import annotations

from domain.scoring.explain import recommendations
from domain.users.model import Claim, ClaimDetail, Requirement, User, UserContext


def user(signature: int | None = None) -> User:
    return User(1, "Ann", "Lee", None, "07911123456", None, "active", True, None, None, None,
                signature, None, None, None)


def claim(claim_id: int, lender: str | None = "Santander UK", status: str | None = "new",
          *requirements: Requirement) -> ClaimDetail:
    return ClaimDetail(Claim(claim_id, 1, "pcp", status, lender, None, None, None, None),
                       requirements)


def requirement(req_id: str, claim_id: int, kind: str | None, status: str = "PENDING",
                reason: str | None = None) -> Requirement:
    return Requirement(req_id, claim_id, kind, status, reason, None, None)


def context(*claims: ClaimDetail, signature: int | None = None) -> UserContext:
    return UserContext(user(signature), None, tuple(claims))


def test_unsigned_asks_for_the_signature_naming_the_lender():
    found = recommendations(context(claim(12, "  Santander UK ")), "UNSIGNED")
    assert found == ["Ask for the signature: the Santander UK claim is waiting for it."]


def test_unsigned_names_every_open_claims_lender_once():
    found = recommendations(context(
        claim(3, "Lloyds Bank"), claim(1, "Santander UK"), claim(2, "santander  uk"),
        claim(4, "Halifax", "complete"), claim(5, None)), "UNSIGNED")
    assert found == ["Ask for the signature: 4 open claims are waiting for it "
                     "(Santander UK, Lloyds Bank and unnamed lender)."]


def test_a_signed_user_is_not_asked_to_sign_again():
    assert recommendations(context(claim(1), signature=0), "OUTSTANDING_REQUESTS") == []


def test_each_pending_requirement_gets_one_line_in_plain_words():
    detail = claim(
        7, " Lloyds Bank ", "in_progress",
        requirement("b", 7, "id_document", reason="  Passport   has expired "),
        requirement("a", 7, "bank_statement"),
        requirement("c", 7, "proof_of_address", status="COMPLETED"),
        requirement("d", 7, "finance_agreement", status="CANCELLED"),
    )
    other = claim(9, "Barclays", "complete", requirement("e", 9, "other",
                                                         reason="Signed PPI waiver."),
                  requirement("f", 9, "council_tax_bill"), requirement("g", 9, None))
    found = recommendations(context(other, detail, signature=5), "OUTSTANDING_REQUESTS")
    assert found == [
        "Chase 3 months of bank statements for the Lloyds Bank claim #7.",
        "Chase photo ID (passport or driving licence) for the Lloyds Bank claim #7: "
        "Passport has expired.",
        "Chase the outstanding document for the Barclays claim #9: Signed PPI waiver.",
        "Chase council tax bill for the Barclays claim #9.",
        "Chase the outstanding document for the Barclays claim #9.",
    ]


def test_the_same_request_twice_is_said_once():
    detail = claim(1, "HSBC", "new", requirement("a", 1, "bank_statement"),
                   requirement("b", 1, "bank_statement"))
    assert recommendations(context(detail, signature=1), "OUTSTANDING_REQUESTS") == [
        "Chase 3 months of bank statements for the HSBC claim #1."]


def test_callback_comes_first_then_signature_then_documents():
    detail = claim(4, "Nationwide", "new", requirement("a", 4, "id_document"))
    found = recommendations(context(detail), "CALLBACK")
    assert found[0].startswith("Callback due")
    assert found[1].startswith("Ask for the signature")
    assert found[2].startswith("Chase photo ID")
    assert len(found) == 3


def test_a_callback_for_a_user_with_nothing_else_is_just_the_callback():
    assert [line[:12] for line in recommendations(context(signature=1), "CALLBACK")] == [
        "Callback due"]


def test_the_order_does_not_depend_on_how_rows_arrive():
    a = claim(1, "A", "new", requirement("x", 1, "bank_statement"),
              requirement("y", 1, "id_document"))
    b = claim(2, "B", "new", requirement("z", 2, "other"))
    reversed_rows = claim(1, "A", "new", *a.requirements[::-1])
    assert recommendations(context(a, b), "UNSIGNED") == recommendations(
        context(b, reversed_rows), "UNSIGNED")


def test_long_reasons_are_shortened():
    detail = claim(1, "X", "new", requirement("a", 1, "other", reason="word " * 100))
    (line,) = recommendations(context(detail, signature=1), None)
    assert len(line) < 300 and line.endswith("…")
