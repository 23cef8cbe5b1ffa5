#!/usr/bin/env python3
"""fuzz-seeds.py - writes the generated seeds of the fuzzing corpora
(tests/fuzz/corpus/<harness>/seed-*; docs/testing.md): small inputs in each
harness's format (tests/fuzz/fuzz_*.c) made here from the formats' specs -
a minimal multiboot ELF, a truncated bzImage setup header, IDE, PCI and
fw_cfg programs, console keystrokes - never third-party binaries.  Deterministic;
rewrites only the seed-* files, so inputs the fuzzer found (crash-*,
found-*) stay.  Usage: fuzz-seeds.py CORPUS_DIR
"""
import os
import struct
import sys


# ---- multiboot / ELF -------------------------------------------------------
def mb_header(flags=0):
    magic = 0x1BADB002
    return struct.pack("<III", magic, flags, (-(magic + flags)) & 0xFFFFFFFF)


def elf32(segments, entry=0x100000, machine=3, phoff=52):
    """An ELF32 i386 executable: segments is a list of (paddr, data, memsz)."""
    phnum = len(segments)
    data_off = phoff + 32 * phnum
    eh = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    eh += struct.pack("<HHIIIIIHHHHHH", 2, machine, 1, entry, phoff, 0, 0, 52, 32, phnum, 0, 0, 0)
    ph, body, off = b"", b"", data_off
    for paddr, data, memsz in segments:
        ph += struct.pack("<IIIIIIII", 1, off, paddr, paddr, len(data), memsz, 5, 0x1000)
        body += data
        off += len(data)
    return eh + ph + body


def multiboot_seeds():
    code = mb_header() + b"\xf4\xeb\xfd"  # hlt; jmp hlt
    kernel = elf32([(0x100000, code, len(code))])
    bss = elf32([(0x100000, code, 0x4000)])
    two = elf32([(0x100000, code, len(code)), (0x200000, b"\x90" * 16, 64)])
    low = elf32([(0x9000, code, len(code))])  # over the information area
    aout = elf32([(0x100000, mb_header(0x10003) + bytes(20), 32)])
    video = elf32([(0x100000, mb_header(0x4) + bytes(20), 32)])
    cmd = b"console=ttyS0 debug"
    return {
        "seed-minimal": bytes([0]) + kernel,
        "seed-bss": bytes([1]) + bss,
        "seed-two-segments": bytes([2]) + two,
        "seed-info-moved": bytes([0]) + low,
        "seed-aout-kludge": bytes([0]) + aout,
        "seed-video": bytes([3]) + video,
        "seed-cmdline": bytes([4, len(cmd)]) + cmd + kernel,
        "seed-module": bytes([8]) + struct.pack("<H", 40) + bytes(range(40)) + kernel,
        "seed-module-missing": bytes([16]) + kernel,
        "seed-all": bytes([0x1D, len(cmd)]) + cmd + struct.pack("<H", 8) + b"modbytes" + kernel,
        "seed-truncated": bytes([0]) + kernel[:60],
        "seed-not-elf": bytes([0]) + b"MZ" + bytes(62),
        "seed-elf64": bytes([0]) + kernel[:4] + b"\x02" + kernel[5:],
        "seed-no-header": bytes([0]) + elf32([(0x100000, b"\x90" * 32, 32)]),
        "seed-bad-machine": bytes([0]) + elf32([(0x100000, code, len(code))], machine=62),
    }


# ---- bzImage ---------------------------------------------------------------
def bzimage(version=0x020F, setup_sects=1, loadflags=1, pm=b"\xf4" * 64, cmdline_size=2048,
            initrd_max=0x7FFFFFFF, init_size=0x10000):
    setup = bytearray(512 * ((setup_sects or 4) + 1))  # 0 means 4
    struct.pack_into("<B", setup, 0x1F1, setup_sects)
    struct.pack_into("<I", setup, 0x1F4, (len(pm) + 15) // 16)
    struct.pack_into("<H", setup, 0x1FE, 0xAA55)
    setup[0x200:0x202] = b"\xeb\x66"  # jmp over a 0x68-byte header
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, version)
    struct.pack_into("<B", setup, 0x211, loadflags)
    struct.pack_into("<I", setup, 0x214, 0x100000)
    struct.pack_into("<I", setup, 0x22C, initrd_max)
    struct.pack_into("<I", setup, 0x238, cmdline_size)
    struct.pack_into("<I", setup, 0x260, init_size)
    return bytes(setup) + pm


def bzimage_seeds():
    k = bzimage()
    cmd = b"console=ttyS0 root=/dev/sda rw"
    initrd = b"070701" + bytes(58)
    return {
        "seed-minimal": bytes([0]) + k,
        "seed-initrd-cmdline": bytes([0x0C]) + struct.pack("<H", len(initrd)) + initrd
        + struct.pack("<H", len(cmd)) + cmd + k,
        "seed-initrd-missing": bytes([0x10]) + k,
        "seed-big-ram": bytes([3]) + k,
        "seed-proto-2.02": bytes([1]) + bzimage(version=0x0202),
        "seed-proto-2.01": bytes([0]) + bzimage(version=0x0201),
        "seed-zimage": bytes([0]) + bzimage(loadflags=0),
        "seed-setup-sects-0": bytes([0]) + bzimage(setup_sects=0),
        "seed-long-cmdline": bytes([8]) + struct.pack("<H", 300) + b"a" * 300
        + bzimage(version=0x0205),
        "seed-truncated": bytes([0]) + k[:0x210],
        "seed-initrd-limit": bytes([4]) + struct.pack("<H", 4096) + bytes(4096)
        + bzimage(initrd_max=0x100FFF),
        "seed-huge-init-size": bytes([2]) + bzimage(init_size=0x7FFFF000),
    }


# ---- IDE programs (tests/fuzz/fuzz_ide.c) ----------------------------------
def ide_port(sel, size, value):
    return bytes([0, sel, {1: 0, 2: 1, 4: 2}[size]]) + struct.pack("<I", value)


def ide_ata(cmd, count, lba, dev=0xE0):
    return bytes([7, cmd, count]) + struct.pack("<I", lba) + bytes([dev])


def ide_pio(words, write=False, secondary=False):
    out = b""
    while words > 0:
        n = min(words, 512)
        out += bytes([3 if write else 2, (0x80 if secondary else 0) | (n // 4 - 1)])
        words -= n
    return out


def ide_prd(table, entries, secondary=False):
    out = bytes([5]) + struct.pack("<I", table) + bytes([(len(entries) - 1) | (0x80 if secondary else 0)])
    for base, count, eot in entries:
        out += struct.pack("<IHB", base, count, 1 if eot else 0)
    return out


def ide_pci(off, size, value):
    return bytes([6, off, {1: 0, 2: 1, 4: 2}[size]]) + struct.pack("<I", value)


BM_CMD = 19  # index of 0xC000 in fuzz_ide.c's port table
MASTER = ide_pci(0x04, 2, 0x0007)  # I/O, memory, bus master


def ide_seeds():
    dma_read = MASTER + ide_prd(0x10000, [(0x20000, 1024, True)]) + ide_ata(0xC8, 2, 3) \
        + ide_port(BM_CMD, 1, 0x09) + bytes([1, BM_CMD + 2, 0])
    return {
        "seed-identify": ide_ata(0xEC, 0, 0) + ide_pio(256),
        "seed-read-pio": ide_ata(0x20, 2, 5) + ide_pio(512) + bytes([1, 7, 0]),
        "seed-write-pio": ide_ata(0x30, 1, 7) + ide_pio(256, write=True) + ide_ata(0xE7, 0, 0),
        "seed-read-dma": dma_read,
        "seed-write-dma": MASTER + ide_prd(0x10000, [(0x30000, 512, False), (0x31000, 512, True)])
        + ide_ata(0xCA, 2, 9) + ide_port(BM_CMD, 1, 0x01),
        "seed-dma-ext": MASTER + ide_prd(0x8000, [(0x40000, 0, True)])
        + ide_ata(0x25, 128, 0x80000000) + ide_port(BM_CMD, 1, 0x09),
        "seed-dma-short-prd": MASTER + ide_prd(0x10000, [(0x20000, 512, True)])
        + ide_ata(0xC8, 4, 0) + ide_port(BM_CMD, 1, 0x09),
        "seed-dma-beyond-ram": MASTER + ide_prd(0xFFFF8, [(0xFFFFF000, 8192, True)])
        + ide_ata(0xC8, 16, 0) + ide_port(BM_CMD, 1, 0x09),
        "seed-dma-no-master": ide_prd(0x10000, [(0x20000, 512, True)]) + ide_ata(0xC8, 1, 0)
        + ide_port(BM_CMD, 1, 0x09),
        "seed-lba-end": ide_ata(0x20, 4, 158) + ide_pio(1024) + ide_ata(0x20, 1, 0x0FFFFFFF),
        "seed-multiple": ide_ata(0xC6, 4, 0) + ide_ata(0xC4, 8, 1) + ide_pio(2048)
        + ide_ata(0xC5, 4, 2) + ide_pio(1024, write=True),
        "seed-chs": ide_ata(0x91, 63, 0, dev=0xAF) + ide_ata(0x20, 1, 0x000102, dev=0xA0)
        + ide_pio(256),
        "seed-features-reset": ide_ata(0xEF, 0x45, 0) + ide_port(8, 1, 0x04) + ide_port(8, 1, 0x02)
        + ide_port(8, 1, 0x00) + bytes([1, 7, 0]),
        "seed-slave-secondary": ide_ata(0xEC, 0, 0, dev=0xF0) + ide_port(16, 1, 0xE0)
        + ide_port(17, 1, 0xEC) + ide_pio(256, secondary=True),
        "seed-bar4-move": ide_pci(0x20, 4, 0xD001) + MASTER + ide_port(BM_CMD, 1, 0x09)
        + ide_pci(0x04, 2, 0) + ide_ata(0xEC, 0, 0) + ide_pio(4),
        "seed-prd-ram": bytes([4]) + struct.pack("<I", 0x10000) + bytes([16])
        + struct.pack("<IIII", 0x20000, 0x80000200, 0, 0) + MASTER
        + ide_port(23, 4, 0x10000) + ide_ata(0xC8, 1, 0) + ide_port(BM_CMD, 1, 0x09),
    }


# ---- PCI programs (tests/fuzz/fuzz_pci.c) -----------------------------------
def pci_port_w(port, size, value):
    return bytes([2, port - 0xCF8, {1: 0, 2: 1, 4: 2}[size]]) + struct.pack("<I", value)


def pci_port_r(port, size):
    return bytes([3, port - 0xCF8, {1: 0, 2: 1, 4: 2}[size]])


def cfg_addr(devfn, off):
    return 0x80000000 | devfn << 8 | off


def pci_seeds():
    scan = b""
    for devfn in (0, 8, 9, 16):
        scan += pci_port_w(0xCF8, 4, cfg_addr(devfn, 0)) + pci_port_r(0xCFC, 4)
    return {
        "seed-scan": scan,
        "seed-direct": bytes([0, 0, 9, 0, 2, 0, 0, 8, 0x0E, 0, 1, 0, 9, 0x04, 1])
        + struct.pack("<I", 5) + bytes([0, 0, 9, 0x20, 2]),
        "seed-bar4-move": pci_port_w(0xCF8, 4, cfg_addr(9, 0x20)) + pci_port_w(0xCFC, 4, 0xFFFFFFFF)
        + pci_port_r(0xCFC, 4) + pci_port_w(0xCFC, 4, 0xD001) + bytes([4]) + struct.pack("<H", 0xD002)
        + bytes([0]),
        "seed-bytes": pci_port_w(0xCF8, 4, cfg_addr(9, 0x40)) + pci_port_w(0xCFD, 1, 0x80)
        + pci_port_r(0xCFE, 2) + pci_port_w(0xCFE, 2, 0x1234) + pci_port_r(0xCFC, 4),
        "seed-reset": pci_port_w(0xCF9, 1, 0x02) + pci_port_r(0xCF9, 1) + pci_port_w(0xCF9, 1, 0x06),
        "seed-cf8-bytes": pci_port_w(0xCF8, 1, 0x12) + pci_port_w(0xCFA, 2, 0x8000)
        + pci_port_r(0xCF8, 4) + pci_port_r(0xCF8, 1),
        "seed-command-off": pci_port_w(0xCF8, 4, cfg_addr(9, 0x04)) + pci_port_w(0xCFC, 2, 0)
        + bytes([4]) + struct.pack("<H", 0x1F7) + bytes([0]),
        "seed-other-bus": pci_port_w(0xCF8, 4, 0x80010000) + pci_port_r(0xCFC, 4),
    }


# ---- fw_cfg programs (tests/fuzz/fuzz_fw_cfg.c) ----------------------------
def fw_select(key):
    return bytes([0]) + struct.pack("<H", key)


def fw_read(n):
    return bytes([1, n])


def fw_dma(control, length, target, where, high=0, wild_high=False):
    """A control structure at where, then its address to 0x514/0x518."""
    return bytes([2]) + struct.pack("<IIIBIB", control, length, target, high, where,
                                    0xFF if wild_high else 0)


DMA_ERROR, DMA_READ, DMA_SKIP, DMA_SELECT, DMA_WRITE = 1, 2, 4, 8, 16


def fw_cfg_seeds():
    return {
        "seed-signature": fw_select(0) + fw_read(4) + fw_select(1) + fw_read(4),
        "seed-dir": fw_select(0x19) + fw_read(64) + fw_select(0x20) + fw_read(16),
        "seed-dma-dir": fw_dma(0x19 << 16 | DMA_SELECT | DMA_READ, 64, 0x1000, 0x2000),
        "seed-dma-zeros": fw_dma(DMA_SELECT | DMA_READ, 0xFFFF0000, 0x100, 0x3000),
        "seed-dma-skip": fw_dma(0x20 << 16 | DMA_SELECT | DMA_SKIP, 3, 0, 0x4000)
        + fw_dma(DMA_READ, 8, 0x5000, 0x4100, high=1, wild_high=True),
        "seed-dma-write": fw_dma(0x21 << 16 | DMA_SELECT | DMA_WRITE, 2, 0x6000, 0x6100),
        "seed-dma-edge": fw_dma(DMA_READ, 64, 0xFFFF0, 0xFFFF8),
        "seed-ports": bytes([4, 4, 2, 4, 5, 0, 3, 0, 1]) + struct.pack("<I", 0x1234)
        + bytes([3, 4, 2]) + struct.pack("<I", 0xDEADBEEF),
    }


# ---- console keystrokes ----------------------------------------------------
def console_seeds():
    return {
        "seed-text": b"hello, world\r\n",
        "seed-quit": b"ls\r\x01x",
        "seed-help": b"\x01h\x01H\x01?",
        "seed-literal": b"\x01\x01\x01a\x01",
        "seed-mixed": b"a\x01\x01\x01\x01b\x01X",
    }


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fuzz-seeds.py CORPUS_DIR")
    root = sys.argv[1]
    for name, seeds in (("multiboot", multiboot_seeds()), ("bzimage", bzimage_seeds()),
                        ("ide", ide_seeds()), ("pci", pci_seeds()),
                        ("fw_cfg", fw_cfg_seeds()), ("console_escape", console_seeds())):
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.remove(os.path.join(d, f))
        for f, data in seeds.items():
            with open(os.path.join(d, f), "wb") as out:
                out.write(data)
        print(f"{d}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
