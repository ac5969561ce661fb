"""The same models in PyTorch, with the same weights: what ``generate`` and ``latency`` compare to.

``gpt(torch, model)`` is a PyTorch copy of a ``tinytorch.text.GPT`` (pre-norm blocks,
tanh GELU, learned positions, an optional tied head) with a KV cache of the same kind:
preallocated to the context, one row written per step. ``greedy`` decodes with it,
cached or not, exactly as ``tinytorch.text.generate`` does with ``temperature=0``, so
both must pick the same tokens. ``sequential(torch, model)`` copies an MLP or a LeNet
built from ``Linear``, ``Conv2d``, ``ReLU``, ``MaxPool2d`` and ``Flatten``.

Everything runs under ``torch.inference_mode()``: PyTorch eager at its fastest.

Read next: ``generate.py`` and ``latency.py``, which time these beside TinyTorch.
"""

import numpy as np


def _tensor(torch, array):
    return torch.from_numpy(np.array(array, dtype=np.float32))


def gpt(torch, model):
    """A PyTorch module computing what ``model`` (a tinytorch GPT) computes, on its weights."""
    nn_, F = torch.nn, torch.nn.functional
    state = {k: _tensor(torch, v) for k, v in model.state_dict().items()}
    d, heads = model.tok_emb.weight.shape[1], model.blocks[0].attn.n_heads

    class GPT(nn_.Module):
        def __init__(self):
            super().__init__()
            self.w = nn_.ParameterDict({k.replace(".", "_"): nn_.Parameter(v) for k, v in state.items()})
            self.layers, self.d, self.heads = len(model.blocks), d, heads

        def p(self, name):
            return self.w[name.replace(".", "_")]

        def block(self, i, x, cache, start):
            b, t, _ = x.shape
            pre = f"blocks.{i}."
            h = F.layer_norm(x, (d,), self.p(pre + "ln1.weight"), self.p(pre + "ln1.bias"))
            qkv = F.linear(h, self.p(pre + "attn.qkv.weight"), self.p(pre + "attn.qkv.bias"))
            q, k, v = qkv.view(b, t, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
            if cache is not None:
                ck, cv = cache[i]
                ck[:, :, start:start + t], cv[:, :, start:start + t] = k, v
                k, v = ck[:, :, :start + t], cv[:, :, :start + t]
            y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
            x = x + F.linear(y.transpose(1, 2).reshape(b, t, d), self.p(pre + "attn.proj.weight"),
                             self.p(pre + "attn.proj.bias"))
            h = F.layer_norm(x, (d,), self.p(pre + "ln2.weight"), self.p(pre + "ln2.bias"))
            h = F.gelu(F.linear(h, self.p(pre + "fc.weight"), self.p(pre + "fc.bias")), approximate="tanh")
            return x + F.linear(h, self.p(pre + "proj.weight"), self.p(pre + "proj.bias"))

        def forward(self, ids, cache=None, start=0):
            x = self.p("tok_emb.weight")[ids] + self.p("pos_emb.weight")[start:start + ids.shape[1]]
            for i in range(self.layers):
                x = self.block(i, x, cache, start)
            x = F.layer_norm(x, (d,), self.p("ln_f.weight"), self.p("ln_f.bias"))
            head = self.p("lm_head.weight") if "lm_head.weight" in state else self.p("tok_emb.weight")
            return F.linear(x, head)

    return GPT()


def greedy(torch, net, prompt, new_tokens, context, use_cache):
    """``prompt`` (1, T) continued by ``new_tokens`` greedy tokens; the sequence must fit ``context``."""
    with torch.inference_mode():
        ids = torch.from_numpy(prompt)
        shape = (1, net.heads, context, net.d // net.heads)
        cache = [(torch.zeros(shape), torch.zeros(shape)) for _ in range(net.layers)] if use_cache else None
        logits = net(ids, cache, 0)[:, -1]
        for step in range(new_tokens):
            token = logits.argmax(-1, keepdim=True)
            ids = torch.cat([ids, token], dim=1)
            if step == new_tokens - 1:
                break
            logits = (net(token, cache, ids.shape[1] - 1) if use_cache else net(ids))[:, -1]
        return ids.numpy()


def sequential(torch, model):
    """A ``torch.nn.Sequential`` copy of a tinytorch Sequential of Linear/Conv2d/ReLU/MaxPool2d/Flatten."""
    nn_ = torch.nn
    layers = []
    for layer in model:
        kind = type(layer).__name__
        if kind == "Linear":
            copy = nn_.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None)
        elif kind == "Conv2d":
            w = layer.weight.data
            copy = nn_.Conv2d(w.shape[1], w.shape[0], w.shape[2:], stride=layer.stride, padding=layer.padding,
                              bias=layer.bias is not None)
        else:
            layers.append(nn_.MaxPool2d(layer.kernel_size, layer.stride) if kind == "MaxPool2d"
                          else {"ReLU": nn_.ReLU, "Flatten": nn_.Flatten}[kind]())
            continue
        with torch.no_grad():
            copy.weight.copy_(_tensor(torch, layer.weight.data))
            if layer.bias is not None:
                copy.bias.copy_(_tensor(torch, layer.bias.data))
        layers.append(copy)
        if getattr(layer, "activation", None) == "relu":
            layers.append(nn_.ReLU())
    return nn_.Sequential(*layers).eval()
