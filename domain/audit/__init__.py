"""The audit trail of personal-data reads and mutations (DESIGN.md section 10)."""
