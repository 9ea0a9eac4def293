"""The bundled, curated AI supply-chain dataset in the tabular format (see README.md here)."""

from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent
SEEDS_SOURCE = "seeds"
SCENARIOS_DIR = SEEDS_DIR / "scenarios"
