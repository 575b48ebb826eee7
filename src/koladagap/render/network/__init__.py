"""The benchmarking network's workbook and deck (issue 12), read from a :class:`NetworkResult`.

:func:`write_network_xlsx` writes ``natverk.xlsx`` (the KPI × member matrix, "samma
eller olika?", movement, methods annex); :func:`write_network_deck` writes
``natverk.pptx`` and ``natverk.pdf``, the short deck for the table discussions at
Benchmarking 2. Both read only :class:`koladagap.benchmarking.network_model.NetworkResult`.
"""

from __future__ import annotations

from koladagap.render.network.deck import write_network_deck
from koladagap.render.network.xlsx import write_network_xlsx

__all__ = ["write_network_deck", "write_network_xlsx"]
