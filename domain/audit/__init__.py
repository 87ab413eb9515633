"""The audit trail of personal-data reads and mutations (docs/api-conventions.md, "Audit trail")."""
