"""Magic links: signed, expiring, single-use tokens that take a user into the main app."""
