"""Decoders for the compression codecs Spark writes event logs with.

Spark names a compressed event log by its codec's short name (``.zstd``, ``.lz4``,
``.snappy``, ``.lzf``) and writes each codec's *Java stream framing*, not the common
file formats:

- ``zstd``: standard zstd frames (zstd-jni ``ZstdOutputStream``), decoded by ``zstandard``.
- ``lz4``: lz4-java ``LZ4BlockOutputStream`` framing (``LZ4Block`` magic, 21-byte block
  headers) around raw LZ4 blocks.
- ``snappy``: snappy-java ``SnappyOutputStream`` framing (``\\x82SNAPPY\\x00`` header,
  then big-endian length-prefixed raw snappy blocks).
- ``lzf``: ning compress-lzf chunks (``ZV`` + type byte).

The block formats are small and documented, so each has a pure-Python decoder here; when
the optional packages ``lz4`` or ``python-snappy`` are installed their C decoders are used
for the block step instead (about 50x faster). Every decoder yields decompressed byte
chunks and raises :class:`CorruptLogError` naming the file and offset on bad input.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO, Literal

from governance.errors import InputError

Codec = Literal["none", "zstd", "lz4", "snappy", "lzf"]

#: File-name suffix Spark uses for each codec (``CompressionCodec.getShortName``).
SUFFIX_CODECS: dict[str, Codec] = {".zstd": "zstd", ".zst": "zstd", ".lz4": "lz4", ".snappy": "snappy", ".lzf": "lzf"}

_READ = 1 << 20


class CorruptLogError(InputError):
    """A compressed event log cannot be decoded (truncated or damaged)."""


def codec_of(name: str) -> Codec:
    """Return the codec an event-log file name implies (``.inprogress`` ignored)."""
    if name.endswith(".inprogress"):
        name = name[: -len(".inprogress")]
    for suffix, codec in SUFFIX_CODECS.items():
        if name.endswith(suffix):
            return codec
    return "none"


def decode(stream: BinaryIO, codec: Codec, *, name: str = "<stream>") -> Iterator[bytes]:
    """Yield the decompressed bytes of ``stream`` in chunks.

    Args:
        stream: The open file, positioned at its start.
        codec: The codec, as returned by :func:`codec_of`.
        name: The file name used in error messages.

    Raises:
        CorruptLogError: The data is not valid for the codec.
    """
    if codec == "none":
        while chunk := stream.read(_READ):
            yield chunk
    elif codec == "zstd":
        yield from _zstd(stream, name)
    elif codec == "lz4":
        yield from _lz4_stream(stream, name)
    elif codec == "snappy":
        yield from _snappy_stream(stream, name)
    elif codec == "lzf":
        yield from _lzf_stream(stream, name)
    else:  # pragma: no cover - Literal guards this
        raise InputError(f"{name}: unknown event log codec {codec!r}")


# --------------------------------------------------------------------------- zstd
def _zstd(stream: BinaryIO, name: str) -> Iterator[bytes]:
    """Frame by frame, so a frame cut short at the end of the file is reported, not ignored."""
    import zstandard

    dctx = zstandard.ZstdDecompressor()
    obj = dctx.decompressobj()
    pending = False  # input was fed to a frame that has not ended yet
    offset = 0
    while True:
        data = stream.read(_READ)
        if not data:
            break
        while data:
            try:
                out = obj.decompress(data)
            except zstandard.ZstdError as exc:
                raise CorruptLogError(f"{name}: corrupt zstd data near byte {offset} ({exc})") from None
            if out:
                yield out
            if obj.eof:
                data = obj.unused_data
                obj = dctx.decompressobj()
                pending = False
            else:
                pending = True
                data = b""
        offset = stream.tell()
    if pending:
        raise CorruptLogError(f"{name}: truncated zstd data (the last frame ends early at byte {offset})")


def _read_exact(stream: BinaryIO, n: int, name: str, what: str) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise CorruptLogError(f"{name}: truncated {what} at byte {stream.tell()} (wanted {n} bytes, got {len(data)})")
    return data


# --------------------------------------------------------------------------- lz4
_LZ4_MAGIC = b"LZ4Block"


def _lz4_stream(stream: BinaryIO, name: str) -> Iterator[bytes]:
    try:
        import lz4.block as lz4block  # type: ignore[import-not-found]
    except ImportError:
        lz4block = None
    while True:
        magic = stream.read(8)
        if not magic:
            return
        if magic != _LZ4_MAGIC:
            raise CorruptLogError(f"{name}: not an lz4-java block stream (bad magic at byte {stream.tell() - len(magic)})")
        token, clen, dlen, _checksum = struct.unpack("<Biii", _read_exact(stream, 13, name, "lz4 block header"))
        method = token & 0xF0
        if clen < 0 or dlen < 0:
            raise CorruptLogError(f"{name}: negative lz4 block length at byte {stream.tell()}")
        if dlen == 0:  # the end mark; another stream may follow
            continue
        body = _read_exact(stream, clen, name, "lz4 block")
        if method == 0x10:
            yield body
        elif method == 0x20:
            try:
                out = lz4block.decompress(body, uncompressed_size=dlen) if lz4block else _lz4_block(body, dlen)
            except CorruptLogError:
                raise
            except Exception as exc:  # noqa: BLE001 - lz4 raises LZ4BlockError
                raise CorruptLogError(f"{name}: corrupt lz4 block ({exc})") from None
            if len(out) != dlen:
                raise CorruptLogError(f"{name}: lz4 block decoded to {len(out)} bytes, header says {dlen}")
            yield bytes(out)
        else:
            raise CorruptLogError(f"{name}: unknown lz4 block method 0x{method:02x}")


def _lz4_block(src: bytes, size: int) -> bytearray:
    out = bytearray()
    i, n = 0, len(src)
    try:
        while i < n:
            token = src[i]
            i += 1
            lit = token >> 4
            if lit == 15:
                while True:
                    b = src[i]
                    i += 1
                    lit += b
                    if b != 255:
                        break
            out += src[i : i + lit]
            i += lit
            if i >= n:
                break
            offset = src[i] | (src[i + 1] << 8)
            i += 2
            mlen = token & 15
            if mlen == 15:
                while True:
                    b = src[i]
                    i += 1
                    mlen += b
                    if b != 255:
                        break
            mlen += 4
            if offset == 0 or offset > len(out):
                raise CorruptLogError(f"lz4 block: bad match offset {offset}")
            _copy_match(out, offset, mlen)
    except IndexError:
        raise CorruptLogError("lz4 block: truncated sequence") from None
    return out


def _copy_match(out: bytearray, offset: int, length: int) -> None:
    start = len(out) - offset
    if offset >= length:
        out += out[start : start + length]
        return
    pattern = bytes(out[start:])
    reps, rest = divmod(length, offset)
    out += pattern * reps + pattern[:rest]


# --------------------------------------------------------------------------- snappy
_SNAPPY_MAGIC = b"\x82SNAPPY\x00"


def _snappy_stream(stream: BinaryIO, name: str) -> Iterator[bytes]:
    try:
        import snappy  # type: ignore[import-not-found]
    except ImportError:
        snappy = None
    head = stream.read(16)
    if not head:
        return
    if head[:8] != _SNAPPY_MAGIC:
        raise CorruptLogError(f"{name}: not a snappy-java stream (bad magic)")
    while True:
        raw = stream.read(4)
        if not raw:
            return
        if raw == _SNAPPY_MAGIC[:4]:  # a concatenated stream repeats the 16-byte header
            rest = _read_exact(stream, 12, name, "snappy header")
            if (raw + rest)[:8] == _SNAPPY_MAGIC:
                continue
            raise CorruptLogError(f"{name}: bad snappy header at byte {stream.tell() - 16}")
        if len(raw) != 4:
            raise CorruptLogError(f"{name}: truncated snappy chunk length at byte {stream.tell()}")
        (clen,) = struct.unpack(">i", raw)
        if clen < 0:
            raise CorruptLogError(f"{name}: negative snappy chunk length at byte {stream.tell() - 4}")
        body = _read_exact(stream, clen, name, "snappy chunk")
        try:
            yield snappy.uncompress(body) if snappy else bytes(_snappy_block(body))
        except CorruptLogError as exc:
            raise CorruptLogError(f"{name}: {exc}") from None
        except Exception as exc:  # noqa: BLE001
            raise CorruptLogError(f"{name}: corrupt snappy chunk ({exc})") from None


def _snappy_block(src: bytes) -> bytearray:
    i, size, shift = 0, 0, 0
    try:
        while True:
            b = src[i]
            i += 1
            size |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
        out = bytearray()
        n = len(src)
        while i < n:
            tag = src[i]
            i += 1
            kind = tag & 3
            if kind == 0:
                length = tag >> 2
                if length >= 60:
                    nb = length - 59
                    length = int.from_bytes(src[i : i + nb], "little")
                    i += nb
                length += 1
                out += src[i : i + length]
                i += length
                continue
            if kind == 1:
                length = 4 + ((tag >> 2) & 7)
                offset = ((tag >> 5) << 8) | src[i]
                i += 1
            elif kind == 2:
                length = (tag >> 2) + 1
                offset = src[i] | (src[i + 1] << 8)
                i += 2
            else:
                length = (tag >> 2) + 1
                offset = int.from_bytes(src[i : i + 4], "little")
                i += 4
            if offset == 0 or offset > len(out):
                raise CorruptLogError(f"snappy block: bad copy offset {offset}")
            _copy_match(out, offset, length)
    except IndexError:
        raise CorruptLogError("snappy block: truncated") from None
    if len(out) != size:
        raise CorruptLogError(f"snappy block: decoded {len(out)} bytes, header says {size}")
    return out


# --------------------------------------------------------------------------- lzf
def _lzf_stream(stream: BinaryIO, name: str) -> Iterator[bytes]:
    while True:
        head = stream.read(2)
        if not head:
            return
        if head != b"ZV":
            raise CorruptLogError(f"{name}: not an LZF chunk (bad magic at byte {stream.tell() - len(head)})")
        kind = _read_exact(stream, 1, name, "lzf chunk type")[0]
        if kind == 0:
            (length,) = struct.unpack(">H", _read_exact(stream, 2, name, "lzf chunk length"))
            yield _read_exact(stream, length, name, "lzf chunk")
        elif kind == 1:
            clen, dlen = struct.unpack(">HH", _read_exact(stream, 4, name, "lzf chunk header"))
            body = _read_exact(stream, clen, name, "lzf chunk")
            try:
                out = _lzf_block(body)
            except CorruptLogError as exc:
                raise CorruptLogError(f"{name}: {exc}") from None
            if len(out) != dlen:
                raise CorruptLogError(f"{name}: lzf chunk decoded to {len(out)} bytes, header says {dlen}")
            yield bytes(out)
        else:
            raise CorruptLogError(f"{name}: unknown LZF chunk type {kind}")


def _lzf_block(src: bytes) -> bytearray:
    out = bytearray()
    i, n = 0, len(src)
    try:
        while i < n:
            ctrl = src[i]
            i += 1
            if ctrl < 32:
                out += src[i : i + ctrl + 1]
                i += ctrl + 1
                continue
            length = ctrl >> 5
            if length == 7:
                length += src[i]
                i += 1
            offset = ((ctrl & 0x1F) << 8) + src[i] + 1
            i += 1
            if offset > len(out):
                raise CorruptLogError(f"lzf block: bad back-reference {offset}")
            _copy_match(out, offset, length + 2)
    except IndexError:
        raise CorruptLogError("lzf block: truncated") from None
    return out
