"""A pseudo-terminal whose other end is this process's stdin/stdout, for e2e/serial-pty.spec.ts.

Prints the pty's path on stderr (one line), then copies bytes written to the pty to stdout and bytes read
from stdin to the pty, unchanged, until stdin closes or the process is killed (which the browser sees as
a lost device). Used instead of socat when socat is not installed; standard library only.
"""

import os
import select
import sys
import tty

master, slave = os.openpty()
tty.setraw(slave)
sys.stderr.write(os.ttyname(slave) + "\n")
sys.stderr.flush()
stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
while True:
    ready, _, _ = select.select([master, stdin], [], [])
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""  # nobody has the pty open right now: keep waiting
        if data:
            os.write(stdout, data)
    if stdin in ready:
        data = os.read(stdin, 65536)
        if not data:
            break
        os.write(master, data)
