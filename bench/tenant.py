#!/usr/bin/python3
"""Runs a command while a simulated tenant takes part of one CPU: a process pinned there that is
busy BUSY ms out of every EVERY ms, as another guest on a shared host can be. It shows what
a thread that loses its CPU for a time slice does to a multi-thread run (bench/RESULTS.md,
README). Prints the command's output; the tenant stops when the command ends.

  bench/tenant.py [--cpu 0] [--busy-ms 2] [--every-ms 8] -- COMMAND...

Example: bench/tenant.py -- build/tools/onyx bench ../shared/models/resnet18/model.onnx --threads 2
"""
import argparse
import multiprocessing
import os
import subprocess
import sys
import time


def tenant(cpu, busy, every):
    os.sched_setaffinity(0, {cpu})
    while True:
        start = time.perf_counter()
        while time.perf_counter() - start < busy:
            pass
        time.sleep(max(every - busy, 0.0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cpu", type=int, default=0, help="the CPU the tenant keeps to (default 0)")
    ap.add_argument("--busy-ms", type=float, default=2.0, help="busy time per period (default 2)")
    ap.add_argument("--every-ms", type=float, default=8.0, help="the period (default 8)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("no command given (put it after --)")
    if not 0 < args.busy_ms <= args.every_ms:
        ap.error("need 0 < --busy-ms <= --every-ms")
    if args.cpu not in os.sched_getaffinity(0):
        ap.error(f"CPU {args.cpu} is not available to this process")
    proc = multiprocessing.Process(target=tenant, args=(args.cpu, args.busy_ms / 1e3, args.every_ms / 1e3),
                                   daemon=True)
    proc.start()
    try:
        time.sleep(0.2)  # the tenant is running before the command starts
        return subprocess.run(command).returncode
    finally:
        proc.terminate()
        proc.join()


if __name__ == "__main__":
    sys.exit(main())
