"""Who may see which user's personal data (DESIGN.md section 10)."""
