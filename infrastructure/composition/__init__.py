"""The composition root's parts: one module per area, each building finished objects."""
