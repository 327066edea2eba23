#!/usr/bin/env python3
"""Runs a command and prints its wall time and peak resident memory, as JSON:
{"seconds": 12.3, "peak_mb": 180.4}. Exits with the command's status.

    bench/measure.py COMMAND ARGS...
"""
import json
import resource
import subprocess
import sys
import time

start = time.monotonic()
status = subprocess.run(sys.argv[1:]).returncode
seconds = time.monotonic() - start
# ru_maxrss is in KiB on Linux: the largest of the children waited for (only this one).
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak_mb, 1)}))
sys.exit(status)
