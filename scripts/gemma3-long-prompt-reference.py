#!/usr/bin/env python3
"""Reference outputs of Gemma 3 270M on a prompt longer than its 512-token sliding window.

The goldens in ../shared/golden/gemma3-270m are all shorter than the window, so they cannot show that the sliding
layers drop old keys. This script runs Hugging Face transformers (float32, CPU, the same method as those goldens:
GGUF de-quantised by gguf-py, SDPA attention, BOS first) on the first statements of datasets/capitals.csv joined
into one prompt of more than 512 tokens, and writes Tests/ReferenceData/gemma3-270m-long-prompt.json:
token ids, last-position hidden states after layers 6, 12 (HF hidden_states[6], [12]) and the final norm, and the
top-50 last-position logits. It also records how far the logits move when every layer attends to every position
(sliding_window raised past the prompt length), so a test can check that the window matters on this prompt.
Python is only used to make this fixture; the engine never runs it.
Usage: python3 scripts/gemma3-long-prompt-reference.py  (needs transformers, torch, gguf; ~1-2 minutes)
"""
import csv, json, os, sys, time
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GGUF = "gemma-3-270m-q4_k_m.gguf"
OUT = os.path.join(ROOT, "Tests/ReferenceData/gemma3-270m-long-prompt.json")
torch.set_num_threads(2)

with open(os.path.join(ROOT, "datasets/capitals.csv"), newline="") as f:
    statements = [row["statement"] for row in csv.DictReader(f)]
tok = AutoTokenizer.from_pretrained(os.path.join(ROOT, "models"), gguf_file=GGUF)
text, n = "", 0
for s in statements:
    text = (text + " " + s) if text else s
    ids = tok(text, add_special_tokens=False)["input_ids"]
    if len(ids) + 1 >= 700:
        break
ids = [2] + ids  # add_bos_token=true in the GGUF: BOS first, as the goldens
if len(ids) <= 512:
    sys.exit(f"prompt has only {len(ids)} tokens; it must be longer than the 512-token window")

t0 = time.time()
model = AutoModelForCausalLM.from_pretrained(os.path.join(ROOT, "models"), gguf_file=GGUF, dtype=torch.float32,
                                             attn_implementation="sdpa").eval()
print(f"loaded in {time.time() - t0:.1f} s; {len(ids)} tokens", file=sys.stderr)
cfg = model.config
assert cfg.sliding_window == 512 and cfg.layer_types[5] == "full_attention", cfg.layer_types

def run():
    with torch.no_grad():
        out = model(torch.tensor([ids]), output_hidden_states=True, use_cache=False)
    return out.logits[0, -1].float(), [h[0, -1].float() for h in out.hidden_states]

logits, hidden = run()
top = torch.topk(logits, 50)
# The same prompt with no window anywhere: how much the window changes the answer here.
window = cfg.sliding_window
for layer in model.model.layers:
    if getattr(layer.self_attn, "sliding_window", None):
        layer.self_attn.sliding_window = 10**6
model.config.sliding_window = 10**6
full_logits, _ = run()
moved = float((full_logits - logits).abs().max())
print(f"max |logit change| without the window: {moved:.4f}", file=sys.stderr)
if moved < 1e-2:
    sys.exit("disabling the window did not change the logits: the reference would not test the window")

json.dump({
    "text": text, "token_ids": ids, "n_tokens": len(ids), "sliding_window": window,
    "method": "transformers " + __import__("transformers").__version__ + ", torch " + torch.__version__
              + ", float32, SDPA, use_cache=False, BOS first; hidden rows at the last position",
    "hidden_last": {f"L{k}": hidden[k].tolist() for k in (6, 12, 18)},
    "top50_ids": top.indices.tolist(), "top50_logits": top.values.tolist(),
    "max_abs_logit_change_without_window": moved,
}, open(OUT, "w"))
print(f"wrote {OUT}", file=sys.stderr)
