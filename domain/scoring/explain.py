"""What the agent should chase with this user, in plain words."""

from __future__ import annotations

from domain.users.model import UserContext

DOCUMENTS = {
    "bank_statement": "bank statements",
    "id_document": "photo ID (passport or driving licence)",
    "proof_of_address": "a proof of address",
    "finance_agreement": "the finance agreement",
    "other": "the outstanding item",
}


def recommendations(context: UserContext, queue_type: str | None) -> list[str]:
    found: list[str] = []
    open_claims = [d for d in context.claims if d.claim.is_open]
    if queue_type == "CALLBACK":
        found.append("Callback due: the customer asked to be called now.")
    if not context.user.has_signed and open_claims:
        lenders = sorted({(d.claim.lender or "unknown lender").strip() for d in open_claims})
        found.append(f"Ask for the signature on the {', '.join(lenders)} claim(s).")
    for detail in context.claims:
        lender = (detail.claim.lender or "unknown lender").strip()
        for req in detail.requirements:
            if req.is_pending:
                what = DOCUMENTS.get(req.type or "other", req.type or "the outstanding item")
                why = f" ({req.reason.strip()})" if req.reason and req.reason.strip() else ""
                found.append(f"Chase {what}{why} for the {lender} claim #{detail.claim.id}.")
    return list(dict.fromkeys(found))
