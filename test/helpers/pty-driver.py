#!/usr/bin/env python3
"""Run one command under a pseudo-terminal, for test/helpers/pty.ts.

Usage: pty-driver.py [--cols N] [--rows N] [--timeout SECONDS] -- COMMAND [ARG...]

* Everything the command writes to the terminal is copied, unmodified, to this
  process's stdout.
* Everything written to this process's stdin is typed into the terminal.
  EOF on stdin only stops the copying; the command keeps its terminal.
* The exit status is the command's exit status, 128+N if it was killed by
  signal N, 124 if --timeout expired (the command's process group is then
  killed), and 125 if the driver itself failed.

Only the Python standard library is used (pty, os, select), so it runs
anywhere python3 does, including CI machines without a TTY of their own.
"""

import errno
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def parse_args(argv):
    cols, rows, timeout = 200, 50, 60.0
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return cols, rows, timeout, argv[i + 1:]
        if arg == "--cols":
            cols = int(argv[i + 1])
        elif arg == "--rows":
            rows = int(argv[i + 1])
        elif arg == "--timeout":
            timeout = float(argv[i + 1])
        else:
            raise SystemExit("pty-driver: unknown option " + arg)
        i += 2
    raise SystemExit("pty-driver: missing -- COMMAND")


def write_all(fd, data):
    while data:
        try:
            n = os.write(fd, data)
        except OSError as e:
            if e.errno in (errno.EINTR, errno.EAGAIN):
                continue
            raise
        data = data[n:]


def status_to_code(status):
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return 125


def main():
    cols, rows, timeout, command = parse_args(sys.argv[1:])
    if not command:
        raise SystemExit("pty-driver: empty command")

    pid, master = pty.fork()
    if pid == 0:
        # Child: the slave side is already stdin/stdout/stderr and the
        # controlling terminal (pty.fork does setsid + TIOCSCTTY).
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvp(command[0], command)
        except Exception as e:  # noqa: BLE001
            os.write(2, ("pty-driver: cannot run %s: %s\n" % (command[0], e)).encode())
        os._exit(127)

    def kill_child(*_):
        for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass

    def on_term(signum, _frame):
        kill_child()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGHUP, on_term)

    stdin_fd = sys.stdin.fileno() if sys.stdin is not None else -1
    stdout_fd = sys.stdout.fileno()
    inputs = [master] + ([stdin_fd] if stdin_fd >= 0 else [])
    deadline = time.monotonic() + timeout
    exit_status = None

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if exit_status is not None:
                break  # the command exited; something else still holds the terminal
            kill_child()
            write_all(stdout_fd, b"\r\n[pty-driver: timeout, command killed]\r\n")
            os.waitpid(pid, 0)
            os._exit(124)
        try:
            readable, _, _ = select.select(inputs, [], [], min(remaining, 0.5))
        except InterruptedError:
            continue

        if master in readable:
            try:
                data = os.read(master, 65536)
            except OSError as e:
                if e.errno == errno.EIO:  # every slave fd closed: the command is gone
                    data = b""
                else:
                    raise
            if not data:
                break
            write_all(stdout_fd, data)

        if stdin_fd in readable:
            data = os.read(stdin_fd, 65536)
            if data:
                write_all(master, data)
            else:
                inputs.remove(stdin_fd)

        if exit_status is None:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                exit_status = status
                # Drain what is left in the terminal, then stop.
                inputs = [master]
                deadline = min(deadline, time.monotonic() + 2)

    if exit_status is None:
        _, exit_status = os.waitpid(pid, 0)
    os.close(master)
    sys.exit(status_to_code(exit_status))


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001
        sys.stderr.write("pty-driver: %s\n" % e)
        sys.exit(125)
