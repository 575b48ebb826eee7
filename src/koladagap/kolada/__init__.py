"""Talks to Kolada and the disk.

HTTP, the client, the tidy frame, the catalogue, the cache and the shipped sample.
Knows nothing of gaps, plans or charts.
"""
