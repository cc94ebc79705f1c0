"""LibCST edits: the call-site and ``forward`` rewrites, imports, and the code that applies a
file's edits at once. They act on plans the analysis made; rules also build small edits of their
own (a Trainer subclass, a rename) from the helpers here."""
