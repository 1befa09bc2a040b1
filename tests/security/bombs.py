"""Hostile archives, built in milliseconds without ever holding their unpacked size in memory."""

import struct
import zlib

MEGABYTE = 1 << 20


def zeros_deflated(megabytes: int) -> bytes:
    """A raw deflate stream that unpacks to `megabytes` MB of zeros.

    One megabyte is compressed once, ending with a full flush (byte-aligned, no references to
    earlier data); repeating that piece and closing with an empty final block is a valid stream.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(bytes(MEGABYTE)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return piece * megabytes + b"\x03\x00"


def zip_bomb(member: str = "mimetype", megabytes: int = 300) -> bytes:
    """A zip whose one member (an ODF `mimetype` by default) unpacks to `megabytes` MB.

    The CRC is not computed (that would mean reading the whole unpacked size); a reader that
    unpacks the member in full only notices at the very end, after paying for all of it.
    """
    data = zeros_deflated(megabytes)
    name = member.encode()
    size = megabytes * MEGABYTE
    crc = 0
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0, 0, 0, 0, 0, 0,
    )  # fmt: skip
    directory = central + name
    offset = len(local) + len(name) + len(data)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(directory), offset, 0)
    return local + name + data + directory + end
