"""Runs bin/convert_to_hf.py's main() on many argument lists in one process, so torch is imported
once for all of a test's conversions. main() is what the script's command line runs; its only part
left out here is the final sys.exit(status), which the tests check on a real process.

Usage: run_convert.py <cases.json> <out.json>
  cases.json: a list of argument lists; out.json: a list of {"status", "stdout", "stderr"}.
"""

import contextlib
import importlib.util
import io
import json
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bin" / "convert_to_hf.py"


def main(cases_file, out_file):
    spec = importlib.util.spec_from_file_location("convert_to_hf", SCRIPT)
    convert = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(convert)
    results = []
    for argv in json.loads(Path(cases_file).read_text()):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = convert.main(argv)
            except SystemExit as e:  # argparse on bad usage
                status = e.code
        results.append({"status": status, "stdout": out.getvalue(), "stderr": err.getvalue()})
    Path(out_file).write_text(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:3])
