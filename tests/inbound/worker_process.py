"""Run `flask lotsen fetch-mail` in a process of its own (the kill-and-restart test)."""

import json
import sys

from lotsen import create_app

if __name__ == "__main__":
    app = create_app(json.loads(sys.argv[1]))
    result = app.test_cli_runner().invoke(args=["lotsen", "fetch-mail"])
    sys.stdout.write(result.output)
    sys.exit(result.exit_code)
