#!/usr/bin/env python3
"""Golden reference outputs of Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) for the parity tests.

Regenerates what ../shared/golden/qwen2.5-coder-1.5b holds (Tests/InferenceTests/Qwen15ParityTests.swift reads it):
Hugging Face transformers, float32, CPU, loading the same GGUF (de-quantised by gguf-py); one forward pass per
prompt, batch 1, no padding, no cache; token ids with add_special_tokens=False. For each prompt it writes
<prompt>_hidden_L{0,1,14,28}.npy (hidden_states[i], float32 [T, 1536]; index 28 is after the final norm),
<prompt>_hidden_L28_prenorm.npy (the last block's output, captured by a forward hook on the last decoder layer),
<prompt>_logits_last.npy, and index.json (versions, config, prompts with ids and top-20 logits, and the greedy
continuation of chat_capital). Python is only used to make these references; the engine never runs it.
Usage: python3 scripts/qwen15-reference.py [OUT_DIR]   (default /tmp/qwen2.5-coder-1.5b-golden)
       needs transformers, torch, gguf and ~10 GB of memory; ~2-3 minutes on 2 cores (load ~95 s)
"""
import json, os, sys, time
import numpy as np
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GGUF = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/qwen2.5-coder-1.5b-golden"
LAYERS = [0, 1, 14, 28]
torch.set_num_threads(2)
os.makedirs(OUT, exist_ok=True)

tok = AutoTokenizer.from_pretrained(os.path.join(ROOT, "models"), gguf_file=GGUF)
chat = tok.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                               tokenize=False, add_generation_prompt=True)
prompts = {
    "chat_capital": chat,
    "paris_statement": "The city of Paris is in France.",
    "mixed_unicode": "Größe: 42 km² — naïve café, 東京 2024年 🎉\n\tdone.",
}

t0 = time.time()
model = AutoModelForCausalLM.from_pretrained(os.path.join(ROOT, "models"), gguf_file=GGUF, dtype=torch.float32).eval()
load_s = time.time() - t0
print(f"loaded in {load_s:.1f} s", file=sys.stderr)
assert model.config.num_hidden_layers == 28, model.config.num_hidden_layers

prenorm = {}
model.model.layers[-1].register_forward_hook(
    lambda _m, _i, out: prenorm.__setitem__("h", (out[0] if isinstance(out, tuple) else out)[0].float().numpy()))

index = {"gguf_file": GGUF, "architecture": "qwen2",
         "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
         "load_s": round(load_s, 1), "dtype": "float32", "hidden_layers_saved": LAYERS, "prompts": {},
         "hf_config": model.config.to_dict()}
for name, text in prompts.items():
    ids = tok(text, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        out = model(torch.tensor([ids]), output_hidden_states=True, use_cache=False)
    for i in LAYERS:
        np.save(os.path.join(OUT, f"{name}_hidden_L{i}.npy"), out.hidden_states[i][0].float().numpy())
    np.save(os.path.join(OUT, f"{name}_hidden_L28_prenorm.npy"), prenorm["h"])
    logits = out.logits[0, -1].float()
    np.save(os.path.join(OUT, f"{name}_logits_last.npy"), logits.numpy())
    top = torch.topk(logits, 20)
    index["prompts"][name] = {"text": text, "ids": ids,
                              "top20": [[int(i), float(v)] for i, v in zip(top.indices, top.values)]}
    print(f"{name}: {len(ids)} tokens, argmax {int(top.indices[0])}", file=sys.stderr)

ids = index["prompts"]["chat_capital"]["ids"]
with torch.no_grad():
    gen = model.generate(torch.tensor([ids]), max_new_tokens=20, do_sample=False, eos_token_id=tok.eos_token_id)
new = gen[0, len(ids):].tolist()
index["greedy"] = {"prompt": "chat_capital", "new_ids": new, "text": tok.decode(new)}
with open(os.path.join(OUT, "index.json"), "w") as f:
    json.dump(index, f, indent=1, ensure_ascii=True)
print(f"wrote {OUT}; greedy: {index['greedy']['text']!r}", file=sys.stderr)
