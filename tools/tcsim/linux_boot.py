#!/usr/bin/env python3
"""linux_boot.py - boots the test suite's Linux guest under xbt to the
shell prompt and types `poweroff -f` (as tests/linux/linux_guest.py does),
for translation-cache traces and their validation (docs/tcsim.md).

usage: linux_boot.py XBT [XBT RUN OPTIONS...]
    e.g. linux_boot.py build/xbt --clock=virtual --tcache-trace boot.tct
Prints one line: the wall and CPU seconds of the xbt process (children's
rusage).  The guest comes from ~/.cache/xbt (scripts/linux-guest.sh).
"""
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "linux"))
import linux_guest  # noqa: E402


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    d = linux_guest.guest_dir()
    t0 = time.monotonic()
    con = linux_guest.boot(linux_guest.xbt_argv(sys.argv[1], d, sys.argv[2:]))
    linux_guest.poweroff(con, "xbt")
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("linux_boot: wall %.2f s, cpu %.2f s (user %.2f, sys %.2f)" %
          (time.monotonic() - t0, ru.ru_utime + ru.ru_stime, ru.ru_utime, ru.ru_stime))


if __name__ == "__main__":
    main()
