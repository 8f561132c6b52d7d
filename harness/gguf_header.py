"""A lean GGUF header reader: metadata and tensor extents, without building numpy views of the vocab.

``gguf.GGUFReader`` takes ~3 s on SmolLM2's header because it materialises every tokenizer array;
this reads scalars and strings, skips arrays by seeking (keeping only short ones), and checks that
every tensor's data lies inside the file. Any inconsistency raises ``GGUFFormatError``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

_SCALARS: dict[int, tuple[str, int]] = {
    0: ("<B", 1),
    1: ("<b", 1),
    2: ("<H", 2),
    3: ("<h", 2),
    4: ("<I", 4),
    5: ("<i", 4),
    6: ("<f", 4),
    7: ("<?", 1),
    10: ("<Q", 8),
    11: ("<q", 8),
    12: ("<d", 8),
}
_STRING, _ARRAY = 8, 9
_KEEP_ARRAY_MAX = 64  # arrays longer than this (vocab, merges) are skipped, not stored
# Arrays of arrays: real files nest one level at most; a crafted one nested thousands deep would end in a
# RecursionError (or take forever), so nesting deeper than this is a format error.
MAX_ARRAY_DEPTH = 8
# Fewest bytes one element of each type takes on disk (a string: its length; an array: type + count).
_MIN_BYTES = {t: n for t, (_, n) in _SCALARS.items()} | {_STRING: 8, _ARRAY: 12}


class GGUFFormatError(ValueError):
    pass


@dataclass(frozen=True)
class SkippedArray:
    """Stands for a metadata array too long to keep (vocab, merges): only its length was read."""

    count: int

    def __str__(self) -> str:
        return f"<array of {self.count} elements>"


@dataclass
class TensorExtent:
    name: str
    ggml_type: int
    n_elements: int
    offset: int
    n_bytes: int


@dataclass
class GGUFHeader:
    version: int
    metadata: dict[str, Any]
    tensors: list[TensorExtent]
    data_start: int

    @property
    def data_end(self) -> int:
        return max((self.data_start + t.offset + t.n_bytes for t in self.tensors), default=self.data_start)


class _Reader:
    def __init__(self, fh: IO[bytes], size: int) -> None:
        self.fh = fh
        self.size = size

    def read(self, n: int) -> bytes:
        if n < 0 or self.fh.tell() + n > self.size:
            raise GGUFFormatError(f"header runs past the end of the file at byte {self.fh.tell():,}")
        return self.fh.read(n)

    def unpack(self, fmt: str, n: int) -> Any:
        return struct.unpack(fmt, self.read(n))[0]

    def string(self) -> str:
        n = self.unpack("<Q", 8)
        return self.read(n).decode("utf-8", errors="replace")

    def skip(self, n: int) -> None:
        if self.fh.tell() + n > self.size:
            raise GGUFFormatError(f"header runs past the end of the file at byte {self.fh.tell():,}")
        self.fh.seek(n, 1)

    def value(self, vtype: int, depth: int = 0) -> Any:
        if vtype in _SCALARS:
            return self.unpack(*_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            if depth >= MAX_ARRAY_DEPTH:
                raise GGUFFormatError(f"metadata arrays nested more than {MAX_ARRAY_DEPTH} deep")
            etype = self.unpack("<I", 4)
            count = self.unpack("<Q", 8)
            if etype not in _MIN_BYTES:
                raise GGUFFormatError(f"unknown metadata array element type {etype}")
            if count * _MIN_BYTES[etype] > self.size - self.fh.tell():
                raise GGUFFormatError(f"array of {count:,} elements cannot fit in the file")
            if count <= _KEEP_ARRAY_MAX:
                return [self.value(etype, depth + 1) for _ in range(count)]
            if etype in _SCALARS:
                self.skip(count * _SCALARS[etype][1])
            elif etype == _STRING:
                for _ in range(count):
                    self.skip(self.unpack("<Q", 8))
            else:
                for _ in range(count):
                    self.value(etype, depth + 1)
            return SkippedArray(count)
        raise GGUFFormatError(f"unknown metadata value type {vtype}")


def read_gguf_header(path: Path) -> GGUFHeader:
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    size = path.stat().st_size
    with path.open("rb") as fh:
        r = _Reader(fh, size)
        if r.read(4) != b"GGUF":
            raise GGUFFormatError("bad magic")
        version = r.unpack("<I", 4)
        if version not in (2, 3):
            raise GGUFFormatError(f"unsupported GGUF version {version}")
        n_tensors = r.unpack("<Q", 8)
        n_kv = r.unpack("<Q", 8)
        if n_tensors * 24 > size or n_kv * 12 > size:  # a tensor entry takes >= 24 bytes, a key/value >= 12
            raise GGUFFormatError(f"implausible counts ({n_tensors:,} tensors, {n_kv:,} keys)")
        metadata: dict[str, Any] = {}
        for _ in range(n_kv):
            key = r.string()
            metadata[key] = r.value(r.unpack("<I", 4))
        tensors = []
        for _ in range(n_tensors):
            name = r.string()
            n_dims = r.unpack("<I", 4)
            if n_dims > 8:
                raise GGUFFormatError(f"tensor {name!r} has {n_dims} dimensions")
            n_el = 1
            for _ in range(n_dims):
                n_el *= r.unpack("<Q", 8)
            ggml_type = r.unpack("<I", 4)
            offset = r.unpack("<Q", 8)
            try:
                block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(ggml_type)]
            except (ValueError, KeyError):
                raise GGUFFormatError(f"tensor {name!r} has unknown type {ggml_type}") from None
            tensors.append(TensorExtent(name, ggml_type, n_el, offset, n_el // block * type_size))
        align = metadata.get("general.alignment", 32)
        if isinstance(align, bool) or not isinstance(align, int) or align <= 0 or align & (align - 1):
            raise GGUFFormatError(f"general.alignment is {align!r}, not a positive power of two")
        pos = fh.tell()
        data_start = pos + (-pos % align)
    return GGUFHeader(version, metadata, tensors, data_start)
