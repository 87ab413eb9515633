"""Magic links: hashed tokens, sends, clicks, redemptions."""
