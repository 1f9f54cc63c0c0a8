#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Resend a captured ESP packet, altered, on a raw socket (selftest helper).

usage: esp_inject.py PCAP IFACE KIND...

Takes the first IPv4/IPv6 ESP frame of PCAP (Ethernet, as tcpdump -w writes
it) and sends one altered copy per KIND on IFACE:
  replay   unchanged: a sequence number the receiver has already accepted
  flipseq  one bit of the sequence number flipped (a fresh number, so the
           replay check passes and the ICV check must catch it)
  badspi   SPI replaced by one the receiver does not know
  trunc6   ESP cut to 6 bytes: not even a whole ESP header
  short    ESP header and 10 bytes (fresh sequence number): shorter than
           IV + ICV, so it cannot be a valid packet
Only the standard library: it starts in a fraction of scapy's time under TCG.
"""
import socket
import struct
import sys
import time


def first_esp_frame(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit("pcap link type %d, want Ethernet (1)" % linktype)
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        etype = struct.unpack("!H", frame[12:14])[0]
        if etype == 0x0800 and frame[14 + 9] == 50:
            return frame, 4
        if etype == 0x86DD and frame[14 + 6] == 50:
            return frame, 6
    sys.exit("no ESP frame in " + path)


def ip4_checksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def rebuild(frame, fam, esp):
    eth = frame[:14]
    if fam == 4:
        ihl = (frame[14] & 0x0F) * 4
        ip = bytearray(frame[14:14 + ihl])
        struct.pack_into("!H", ip, 2, ihl + len(esp))
        struct.pack_into("!H", ip, 10, 0)
        struct.pack_into("!H", ip, 10, ip4_checksum(ip))
    else:
        ip = bytearray(frame[14:54])
        struct.pack_into("!H", ip, 4, len(esp))
    return eth + bytes(ip) + bytes(esp)


def altered(frame, fam, kind):
    hlen = (frame[14] & 0x0F) * 4 if fam == 4 else 40
    esp = bytearray(frame[14 + hlen:])
    if fam == 4:
        # keep only what the IP header says (drop Ethernet padding)
        tot = struct.unpack("!H", frame[16:18])[0]
        esp = esp[:tot - hlen]
    if kind == "replay":
        pass
    elif kind == "flipseq":
        esp[4] ^= 0x40
    elif kind == "badspi":
        esp[0:4] = b"\xde\xad\xbe\xef"
    elif kind == "trunc6":
        esp = esp[:6]
    elif kind == "short":
        esp[4] ^= 0x20
        esp = esp[:18]
    else:
        sys.exit("unknown kind " + kind)
    return rebuild(frame, fam, esp)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    frame, fam = first_esp_frame(sys.argv[1])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((sys.argv[2], 0))
    for kind in sys.argv[3:]:
        s.send(altered(frame, fam, kind))
        time.sleep(0.05)
    print("sent", " ".join(sys.argv[3:]))


if __name__ == "__main__":
    main()
