"""What people and tools read: findings as text, JSON, GitHub annotations and SARIF
(``formats``), unified diffs (``diff``), and the rules' documentation as Markdown for the README
(``rule_docs``). Pure functions from results to strings; the CLI prints them."""
