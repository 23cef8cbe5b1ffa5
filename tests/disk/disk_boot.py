#!/usr/bin/env python3
"""disk_boot.py - boots the PC disk images of scripts/disk-images.sh through
the BIOS, under QEMU or under xbt, and follows the serial console stage by
stage: boot loader, kernel, initramfs, shell (or memtest86+'s tests).

  disk_boot.py qemu IMAGE          qemu-system-i386 -drive file=IMAGE.img
  disk_boot.py xbt IMAGE XBT       xbt run IMAGE.img (a copy): skipped until
                                   `xbt run --help`'s usage line names a disk
                                   image (DISK, or "disk image")

IMAGE is syslinux, grub or memtest.  The Linux images end at the busybox
shell: $((6 * 7)) typed and answered, then poweroff -f (status 0).  memtest
runs until a test after the first starts (the screen
is refreshed every few tests); XBT_MEMTEST_PASS=1 waits for a whole
pass (about 4 minutes under QEMU with 32 MiB, docs/disk-images.md).
Each stage's time from the start is printed.

Environment: XBT_RUN_ARGS more `xbt run` options (split at spaces);
XBT_DISK_TIMEOUT seconds for the whole boot (default 300 under QEMU, 600
under xbt).

Exit status 0 pass, 1 fail, 77 skipped (no QEMU; the images cannot be made,
e.g. no network to fetch Debian's packages; xbt cannot boot a disk image
yet), with one line why.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "linux"))
import linux_guest as lg  # noqa: E402  (Console, skip, fail, PROMPT)

# Tunable: seconds for a whole boot (QEMU, xbt).  Policy: QEMU reaches the
# shell in 30-40 s on a 2-core host, 130 s when it is overloaded (load 14);
# xbt may be slower still.
BOOT_TIMEOUTS = {"qemu": 300.0, "xbt": 600.0}
BOOT_TIMEOUT = 300.0
# Tunable: seconds for one memtest86+ pass.  Policy: about 4 minutes under
# QEMU with 32 MiB (two 80-second bit-fade waits), three times that.
PASS_TIMEOUT = 900
# Tunable: guest RAM for memtest86+ in MiB.  Policy: small, so a pass is
# short; the Linux images get 256 as the Linux guest tests do.
MEMTEST_MIB = "32"
LINUX_MIB = "256"

LINUX = [(rb"Linux version 6\.", "kernel"),
         (rb"xbt-initramfs: Linux 6\.[^\r\n]* up", "initramfs"),
         (lg.PROMPT, "shell prompt")]
STAGES = {
    "syslinux": [(rb"SYSLINUX 6\.\d+", "SYSLINUX banner"),
                 (rb"xbt disk image: SYSLINUX booting", "SYSLINUX SAY line"),
                 (rb"boot:", "SYSLINUX prompt")] + LINUX,
    "grub": [(rb"GNU GRUB +version 2\.", "GRUB menu"),
             (rb"Debian i386 Linux \(xbt disk image\)", "GRUB menu entry"),
             (rb"xbt disk image: GRUB loading Linux", "GRUB boots the entry")] + LINUX,
    "memtest": [(rb"GNU GRUB +version 2\.", "GRUB menu"),
                (rb"xbt disk image: GRUB loading memtest86\+", "GRUB boots the entry"),
                (rb"Memtest86\+ v6\.", "memtest86+ screen"),
                (rb"#0 +\[", "test 0"),
                (rb"#(?:[1-9]|1[0-9]) +\[", "a later test")],
}


def images():
    try:
        out = subprocess.run(["sh", os.path.join(SRC, "scripts", "disk-images.sh"), "build"],
                             capture_output=True, text=True, timeout=1200)
    except subprocess.TimeoutExpired:
        lg.skip("making the disk images took more than 20 minutes")
    if out.returncode != 0:
        lg.skip("cannot make the disk images: " +
                (out.stderr.strip().splitlines() or ["?"])[-1])
    return out.stdout.strip().splitlines()[-1]


def xbt_boots_disks(xbt):
    """Whether `xbt run --help`'s usage line names a disk image."""
    out = subprocess.run([xbt, "run", "--help"], capture_output=True, text=True)
    usage = [ln for ln in (out.stdout + out.stderr).splitlines() if "usage:" in ln]
    return any(re.search(r"DISK|[Dd]isk image", ln) for ln in usage)


# Terminal controls the boot loaders mix into their text (SYSLINUX moves
# the cursor in the middle of a line): left out before matching.
ANSI = re.compile(rb"\x1b(?:\[[0-9;?]*[A-Za-z]|[c78])")


def follow(con, name, t0):
    """Expects the image's stages in order, on the console's text without
    terminal controls; returns their times."""
    times = []
    deadline = t0 + BOOT_TIMEOUT
    pos = 0
    for pattern, what in STAGES[name]:
        rx = re.compile(pattern) if isinstance(pattern, bytes) else pattern
        while not (m := rx.search(ANSI.sub(b"", con.buf), pos)):
            if not con._read(deadline):
                os.killpg(con.p.pid, signal.SIGKILL)
                lg.fail(f"{name}: no {what} within {BOOT_TIMEOUT:.0f} s "
                        f"(after: {', '.join(w for w, _ in times) or 'nothing'})", con.buf)
        pos = m.end()
        times.append((what, time.monotonic() - t0))
    con.seen = len(con.buf)     # what the shell prints next
    return times


def finish_linux(con, name):
    out = con.run("echo $((6 * 7))")
    if out.strip() != "42":
        lg.fail(f"{name}: the shell answered {out.strip()!r}, not 42", con.buf)
    lg.poweroff(con, name)


def finish_memtest(con, name, t0, times):
    if os.environ.get("XBT_MEMTEST_PASS") == "1":
        if not con.expect(rb"Pass:\s+1\b", PASS_TIMEOUT):
            os.killpg(con.p.pid, signal.SIGKILL)
            lg.fail(f"{name}: no completed pass within {PASS_TIMEOUT} s", con.buf)
        times.append(("pass 1", time.monotonic() - t0))
    errors = re.findall(rb"Errors:\s+(\d+)", con.buf)
    os.killpg(con.p.pid, signal.SIGKILL)
    con.p.wait()
    if any(int(e) for e in errors):
        lg.fail(f"{name}: memtest86+ reports errors", con.buf)


def boot(argv, name):
    t0 = time.monotonic()
    con = lg.Console(argv)
    times = follow(con, name, t0)
    if name == "memtest":
        finish_memtest(con, name, t0, times)
    else:
        finish_linux(con, name)
    return times


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("qemu", "xbt") or \
            sys.argv[2] not in STAGES or (sys.argv[1] == "xbt") != (len(sys.argv) == 4):
        print(__doc__)
        sys.exit(2)
    how, name = sys.argv[1], sys.argv[2]
    global BOOT_TIMEOUT
    BOOT_TIMEOUT = float(os.environ.get("XBT_DISK_TIMEOUT", BOOT_TIMEOUTS[how]))
    mib = MEMTEST_MIB if name == "memtest" else LINUX_MIB
    if how == "qemu":
        qemu = shutil.which("qemu-system-i386")
        if not qemu:
            lg.skip("qemu-system-i386 is not installed")
        img = os.path.join(images(), name + ".img")
        # snapshot=on: QEMU writes nothing back to the shared image
        argv = [qemu, "-drive", f"file={img},format=raw,snapshot=on", "-nographic",
                "-m", mib, "-no-reboot"]
        times = boot(argv, name)
    else:
        xbt = sys.argv[3]
        if not xbt_boots_disks(xbt):
            lg.skip("`xbt run --help` names no disk image to boot (BIOS boot of a disk "
                    "not there yet)")
        src = os.path.join(images(), name + ".img")
        with tempfile.TemporaryDirectory() as tmp:
            img = os.path.join(tmp, name + ".img")
            shutil.copyfile(src, img)
            more = os.environ.get("XBT_RUN_ARGS", "").split()
            times = boot([xbt, "run", "-m", mib, *more, img], name)
    print(f"PASS: {name} under {how}: " +
          ", ".join(f"{what} {t:.1f} s" for what, t in times))


if __name__ == "__main__":
    main()
