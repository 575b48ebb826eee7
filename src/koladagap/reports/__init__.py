"""Report writers (outputs layer): the baseline chart pack and other documents.

Each writer lives in its own module and is imported from there, e.g.
``from koladagap.reports.pack import write_baseline_pack``; nothing is
imported here so ``import koladagap.reports`` stays cheap.
"""
