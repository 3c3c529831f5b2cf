"""`python -m sales_assets.dashboard [--port 8501]` (`make dashboard`): serve the app with Streamlit.

The one place that says how the dashboard is served, used by `make dashboard`, the load test and
the browser test: on 127.0.0.1 only, headless, no usage statistics, and no file watcher (Streamlit
would reload the app's modules under sessions in use when a file changes).
"""

from __future__ import annotations

import argparse
import os
import sys

from sales_assets.dashboard import APP

DEFAULT_PORT = 8501


def command(port: int = DEFAULT_PORT) -> list[str]:
    """The `streamlit run` command line that serves the dashboard on 127.0.0.1:`port`."""
    options = {
        "server.address": "127.0.0.1",
        "server.port": port,
        "server.headless": "true",
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": "false",
        "client.toolbarMode": "minimal",
    }
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        *(f"--{name}={value}" for name, value in options.items()),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sales_assets.dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("DASHBOARD_PORT", DEFAULT_PORT)))
    args = parser.parse_args()
    serve = command(args.port)
    os.execv(serve[0], serve)  # streamlit in this process: signals reach it as they reach `make dashboard`


if __name__ == "__main__":
    main()
