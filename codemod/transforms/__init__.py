"""LibCST edits: the call-site and ``forward`` rewrites, imports, keyword renames, and the code
that applies a file's edits at once. They carry out plans (``codemod.vocabulary``) that the
analysis made; rules also build small edits of their own (a Trainer subclass, a rename) with
``FileEdits``."""
