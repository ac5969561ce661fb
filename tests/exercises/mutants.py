"""Plausible wrong implementations of each module's regions, which its tests must catch.

One list per module: ``(file, original, mutated, what a learner got wrong)``. ``file`` is
short (``core/autograd.py``, as ``tt modules`` prints it); ``original`` must occur exactly
once in that file, inside one of the module's regions. ``test_exercises.py`` writes each
mutant into a workspace and checks that the module's tests fail on it.

When a region's code changes, a mutant whose ``original`` no longer matches fails
``test_every_mutant_targets_its_module_s_region``: update the snippet here.
"""

MUTANTS = {
    "01 tensor": [
        (
            "core/tensor.py",
            "ga = be.matmul(g, b.swapaxes(-1, -2))",
            "ga = be.matmul(g, b)",
            "matmul backward without the transpose",
        ),
        (
            "core/tensor.py",
            "return np.asarray(data, dtype=dtype or _FLOAT)",
            "return np.asarray(data, dtype=dtype)",
            "Python lists become float64, NumPy's default",
        ),
        (
            "core/tensor.py",
            "be.mul(g, a) if other.requires_grad else None)",
            "be.mul(g, b) if other.requires_grad else None)",
            "mul's backward multiplies by the wrong operand",
        ),
        (
            "core/tensor.py",
            "(out.shape[-1],) * (other.ndim > 1)",
            "(out.shape[-1],) * (other.ndim > 0)",
            "matrix @ vector keeps the promoted axis",
        ),
    ],
    "02 activations": [
        (
            "nn/functional.py",
            "return where(x.data > 0, x, x * negative_slope)",
            "return where(x.data > 0, x, x * 0.0)",
            "leaky ReLU that leaks nothing",
        ),
        (
            "nn/functional.py",
            "return x * (keep / (1 - p)).astype(x.dtype)",
            "return x * keep.astype(x.dtype)",
            "dropout without the 1/(1-p) rescaling",
        ),
        (
            "core/backend.py",
            "return (self.mul(out, self.sub(g, dot)),)",
            "return (self.mul(out, g),)",
            "softmax backward keeps only the Jacobian's diagonal",
        ),
        (
            "core/backend.py",
            "out = self.div(e, self.sum(e, axis=axis, keepdims=True))",
            "out = self.div(e, self.sum(e, axis=0, keepdims=True))",
            "softmax normalizes over the batch axis",
        ),
    ],
    "03 layers": [
        (
            "core/backend.py",
            "x.shape[-1])) if needs[1] else None\n        gb = self.sum(g2, axis=0) if",
            "x.shape[-1])) if needs[1] else None\n        gb = self.sum(g2, axis=0) / len(g2) if",
            "bias gradient averaged instead of summed",
        ),
        (
            "core/backend.py",
            "            z = self.add(z, b)\n        out, act_ctx = self._activate(z.reshape(",
            "            z = self.sub(z, b)\n        out, act_ctx = self._activate(z.reshape(",
            "bias subtracted",
        ),
    ],
    "04 losses": [
        (
            "core/backend.py",
            "grad = self.sub(self.exp(logp), onehot)",
            "grad = self.sub(onehot, self.exp(logp))",
            "sign flip in cross-entropy's backward",
        ),
        (
            "core/backend.py",
            "loss = self.neg(self.div(self.sum(logp[rows, targets]), max(len(targets), 1)))",
            "loss = self.neg(self.sum(logp[rows, targets]))",
            "summed over the batch, not averaged",
        ),
    ],
    "05 autograd": [
        (
            "core/autograd.py",
            "        if id(node) in seen:\n            continue\n",
            "",
            "topological sort without the seen check: shared nodes visited twice",
        ),
        (
            "core/autograd.py",
            "grad = grad.sum(axis=squeezed, keepdims=True)",
            "grad = grad.sum(axis=squeezed)",
            "unbroadcast drops the size-1 axes",
        ),
        (
            "core/autograd.py",
            "grads[key] = pg if earlier is None else earlier + pg",
            "grads[key] = pg",
            "a second path overwrites the first path's gradient",
        ),
        (
            "core/autograd.py",
            "node.grad.data = node.grad.data + g",
            "node.grad.data = g",
            "leaf gradients overwritten instead of accumulated",
        ),
    ],
    "06 optimizers": [
        ("optim/adam.py", "step *= lr / (1 - beta1**t)", "step *= lr", "Adam without bias correction of m"),
        (
            "optim/sgd.py",
            "                else:\n                    buf += grad",
            "                else:\n                    buf += grad * (1 - momentum)",
            "momentum as an exponential average (dampening nobody asked for)",
        ),
        (
            "optim/lr_scheduler.py",
            "self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))",
            "self.min_lr) * 0.5 * (1.0 - math.cos(math.pi * progress))",
            "cosine schedule that rises",
        ),
    ],
    "07 training": [
        (
            "optim/trainer.py",
            "            self.optimizer.zero_grad()\n            loss.backward()",
            "            loss.backward()\n            self.optimizer.zero_grad()",
            "gradients zeroed after backward",
        ),
        (
            "optim/trainer.py",
            "predicted = logits.argmax(axis=-1)",
            "predicted = logits.argmax(axis=0)",
            "argmax over the batch, not the classes",
        ),
    ],
    "08 dataloader": [
        (
            "core/data/loader.py",
            "order[b * self.batch_size : (b + 1) * self.batch_size]",
            "order[b * self.batch_size : (b + 1) * self.batch_size - 1]",
            "off-by-one batch end",
        ),
        ("core/data/loader.py", "(self.seed, epoch)", "(self.seed, 0)", "the same shuffle every epoch"),
    ],
    "09 spatial": [
        (
            "core/backend.py",
            "z = self.matmul(cols, w.reshape(f, -1).T)",
            "z = self.matmul(cols, w[:, :, ::-1, ::-1].reshape(f, -1).T)",
            "flipped kernel: convolution instead of cross-correlation",
        ),
        (
            "core/backend.py",
            "j:j + stride * ow:stride] += grad_windows",
            "j:j + stride * ow:stride] = grad_windows",
            "overlapping windows overwrite each other's gradient",
        ),
    ],
    "10 tokenization": [
        (
            "text/tokenizers.py",
            "            out.append(new_id)\n            i += 2",
            "            out.append(new_id)\n            i += 1",
            "a merged pair's second token is kept",
        ),
        (
            "text/tokenizers.py",
            "pair = min(counts, key=lambda p: (-counts[p], p))",
            "pair = min(counts, key=lambda p: (counts[p], p))",
            "merges the rarest pair",
        ),
        (
            "text/tokenizers.py",
            'pair = min(pairwise(ids), key=lambda p: ranks.get(p, float("inf")))',
            "pair = max(pairwise(ids), key=lambda p: ranks.get(p, -1))",
            "encoding applies the latest merge first",
        ),
    ],
    "11 embeddings": [
        (
            "text/embedding.py",
            "self.weight[_positions(x, offset, self.max_seq_len)]",
            "self.weight[_positions(x, 0, self.max_seq_len)]",
            "the offset of cached positions ignored",
        ),
        (
            "text/embedding.py",
            "table[:, 0::2] = np.sin(position * frequency)",
            "table[:, 0::2] = np.cos(position * frequency)",
            "cosine in the even columns",
        ),
    ],
    "12 attention": [
        ("core/backend.py", "k=tk - tq)", "k=tk - tq + 1)", "off-by-one causal mask: each query sees the next key"),
        ("core/backend.py", "scale = 1.0 / math.sqrt(q.shape[-1])", "scale = 1.0 / q.shape[-1]", "scaled by 1/d, not 1/sqrt(d)"),
    ],
    "13 transformers": [
        (
            "text/gpt.py",
            "self.pos_emb(self.tok_emb(ids), offset)",
            "self.pos_emb(self.tok_emb(ids), 0)",
            "cached tokens all get position 0",
        ),
        (
            "nn/transformer.py",
            "return x + self.dropout(self.proj(self.fc(self.ln2(x))))",
            "return self.dropout(self.proj(self.fc(self.ln2(x))))",
            "the MLP's residual connection forgotten",
        ),
        ("nn/norm.py", "(m * count / (count - 1))", "m", "running variance biased (n, not n - 1)"),
    ],
    "14 kv-caching": [
        (
            "nn/attention.py",
            "copyto(self.k[:, :, start:stop], k)\n        get_backend().copyto(self.v[:, :, start:stop], v)",
            "copyto(self.k[:, :, 0:stop - start], k)\n        get_backend().copyto(self.v[:, :, 0:stop - start], v)",
            "the KV cache overwrites position 0",
        ),
        (
            "nn/attention.py",
            "return self.k[:, :, :stop], self.v[:, :, :stop]",
            "return self.k[:, :, start:stop], self.v[:, :, start:stop]",
            "attention sees only the new positions",
        ),
    ],
    "15 profiling": [
        (
            "bench/olympics/profiler.py",
            "return 2 * rows * module.in_features",
            "return rows * module.in_features",
            "multiply-adds counted, not FLOPs",
        ),
        (
            "bench/olympics/profiler.py",
            "positions = math.prod(output_shape) // module.out_channels",
            "positions = math.prod(output_shape)",
            "conv positions counted once per output channel too",
        ),
    ],
    "16 acceleration": [
        (
            "naive/backend.py",
            "total += a_list[i][k] * b_list[k][j]",
            "total += a_list[i][k] * b_list[j][k]",
            "naive matmul reads b transposed",
        ),
        ("naive/backend.py", "@ w[:, :, i, j].T", "@ w[:, :, kh - 1 - i, kw - 1 - j].T", "naive conv with a flipped kernel"),
    ],
    "17 quantization": [
        (
            "optim/passes/quantize.py",
            "scale = np.abs(rows).max(axis=1) / QMAX",
            "scale = np.abs(rows).max(axis=1) / 255",
            "scale for 0..255 (uint8) while storing int8",
        ),
        (
            "optim/passes/quantize.py",
            "scale = np.abs(x).max(axis=axes, keepdims=True).astype(np.float32) / QMAX",
            "scale = np.abs(x).max(axis=axes, keepdims=True).astype(np.float32) / (2 * QMAX)",
            "activation scale half as large: values clipped",
        ),
    ],
    "18 compression": [
        (
            "optim/passes/prune.py",
            'keep[np.argsort(w, kind="stable")',
            'keep[np.argsort(-w, kind="stable")',
            "prunes the largest weights",
        ),
        ("optim/passes/distill.py", "kl * (alpha * T * T)", "kl * alpha", "distillation loss without the T^2 factor"),
        (
            "optim/passes/distill.py",
            "log_q = F.log_softmax(student_logits * (1.0 / T), axis=-1)",
            "log_q = F.log_softmax(student_logits, axis=-1)",
            "student not softened by the temperature",
        ),
    ],
    "19 benchmarking": [
        (
            "bench/olympics/events.py",
            '"speedup": baseline["latency_ms"]["p50"] / optimized["latency_ms"]["p50"]',
            '"speedup": optimized["latency_ms"]["p50"] / baseline["latency_ms"]["p50"]',
            "speedup inverted",
        ),
        (
            "bench/olympics/events.py",
            'math.prod((r["speedup"], r["compression"], r["accuracy_ratio"])) ** (1 / 3)',
            'sum((r["speedup"], r["compression"], r["accuracy_ratio"])) / 3',
            "arithmetic mean, not geometric",
        ),
    ],
}
