"""Files shipped with the demo."""

from pathlib import Path

#: The demo's complete publisher config for the disclosure.
DEMO_CONFIG = Path(__file__).with_name("disclosure.yaml")

#: Publisher facts of the demo's second algorithm (offer emails), laid over DEMO_CONFIG.
TARGETING_CONFIG = Path(__file__).with_name("disclosure_targeting.yaml")

#: Publisher facts of the demo's third algorithm (customers like you, collaborative filtering).
COLLABORATIVE_CONFIG = Path(__file__).with_name("disclosure_collaborative.yaml")
