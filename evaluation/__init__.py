"""Quality evaluations of the enrichment core against the team's labelled articles.

`python -m evaluation.entities` scores entity linking; shared loading and scoring live in
`evaluation.common`.
"""
