"""Run `flask lotsen fetch-mail [args…]` in a process of its own (the kill-and-restart and the
side-by-side tests)."""

import json
import sys

from lotsen import create_app

if __name__ == "__main__":
    app = create_app(json.loads(sys.argv[1]))
    result = app.test_cli_runner().invoke(args=["lotsen", "fetch-mail", *sys.argv[2:]])
    sys.stdout.write(result.output)
    sys.exit(result.exit_code)
