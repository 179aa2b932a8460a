"""Event-log codec decoders: Spark's Java stream framings, decoded without optional packages."""

import io
import struct

import pytest
import zstandard

from retention.usage.sources.codecs import CorruptLogError, codec_of, decode

TEXT = b'{"Event":"SparkListenerLogStart","Spark Version":"4.2.0"}\n' * 3


def _decode(data: bytes, codec: str) -> bytes:
    return b"".join(decode(io.BytesIO(data), codec, name="log"))  # type: ignore[arg-type]


def _lz4_literal_block(payload: bytes) -> bytes:
    # One LZ4 sequence holding only literals (the last sequence of any block).
    n = len(payload)
    if n < 15:
        return bytes([n << 4]) + payload
    rest, ext = n - 15, b""
    while rest >= 255:
        ext += b"\xff"
        rest -= 255
    return bytes([0xF0]) + ext + bytes([rest]) + payload


def _lz4_java(blocks: list[bytes]) -> bytes:
    out = b""
    for raw in blocks:
        body = _lz4_literal_block(raw)
        out += b"LZ4Block" + struct.pack("<Biii", 0x20, len(body), len(raw), 0) + body
    return out + b"LZ4Block" + struct.pack("<Biii", 0x10, 0, 0, 0)


@pytest.mark.parametrize(
    ("name", "codec"),
    [("local-1", "none"), ("local-1.zstd", "zstd"), ("app-1.lz4.inprogress", "lz4"), ("events_1_app.snappy", "snappy"), ("x.lzf", "lzf")],
)
def test_codec_of_file_name_gives_spark_codec(name: str, codec: str) -> None:
    assert codec_of(name) == codec


def test_zstd_concatenated_frames_decode_to_all_lines() -> None:
    c = zstandard.ZstdCompressor()
    assert _decode(c.compress(TEXT) + c.compress(TEXT), "zstd") == TEXT * 2


def test_zstd_truncated_frame_raises_corrupt_log_error() -> None:
    text = b"".join(b'{"Event":"X","n":%d}\n' % i for i in range(20000))
    data = zstandard.ZstdCompressor().compress(text)
    with pytest.raises(CorruptLogError, match="truncated zstd"):
        _decode(data[: len(data) // 2], "zstd")


def test_zstd_not_zstd_at_all_raises_corrupt_log_error() -> None:
    with pytest.raises(CorruptLogError, match="corrupt zstd"):
        _decode(b"this is plain text, not a zstd frame" * 10, "zstd")


def test_lz4_java_block_stream_with_literals_decodes() -> None:
    assert _decode(_lz4_java([TEXT, TEXT[:10]]), "lz4") == TEXT + TEXT[:10]


def test_lz4_match_copies_overlapping_bytes() -> None:
    # literals "ab", then a match of length 8 at offset 2 -> "ab" * 5, then last literals "!"
    block = bytes([(2 << 4) | (8 - 4)]) + b"ab" + struct.pack("<H", 2) + bytes([1 << 4]) + b"!"
    framed = b"LZ4Block" + struct.pack("<Biii", 0x20, len(block), 11, 0) + block
    assert _decode(framed, "lz4") == b"ababababab!"


def test_lz4_truncated_block_raises_corrupt_log_error() -> None:
    with pytest.raises(CorruptLogError, match="truncated"):
        _decode(_lz4_java([TEXT])[:-30], "lz4")


def test_snappy_java_stream_decodes_literal_and_copy() -> None:
    raw = b"abcabcabcX"
    # varint length 10; literal "abc" (tag (3-1)<<2); copy1 len 6 offset 3; literal "X"
    block = bytes([10]) + bytes([(3 - 1) << 2]) + b"abc" + bytes([((6 - 4) << 2) | 1, 3]) + bytes([0 << 2]) + b"X"
    stream = b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1) + struct.pack(">i", len(block)) + block
    assert _decode(stream, "snappy") == raw


def test_snappy_bad_magic_raises_corrupt_log_error() -> None:
    with pytest.raises(CorruptLogError, match="snappy"):
        _decode(b"not snappy at all", "snappy")


def test_lzf_chunks_uncompressed_and_compressed_decode() -> None:
    plain = b"ZV\x00" + struct.pack(">H", 4) + b"wxyz"
    # literal run "ab" (ctrl 1), back-reference len 3+2=5? use ctrl (3<<5)|0, offset byte 1 -> copy 5 bytes at distance 2
    comp_body = bytes([1]) + b"ab" + bytes([(3 << 5) | 0, 1])
    comp = b"ZV\x01" + struct.pack(">HH", len(comp_body), 7) + comp_body
    assert _decode(plain + comp, "lzf") == b"wxyz" + b"abababa"


def test_lzf_unknown_chunk_type_raises_corrupt_log_error() -> None:
    with pytest.raises(CorruptLogError, match="unknown LZF chunk type"):
        _decode(b"ZV\x07\x00\x00", "lzf")
