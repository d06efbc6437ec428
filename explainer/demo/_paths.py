"""Files shipped with the demo."""

from pathlib import Path

#: The demo's complete publisher config for the disclosure.
DEMO_CONFIG = Path(__file__).with_name("disclosure.yaml")
