"""`advisor app`: start the chat app (Streamlit) with its own settings, from any folder.

The app's Streamlit settings (teal theme, no Deploy button or developer menu, no file
watcher) live next to the app, in `ui/.streamlit/config.toml`, which Streamlit reads from
the script's folder wherever it is started: so `streamlit run /path/to/ui/app.py` gets
them too. This command adds the address, the port and a headless start as flags.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from advisor.cli.common import Command
from advisor.errors import ConfigurationError

INSTALL_HINT = "install the app with: pip install 'career-advisor[ui]'"


def app_script() -> Path:
    """The chat app's script (`ui/app.py` of the installed package), found without
    importing it (the library never imports the app)."""
    spec = importlib.util.find_spec("ui")
    folders = list(spec.submodule_search_locations or []) if spec else []
    script = next((Path(f) / "app.py" for f in folders if (Path(f) / "app.py").is_file()), None)
    if script is None:
        raise ConfigurationError(f"the chat app is not installed; {INSTALL_HINT}")
    if importlib.util.find_spec("streamlit") is None:
        raise ConfigurationError(f"Streamlit is not installed; {INSTALL_HINT}")
    return script


def command_line(host: str, port: int) -> list[str]:
    """The `streamlit run` command that starts the app on host:port."""
    return [
        *(sys.executable, "-m", "streamlit", "run", str(app_script())),
        *("--server.address", host, "--server.port", str(port)),
        *("--server.headless", "true", "--browser.gatherUsageStats", "false"),
    ]


def add_commands(command: Command) -> None:
    """Register `app` on the `advisor` parser."""
    p = command("app", run, "start the chat app in the browser (needs the ui extra)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8501)


def run(args: argparse.Namespace) -> int:
    """Become the Streamlit process serving the app (with `--store` passed on)."""
    env = dict(os.environ)
    if args.store:
        env["ADVISOR_STORE_DIR"] = str(Path(args.store).expanduser().resolve())
    argv = command_line(args.host, args.port)
    sys.stdout.flush()
    os.execve(argv[0], argv, env)  # this process becomes Streamlit: signals reach it
    return 0  # not reached
