"""The wide panel behind the engine: one row per KPI × municipality × year, in arrays.

The tidy long frame (one row per gender) is turned into integer-coded,
sorted NumPy arrays once: ``women``, ``men`` and ``total`` side by side, rows
ordered by KPI, municipality and year, with a sorted int64 ``key`` so that any
(KPI, municipality, year) is found by binary search. Everything downstream —
Riket's gap, peers, denominators, trailing windows over years — is a vectorised
lookup or shift on these arrays, never a loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from koladagap.columns import GENDER, ISDELETED, KPI, MUNICIPALITY_ID, PERIOD, VALUE

IntArray = NDArray[np.int64]
Int32Array = NDArray[np.int32]
FloatArray = NDArray[np.float64]
Arr = NDArray[Any]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Panel:
    """Integer-coded wide arrays of all values (see the module docstring).

    Attributes:
        kpis: sorted KPI ids; ``kc`` indexes into it.
        munis: sorted municipality ids; ``mc`` indexes into it.
        pmin: the first year; ``nper`` the number of years spanned.
        kc, mc, period: per-row codes and year.
        women, men, total: per-row values (NaN when not published).
        key: per-row sorted int64 key ``(kc * len(munis) + mc) * nper + period − pmin``.
    """

    kpis: NDArray[Any]
    munis: NDArray[Any]
    pmin: int
    nper: int
    kc: Int32Array
    mc: Int32Array
    period: Int32Array
    women: FloatArray
    men: FloatArray
    total: FloatArray
    key: IntArray

    def __len__(self) -> int:
        return len(self.key)

    def make_key(self, kc: Arr, mc: Arr, period: Arr) -> IntArray:
        """Keys for (KPI code, municipality code, year) triples (−1 where any part is invalid)."""
        nm = len(self.munis)
        k = np.asarray(kc, dtype=np.int64)
        m = np.asarray(mc, dtype=np.int64)
        p = np.asarray(period, dtype=np.int64) - self.pmin
        ok = (k >= 0) & (m >= 0) & (p >= 0) & (p < self.nper)
        out: IntArray = np.where(ok, (k * nm + m) * self.nper + p, -1)
        return out

    def kpi_code(self, kpi: str | None) -> int:
        """The code of a KPI id, −1 when absent."""
        return _code_of(self.kpis, kpi)

    def muni_code(self, municipality_id: str | None) -> int:
        """The code of a municipality id, −1 when absent."""
        return _code_of(self.munis, municipality_id)

    def muni_codes(self, ids: Any) -> IntArray:
        """Codes of many municipality ids (−1 for unknown ones)."""
        return _codes_of(self.munis, ids)

    def kpi_codes(self, ids: Any) -> IntArray:
        """Codes of many KPI ids (−1 for unknown ones)."""
        return _codes_of(self.kpis, ids)


def _codes_of(sorted_ids: NDArray[Any], ids: Any) -> IntArray:
    arr = np.asarray([str(i) for i in ids], dtype=object)
    if len(arr) == 0 or len(sorted_ids) == 0:
        return np.full(len(arr), -1, dtype="int64")
    pos = np.searchsorted(sorted_ids, arr)
    pos = np.clip(pos, 0, len(sorted_ids) - 1)
    out: IntArray = np.where(sorted_ids[pos] == arr, pos, -1).astype("int64")
    return out


def _code_of(sorted_ids: NDArray[Any], item: str | None) -> int:
    if item is None or len(sorted_ids) == 0:
        return -1
    pos = int(np.searchsorted(sorted_ids, item))
    return pos if pos < len(sorted_ids) and sorted_ids[pos] == item else -1


def lookup(keys_sorted: IntArray, query: IntArray) -> IntArray:
    """Row positions of ``query`` keys in ``keys_sorted`` (−1 where absent)."""
    if len(keys_sorted) == 0:
        return np.full(len(query), -1, dtype="int64")
    pos = np.searchsorted(keys_sorted, query)
    pos = np.clip(pos, 0, len(keys_sorted) - 1)
    out: IntArray = np.where((query >= 0) & (keys_sorted[pos] == query), pos, -1).astype("int64")
    return out


def take(values: Arr, idx: IntArray, fill: Any = np.nan) -> Arr:
    """``values[idx]`` with ``fill`` where ``idx`` is −1."""
    if len(values) == 0:
        return np.full(len(idx), fill)
    out: Arr = np.where(idx >= 0, values[np.maximum(idx, 0)], fill)
    return out


def _arrow(s: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow data behind a pyarrow-backed string column, else ``None``."""
    if isinstance(s.dtype, pd.StringDtype | pd.ArrowDtype) and hasattr(s.array, "__arrow_array__"):
        data = s.array.__arrow_array__()
        return data if isinstance(data, pa.ChunkedArray) else pa.chunked_array([data])
    return None


def _codes(s: pd.Series) -> tuple[Int32Array, NDArray[Any]]:
    """Sorted int32 codes (−1 for missing) and the sorted unique strings of an id column."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.asarray([str(c) for c in s.cat.categories], dtype=object)
        return _sorted_codes(np.asarray(s.cat.codes.to_numpy(), dtype=np.int32), cats)
    data = _arrow(s)
    if data is not None:
        encoded = pc.dictionary_encode(data).combine_chunks()
        raw = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        dic = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
        return _sorted_codes(np.asarray(raw, dtype=np.int32), dic)
    codes, uniques = pd.factorize(s, sort=True)
    return np.asarray(codes, dtype=np.int32), np.asarray([str(u) for u in uniques], dtype=object)


def _sorted_codes(raw: Int32Array, uniques: NDArray[Any]) -> tuple[Int32Array, NDArray[Any]]:
    """Re-number codes so that they follow the sorted order of ``uniques``."""
    order = np.argsort(uniques.astype(str), kind="stable")
    if (order == np.arange(len(order))).all():
        return raw, uniques
    rank = np.empty(len(uniques) + 1, dtype=np.int32)
    rank[order] = np.arange(len(uniques), dtype=np.int32)
    rank[-1] = -1  # raw code −1 (missing) indexes the last slot
    return rank[raw], uniques[order]


_GENDER_BYTES = np.full(256, -1, dtype=np.int8)
_GENDER_BYTES[[ord("K"), ord("M"), ord("T")]] = [0, 1, 2]


def _one_char_codes(chunk: pa.Array) -> NDArray[np.int8] | None:
    """Gender codes read straight from an Arrow string chunk whose values are all one byte."""
    if chunk.null_count or not (
        pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)
    ):
        return None
    _, off_buf, data_buf = chunk.buffers()
    if off_buf is None or data_buf is None:
        return None
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(off_buf, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
    if len(offsets) and (offsets[-1] - offsets[0] != len(chunk) or (np.diff(offsets) != 1).any()):
        return None
    start = int(offsets[0]) if len(offsets) else 0
    raw = np.frombuffer(data_buf, dtype=np.uint8)[start : start + len(chunk)]
    return _GENDER_BYTES[raw]


def _gender_codes(s: pd.Series) -> NDArray[np.int8]:
    """0 for K, 1 for M, 2 for T, −1 for anything else."""
    data = _arrow(s)
    out = np.full(len(s), -1, dtype=np.int8)
    if data is not None:
        parts = [_one_char_codes(c) for c in data.chunks]
        if all(p is not None for p in parts):
            return np.concatenate([p for p in parts if p is not None] or [out[:0]])
        for code, g in enumerate(("K", "M", "T")):
            hit = pc.fill_null(pc.equal(data, g), False).to_numpy(zero_copy_only=False)
            out[np.asarray(hit, dtype=bool)] = code
        return out
    codes, uniques = _codes(s)
    gmap = np.array([{"K": 0, "M": 1, "T": 2}.get(str(g), -1) for g in uniques] + [-1], np.int8)
    out[:] = gmap[codes]
    return out


def build_panel(values: pd.DataFrame) -> Panel:
    """The tidy long frame → a :class:`Panel` (deleted rows dropped, last duplicate wins)."""
    df = values
    if ISDELETED in df.columns:
        deleted = df[ISDELETED].to_numpy(dtype=bool, na_value=False)
        if deleted.any():
            df = df.loc[~deleted]
    kc, kpis = _codes(df[KPI])
    mc, munis = _codes(df[MUNICIPALITY_ID])
    gender = _gender_codes(df[GENDER])
    pa.default_memory_pool().release_unused()  # hand Arrow's encoding buffers back
    period = df[PERIOD].to_numpy(dtype="int64")
    value = df[VALUE].to_numpy(dtype="float64", na_value=np.nan)
    ok = (kc >= 0) & (mc >= 0) & (gender >= 0)
    if not ok.all():
        kc, mc, period, gender, value = kc[ok], mc[ok], period[ok], gender[ok], value[ok]
    del ok
    if len(period) == 0:
        e = np.empty(0, dtype="int64")
        f = np.empty(0)
        return Panel(kpis, munis, 0, 1, e, e, e, f, f, f, e)
    pmin = int(period.min())
    nper = int(period.max()) - pmin + 1
    nm = len(munis)
    key = kc.astype(np.int64)
    del kc
    key *= nm
    key += mc
    del mc
    key *= nper
    key += period
    key -= pmin
    space = len(kpis) * nm * nper
    rowid: NDArray[np.integer[Any]]
    if space <= 4 * len(key) + 1_000_000:
        present = np.zeros(space, dtype=bool)
        present[key] = True
        ukey = np.flatnonzero(present).astype(np.int64)
        index_dtype = np.int32 if len(ukey) < 2**31 - 1 else np.int64
        pos = np.cumsum(present, dtype=index_dtype)
        del present
        rowid = np.asarray(pos[key], dtype=index_dtype)
        rowid -= 1
        del pos
    else:
        ukey, rowid = np.unique(key, return_inverse=True)
    del key
    n = len(ukey)
    # one scatter into an n × 3 block (slot = row * 3 + gender), in place on rowid;
    # women, men and total are column views of the block (no copies)
    slot: NDArray[np.integer[Any]] = rowid if 3 * n < 2**31 - 1 else rowid.astype(np.int64)
    del rowid
    slot *= 3
    slot += gender
    block = np.full((n, 3), np.nan)
    block.reshape(-1)[slot] = value
    del slot
    cols = [block[:, g] for g in (0, 1, 2)]
    per_muni = nm * nper
    return Panel(
        kpis=kpis,
        munis=munis,
        pmin=pmin,
        nper=nper,
        kc=(ukey // per_muni).astype(np.int32),
        mc=((ukey % per_muni) // nper).astype(np.int32),
        period=(ukey % nper + pmin).astype(np.int32),
        women=cols[0],
        men=cols[1],
        total=cols[2],
        key=ukey,
    )


__all__ = ["Panel", "build_panel", "lookup", "take"]
