"""One module per rule. Each rule's docstring is its documentation: what it finds, a tiny
before/after, and when it refuses. ``codemod.registry`` lists the codes."""
