"""SMS: statuses, opt-out keywords, follow-up plans and templates (pure rules, no I/O)."""
