"""One module per rule (``flNNN_*.py``). Each rule's docstring is its documentation: what it
finds, a tiny before/after, and when it refuses; ``codemod.registry`` lists the codes.

Machinery more than one rule needs lives in named modules here, never inside a rule:
``common`` (what a rule returns, the context it reads), ``class_move`` (a loss moved out of
one class's ``forward``: FL001, FL101), ``trainer`` (a ``compute_loss`` override: FL001, FL003,
FL101) and ``criterion`` (``--criterion``: FL002, FL003, the configuration). Rule modules never
import each other."""
