"""Write tests/data/saturating/: initial weights that saturate one neuron toward 1 or 0, at and
beyond the point where the dtype rounds f(s) to 1 (float32 s ~ 16.6, float64 s ~ 36.7), through a
bias or through a large weight (tests/test_saturation.py, docs/budgets.md).

    python scripts/make_saturating_weights.py
"""

import json
from pathlib import Path

# Small weights: every neuron near its middle, so the one pushed is the only one saturated.
SMALL = dict(w1=0.1, w2=-0.2, w3=0.3, w4=0.1, w5=0.2, w6=-0.1, b1=0.0, b2=0.0, b3=0.0)

FILES = {
    # The output neuron through its bias: f(sum_o1) at the float32 and float64 points where it
    # rounds to 1, just before and beyond them, and toward 0.
    "o1_b3_16.3": dict(b3=16.3),
    "o1_b3_16.6": dict(b3=16.6),
    "o1_b3_36.7": dict(b3=36.7),
    "o1_b3_36.75": dict(b3=36.75),
    "o1_b3_45": dict(b3=45.0),
    "o1_b3_-16.6": dict(b3=-16.6),
    "o1_b3_-36.7": dict(b3=-36.7),
    "o1_b3_-45": dict(b3=-45.0),
    # The output neuron through a large weight on a hidden neuron near its middle.
    "o1_w5_80": dict(w5=80.0),
    "o1_w6_-80": dict(w6=-80.0),
    # Hidden neurons through their bias, toward 1 and toward 0.
    "h1_b1_40": dict(b1=40.0),
    "h1_b1_-40": dict(b1=-40.0),
    "h2_b2_17": dict(b2=17.0),
    "h2_b2_-17": dict(b2=-17.0),
    # Hidden neurons through a large weight on an input (|x| up to 25: sums up to ~75).
    "h1_w1_3": dict(w1=3.0),
    "h2_w4_-3": dict(w4=-3.0),
}


def main() -> None:
    out = Path(__file__).resolve().parent.parent / "tests" / "data" / "saturating"
    out.mkdir(exist_ok=True)
    for name, changed in FILES.items():
        (out / f"{name}.json").write_text(json.dumps(SMALL | changed, indent=1) + "\n")
    print(f"wrote {len(FILES)} files to {out}")


if __name__ == "__main__":
    main()
