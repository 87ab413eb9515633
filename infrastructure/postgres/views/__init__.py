"""Read-only queries over the dialler's tables: each module answers one kind of question."""
