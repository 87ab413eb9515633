"""Who may see which user's personal data (docs/api-conventions.md, "Who may see a user")."""
