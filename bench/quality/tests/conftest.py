"""The harness modules live next to the tests' parent folder, as the scripts import them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))
