"""What the agent should chase with this user, in plain words."""

from __future__ import annotations

from domain.users.model import Claim, Requirement, UserContext

DOCUMENTS = {
    "bank_statement": "3 months of bank statements",
    "id_document": "photo ID (passport or driving licence)",
    "proof_of_address": "a proof of address (a recent utility bill or council tax letter)",
    "finance_agreement": "a copy of the finance agreement",
    "other": "the outstanding document",
}
_MAX_REASON = 200


def recommendations(context: UserContext, queue_type: str | None) -> list[str]:
    """Callback first, then the signature, then each pending document; no line twice."""
    found: list[str] = []
    if queue_type == "CALLBACK":
        found.append("Callback due: the customer asked to be called back now; "
                     "confirm it is still a good time.")
    claims = sorted(context.claims, key=lambda d: d.claim.id)
    open_claims = [d.claim for d in claims if d.claim.is_open]
    if not context.user.has_signed and (open_claims or queue_type == "UNSIGNED"):
        found.append(_signature(open_claims))
    for detail in claims:
        # A pending requirement counts on any claim, open or not, as in queue placement.
        for requirement in sorted(detail.requirements, key=lambda r: str(r.id)):
            if requirement.is_pending:
                found.append(_chase(requirement, detail.claim))
    return list(dict.fromkeys(found))


def document_words(requirement: Requirement) -> str:
    """The requirement's document type in plain words."""
    kind = (requirement.type or "").strip()
    return DOCUMENTS.get(kind) or kind.replace("_", " ") or DOCUMENTS["other"]


def _signature(open_claims: list[Claim]) -> str:
    if not open_claims:
        return "Ask for the signature: no claim can go ahead without it."
    lenders: dict[str, str] = {}  # one mention per lender, however its claims spell it
    for claim in open_claims:
        lenders.setdefault(" ".join(_lender(claim).split()).casefold(), _lender(claim))
    names = list(lenders.values())
    if len(open_claims) == 1:
        return f"Ask for the signature: the {names[0]} claim is waiting for it."
    return (f"Ask for the signature: {len(open_claims)} open claims are waiting for it "
            f"({_listed(names)}).")


def _chase(requirement: Requirement, claim: Claim) -> str:
    line = f"Chase {document_words(requirement)} for the {_lender(claim)} claim #{claim.id}"
    reason = " ".join((requirement.reason or "").split())
    if len(reason) > _MAX_REASON:
        reason = reason[:_MAX_REASON - 1] + "…"
    if not reason:
        return f"{line}."
    return f"{line}: {reason}" + ("" if reason[-1] in ".!?…" else ".")


def _lender(claim: Claim) -> str:
    return (claim.lender or "").strip() or "unnamed lender"


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
