"""LibCST transforms: the only code that edits source. They act on plans the analysis made."""
