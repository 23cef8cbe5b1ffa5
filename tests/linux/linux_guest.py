#!/usr/bin/env python3
"""linux_guest.py - boots Debian's i386 Linux (scripts/linux-guest.sh) under
xbt, and under QEMU for comparison, and drives its busybox shell on the
serial console as a user at a terminal would: it waits for the prompt,
answers the shell's cursor-position queries (ESC [6n) as a terminal does,
types commands and reads their output.

  linux_guest.py shell XBT      uname, the CPU flags (sep), the vDSO's
                                 SYSENTER, arithmetic,
                                 poweroff -f ending xbt with status 0
  linux_guest.py tty XBT        on a terminal (a pty): typed input, the up
                                 arrow, line editing, Ctrl-A x (status 8),
                                 the terminal restored after
  linux_guest.py disk XBT       root=/dev/sda on a copy of the ext4 image:
                                 a file written, synced, read back after
                                 reboot -f (--reboot), after poweroff on
                                 the host (debugfs) and by a second run
  linux_guest.py vga XBT        --display=text with console=tty0: vgacon on
                                 the VGA text screen, a command typed on the
                                 PS/2 keyboard, its output in --vga-dump
  linux_guest.py qemu XBT       the same commands under QEMU: the outputs
                                 that do not depend on the machine agree;
                                 reboot -f ends xbt (no --reboot) with 10

XBT_RUN_ARGS (environment): more `xbt run` options, split at spaces.

Exit status 0 pass, 1 fail, 77 skipped (the guest cannot be made: no
network to fetch Debian's packages; or QEMU missing), with one line why.
"""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
BOOT_TIMEOUT = 120      # seconds to the shell prompt (a loaded CI host)
CMD_TIMEOUT = 60
PROMPT = re.compile(rb"[/~#] # $|\n/ # ")
MARK = "XBT-MARK"


def skip(why):
    print("SKIPPED: " + why)
    sys.exit(77)


def fail(why, log=b""):
    print("FAIL: " + why)
    if log:
        print("--- console (last 3000 bytes) ---")
        print(log[-3000:].decode("latin-1"))
    sys.exit(1)


def guest_dir():
    try:
        out = subprocess.run(["sh", os.path.join(SRC, "scripts", "linux-guest.sh"), "build"],
                             capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        skip("making the Linux guest took more than 15 minutes")
    if out.returncode != 0:
        skip("cannot make the Linux guest: " + (out.stderr.strip().splitlines() or ["?"])[-1])
    return out.stdout.strip().splitlines()[-1]


def controlling_tty():
    """In the child: its terminal becomes its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Console:
    """A guest's serial console on a pipe: expect and type."""

    def __init__(self, argv, tty=False):
        self.slave = None
        if tty:                 # a terminal: xbt puts it in raw mode
            master, self.slave = pty.openpty()
            self.p = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave,
                                      stderr=self.slave, start_new_session=True,
                                      preexec_fn=controlling_tty)
            self.rfd, self.wfd = master, master
        else:
            self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, start_new_session=True)
            self.rfd, self.wfd = self.p.stdout.fileno(), self.p.stdin.fileno()
        self.buf = b""
        self.seen = 0           # buf[:seen] has been matched already

    def write(self, data):
        os.write(self.wfd, data)

    def _read(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.rfd], [], [], min(left, 1.0))
        if not r:
            return True
        try:
            data = os.read(self.rfd, 65536)
        except OSError:         # a terminal whose last user has gone
            data = b""
        if not data:
            return False
        if b"\x1b[6n" in data:          # the shell asks where the cursor is
            self.write(b"\x1b[24;1R" * data.count(b"\x1b[6n"))
        self.buf += data
        return True

    def expect(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern) if isinstance(pattern, bytes) else pattern
        while True:
            m = rx.search(self.buf, self.seen)
            if m:
                self.seen = m.end()
                return m
            if not self._read(deadline):
                return None

    def run(self, cmd):
        """Types cmd, returns what it printed between two marks."""
        self.write(f"echo {MARK}1; {cmd}; echo {MARK}2\n".encode())
        m = self.expect(re.compile(rb"\n" + MARK.encode() + rb"1\r?\n(.*?)" + MARK.encode() +
                                   rb"2\r?\n", re.S), CMD_TIMEOUT)
        if not m:
            fail(f"no answer to '{cmd}'", self.buf)
        return m.group(1).decode("latin-1").replace("\r", "")

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
            return None


def boot(argv, tty=False):
    con = Console(argv, tty)
    if not con.expect(PROMPT, BOOT_TIMEOUT):
        os.killpg(con.p.pid, signal.SIGKILL)
        fail("no shell prompt within %d s" % BOOT_TIMEOUT, con.buf)
    return con


def xbt_argv(xbt, d, extra=(), append="console=ttyS0"):
    more = os.environ.get("XBT_RUN_ARGS", "").split()  # e.g. --mmu=host
    return [xbt, "run", "-m", "256", "--kernel", os.path.join(d, "vmlinuz"), "--initrd",
            os.path.join(d, "initrd.img"), "--append", append, *more, *extra]


def poweroff(con, what):
    con.write(b"poweroff -f\n")
    st = con.wait(CMD_TIMEOUT)
    if st != 0:
        fail(f"{what}: poweroff -f ended with status {st}, expected 0", con.buf)


# The vDSO's bytes as hex, read through /proc/self/mem (its address is the
# same in every process under norandmaps): __kernel_vsyscall is patched to
# "sysenter; int $0x80" (0f 34 cd 80) when the CPU has SEP.
VDSO_BYTES = ("a=$(grep vdso /proc/self/maps | cut -d- -f1); dd if=/proc/self/mem bs=4096 "
              "skip=$((0x$a / 4096)) count=2 2>/dev/null | od -An -tx1 -v | tr -d '\\n'")

COMMANDS = ["uname -sr", "echo $((6 * 7))", "cat /proc/cmdline"]


def shell(xbt):
    d = guest_dir()
    con = boot(xbt_argv(xbt, d, append="console=ttyS0 norandmaps"))
    out = [con.run(c) for c in COMMANDS]
    flags = con.run("grep -m1 '^flags' /proc/cpuinfo")
    if not re.match(r"Linux 6\.", out[0]) or out[1].strip() != "42":
        fail(f"unexpected output: {out}", con.buf)
    if " sep" not in flags:
        fail(f"the CPU flags lack sep: {flags.strip()}", con.buf)
    clock = con.run("cat /sys/devices/system/clocksource/clocksource0/current_clocksource")
    if clock.strip() != "tsc":
        fail(f"the clocksource is {clock.strip()}, not tsc (the TSC was found unstable?)",
             con.buf)
    vdso = con.run(VDSO_BYTES)
    if "0f 34 cd 80" not in vdso:
        fail(f"the vDSO does not enter the kernel with SYSENTER: {vdso.strip()[:200]}", con.buf)
    poweroff(con, "xbt")
    print("PASS: shell under xbt: " + out[0].strip() + "; " + flags.strip())


def typed(con, keys, pattern, what):
    """Types keys one at a time, as a user does, and expects pattern."""
    for k in keys:
        con.write(bytes([k]))
        time.sleep(0.01)
    if not con.expect(pattern, CMD_TIMEOUT):
        fail(what, con.buf)


def tty(xbt):
    d = guest_dir()
    con = boot(xbt_argv(xbt, d), tty=True)
    typed(con, b"echo typed-$((40 + 2))\r", rb"\ntyped-42\r?\r?\n", "typed input")
    typed(con, b"\x1b[A\r", rb"\ntyped-42\r?\r?\n", "the up arrow (history)")
    typed(con, b"echo left-xyzq\x1b[D\x1b[D\x7f\r", rb"\nleft-xzq\r?\r?\n",
          "line editing (left arrow, backspace)")
    typed(con, b"\x01x", rb"terminated \(Ctrl-A x\)", "Ctrl-A x")
    st = con.wait(CMD_TIMEOUT)
    if st != 8:
        fail(f"Ctrl-A x ended xbt with status {st}, expected 8", con.buf)
    mode = termios.tcgetattr(con.slave)
    if not (mode[3] & termios.ECHO and mode[3] & termios.ICANON):
        fail("xbt left the terminal in raw mode")
    print("PASS: on a terminal: typed input, history, line editing, Ctrl-A x (status 8), "
          "the terminal restored")


def debugfs_cat(image, path):
    r = subprocess.run(["debugfs", "-R", "cat " + path, image], capture_output=True, text=True)
    return r.stdout


def disk(xbt):
    d = guest_dir()
    with tempfile.TemporaryDirectory() as t:
        img = os.path.join(t, "root.img")
        shutil.copy(os.path.join(d, "rootfs.img"), img)
        argv = xbt_argv(xbt, d, ["--disk", img, "--reboot"], "console=ttyS0 root=/dev/sda")
        con = boot(argv)
        if b"xbt-rootfs: up" not in con.buf:
            fail("the root file system was not mounted", con.buf)
        token = "written-by-xbt-%d" % os.getpid()
        con.run(f"echo {token} > /root/file.txt; sync")
        con.write(b"reboot -f\n")
        if not con.expect(re.compile(rb"Linux version .*?(?:" + PROMPT.pattern + rb")", re.S), BOOT_TIMEOUT):
            fail("reboot -f with --reboot: no second boot to the shell", con.buf)
        got = con.run("cat /root/file.txt").strip()
        poweroff(con, "after the reboot")
        if got != token:
            fail(f"after the reboot the guest reads '{got}', expected '{token}'")
        if debugfs_cat(img, "/root/file.txt").strip() != token:
            fail("the host does not find the file in the image (debugfs)")
        con = boot(argv)
        got = con.run("cat /root/file.txt").strip()
        poweroff(con, "second run")
        if got != token:
            fail(f"the second run reads '{got}', expected '{token}'")
    print("PASS: root on the IDE disk: written, synced, read after reboot -f, by the host and "
          "by a second run")


def qemu(xbt):
    q = shutil.which("qemu-system-i386")
    if not q:
        skip("qemu-system-i386 not installed")
    d = guest_dir()
    qargv = [q, "-kernel", os.path.join(d, "vmlinuz"), "-initrd", os.path.join(d, "initrd.img"),
             "-append", "console=ttyS0", "-nographic", "-m", "256", "-no-reboot"]
    res = {}
    for name, argv in (("xbt", xbt_argv(xbt, d)), ("qemu", qargv)):
        con = boot(argv)
        res[name] = [con.run(c) for c in COMMANDS]
        con.write(b"reboot -f\n")      # QEMU -no-reboot: 0; xbt without --reboot: 10
        st = con.wait(CMD_TIMEOUT)
        if st != {"xbt": 10, "qemu": 0}[name]:
            fail(f"{name}: reboot -f ended with status {st}", con.buf)
    if res["xbt"] != res["qemu"]:
        fail(f"xbt printed {res['xbt']}, QEMU {res['qemu']}")
    print("PASS: xbt and QEMU agree: " + "; ".join(s.strip() for s in res["xbt"]))


def vga(xbt):
    d = guest_dir()
    with tempfile.TemporaryDirectory() as t:
        dump = os.path.join(t, "screen.txt")
        argv = xbt_argv(xbt, d, ["--display=text", "--vga-dump", dump], "console=tty0")
        con = Console(argv)
        if not con.expect(rb"/ #", BOOT_TIMEOUT):  # the blank after it is unchanged
            os.killpg(con.p.pid, signal.SIGKILL)
            fail("no shell prompt on the VGA within %d s" % BOOT_TIMEOUT, con.buf)
        # typed on the keyboard; poweroff only once the output is on the
        # screen (keys typed ahead echo around it, as on a real console)
        for line in (b"echo $((6 * 7))vga\r", b"poweroff -f\r"):
            for k in line:
                con.write(bytes([k]))
                time.sleep(0.01)
            if line.startswith(b"echo") and not con.expect(rb"42vga", CMD_TIMEOUT):
                os.killpg(con.p.pid, signal.SIGKILL)
                fail("the command's output never reached the display", con.buf)
        st = con.wait(CMD_TIMEOUT)
        if st != 0:
            fail(f"poweroff -f typed on the keyboard ended with status {st}", con.buf)
        with open(dump, encoding="utf-8") as f:
            screen = f.read()
        if not re.search(r"^42vga$", screen, re.M):
            fail("the VGA screen lacks the command's output:\n" + screen)
    print("PASS: vgacon and the PS/2 keyboard under xbt --display=text")


def main():
    modes = {"shell": shell, "tty": tty, "disk": disk, "vga": vga, "qemu": qemu}
    if len(sys.argv) != 3 or sys.argv[1] not in modes:
        print(__doc__)
        sys.exit(2)
    modes[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
