#!/usr/bin/env python3
"""Runs a command under a real pseudo-terminal and copies everything it writes to the
terminal (stdout and stderr) to our stdout, byte for byte.

usage: ptyrun.py SECONDS COMMAND ARGS...
  SECONDS > 0: send SIGINT to the command after that many seconds (for `status --watch`);
  SECONDS = 0: wait until it exits by itself.
Exits with the command's exit status (128+N when killed by signal N). A file named by
$PTYRUN_STOP, when it appears, also triggers the SIGINT (lets a test stop it at a chosen moment).
"""
import os, pty, select, signal, sys, time

def main():
    limit = float(sys.argv[1]); argv = sys.argv[2:]
    stop_file = os.environ.get("PTYRUN_STOP")
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    out = sys.stdout.buffer
    start = time.monotonic(); sent = False
    while True:
        if not sent and ((limit > 0 and time.monotonic() - start >= limit) or (stop_file and os.path.exists(stop_file))):
            os.kill(pid, signal.SIGINT); sent = True
        r, _, _ = select.select([fd], [], [], 0.02)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                break
            out.write(data); out.flush()
        else:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                # drain what is left
                while True:
                    r, _, _ = select.select([fd], [], [], 0.05)
                    if not r: break
                    try: data = os.read(fd, 65536)
                    except OSError: break
                    if not data: break
                    out.write(data)
                out.flush()
                exit_like(status)
    _, status = os.waitpid(pid, 0)
    exit_like(status)

def exit_like(status):
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)

main()
