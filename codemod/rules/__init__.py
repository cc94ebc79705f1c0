"""One module per rule (``flNNN_*.py``), declaring itself as ``spec`` describes: ``RULE``, a
docstring headed What it finds / Why / Example / When it refuses, and ``EXAMPLES``;
``codemod.registry`` reads the declarations.

Machinery more than one rule needs lives in named modules here, never inside a rule:
``common`` (what a rule returns, the context it reads), ``class_move`` (a loss moved out of
one class's ``forward``: FL001, FL101), ``trainer`` (a ``compute_loss`` override: FL001, FL003,
FL101) and ``criterion`` (``--criterion``: FL002, FL003, the configuration). Rule modules never
import each other."""
