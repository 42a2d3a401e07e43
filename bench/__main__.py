"""`make bench`: run every benchmark; each prints one `BENCH name ... ratio=..` line."""

import subprocess
import sys
from pathlib import Path

BENCHES = ["bench.sync", "bench.usage", "bench.client_cpu", "bench.dlp", "bench.web", "bench.comms", "bench.migrate"]

if __name__ == "__main__":
    failed = 0
    for module in sys.argv[1:] or BENCHES:
        failed |= subprocess.run([sys.executable, "-m", module], cwd=Path(__file__).resolve().parents[1]).returncode
    sys.exit(failed)
