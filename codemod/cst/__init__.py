"""LibCST building blocks with no opinion about labels or losses: node helpers (``nodes``) and
the names a scope binds (``scopes``). ``analysis`` and ``transforms`` both stand on this layer;
neither imports the other."""
