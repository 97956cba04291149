"""Write tests/data/cancelling/*.json: the shared weights changed so that one sum's two weighted
terms are large and opposite at one input (each person, Emily, Frank; the hidden sums h1 and h2
and the output sum o1), leaving a sum of order 1. Run: python scripts/make_cancelling_weights.py
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn_crosscheck.reference import DATA, EMILY, FRANK, SHARED_WEIGHTS
from nn_crosscheck.reference.article import NAMES

from strategies import cancel_at

ROOT = Path(__file__).resolve().parent.parent
INPUTS = dict(zip(NAMES, DATA.tolist())) | {"Emily": EMILY.tolist(), "Frank": FRANK.tolist()}
# (layer, the size of each cancelling term, what the sum is left with)
CANCELLATIONS = (("h1", 600.0, 0.3), ("h2", -5000.0, -1.7), ("o1", 400.0, 0.3))


def main() -> None:
    out = ROOT / "tests" / "data" / "cancelling"
    out.mkdir(parents=True, exist_ok=True)
    for who, x in INPUTS.items():
        for layer, big, target in CANCELLATIONS:
            params = cancel_at(SHARED_WEIGHTS, x, layer, big, target)
            path = out / f"{who.lower()}_{layer}.json"
            path.write_text(json.dumps(params, indent=1) + "\n")
    print(f"wrote {len(INPUTS) * len(CANCELLATIONS)} files to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
