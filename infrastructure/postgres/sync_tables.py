"""The CDC sync's own tables: processed messages, dead letters, job runs."""
