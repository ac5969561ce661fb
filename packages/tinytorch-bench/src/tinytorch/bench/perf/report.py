"""The goals, met or missed, and ``docs/benchmarks.md``.

Every sentence in the report is computed from the measurements in ``results`` (the dict
``tt bench all`` builds), including the "why" of a missed goal: which kernels dominate
the step (``kernels.py``) and what that bounds. The matrix products of the ``linear``
layers run NumPy's BLAS, which no NumPy backend can beat, so timed alone they give a
floor (``kernels.gemm_floor``): with every other cost at zero, the step would still
take that long.

Read next: ``commands.py``, which runs the benchmarks and calls ``markdown``.
"""

from dataclasses import dataclass


@dataclass
class Goal:
    name: str
    target: str
    measured: str
    met: object  # True, False, or None when it could not be measured
    why: str = ""


def _shares(breakdown, outside="autograd engine, optimizer, Python", top=3):
    step = breakdown["step_ms"]
    kernels = list(breakdown["kernels"].items())[:top]
    parts = [f"`{kernel}` {ms / step:.0%}" for kernel, ms in kernels]
    parts.append(f"outside the kernels ({outside}) {breakdown['outside_ms'] / step:.0%}")
    return ", ".join(parts)


def _over(value, target, lower_is_better):
    """'by how much': the fraction past the target."""
    return value / target - 1 if lower_is_better else 1 - value / target


def _train_goal(results, workload, target):
    name = f"fused {workload.upper()} step <= {target:g}x PyTorch"
    ratio = results["train"]["ratios_to_torch"].get(workload, {}).get("fused")
    if ratio is None:
        return Goal(name, f"<= {target:g}x", "not measured (fused or torch missing)", None)
    goal = Goal(name, f"<= {target:g}x", f"{ratio:.2f}x", ratio <= target)
    if goal.met:
        return goal
    fused_ms = results["train"]["ms_per_step"][workload]["fused"]
    torch_ms = results["train"]["ms_per_step"][workload]["torch"]
    goal.why = f"{_over(ratio, target, True):.0%} over ({fused_ms:.1f} ms against PyTorch's {torch_ms:.1f} ms)."
    breakdown = results["breakdown"].get(workload, {}).get("fused")
    if breakdown:
        goal.why += f" Where the fused step goes: {_shares(breakdown)}."
    floor = results["gemm_floor"].get(workload)
    if floor:
        goal.why += (
            f" The matrix products of its `linear` layers alone, replayed as bare `np.matmul` calls on the "
            f"same shapes, take {floor:.1f} ms, {floor / torch_ms:.2f}x PyTorch's whole step: no NumPy "
            "backend can go below that. "
            + (f"The other {fused_ms - floor:.1f} ms (everything around those products: the other kernels, "
               f"autograd, optimizer) is what is left to cut." if floor < target * torch_ms else
               "So this step is bound by BLAS speed, not by anything fusion can remove.")
        )
    goal.why += _blas_context(results)
    return goal


def _blas_context(results):
    gflops = results["ops"]["gflops"].get(results["ops"]["matmul_shape"], {})
    if "numpy" in gflops and "torch" in gflops:
        return (f" For scale, a 1024x1024 GEMM ran at {gflops['numpy']:.1f} GFLOP/s in NumPy and "
                f"{gflops['torch']:.1f} GFLOP/s in PyTorch on this machine.")
    return ""


def evaluate(results):
    """The goals of the acceleration work, each with its measured number."""
    goals = []
    vs_numpy = results["ops"]["matmul_vs_numpy"].get("vectorized")
    goal = Goal("vectorized matmul >= 0.95x NumPy GEMM throughput (1024x1024 float32)", ">= 0.95x",
                "not measured" if vs_numpy is None else f"{vs_numpy:.2f}x", None if vs_numpy is None else vs_numpy >= 0.95)
    if goal.met is False:
        ms = results["ops"]["ms"][results["ops"]["matmul_shape"]]
        ours, numpy_ms = ms["vectorized"]["forward"], ms["numpy"]["forward"]
        engine_us = results["overhead"]["rows"]["forward, recording"]["overhead_us"]
        goal.why = (f"{_over(vs_numpy, 0.95, False):.0%} short: {ours:.1f} ms through `Tensor @` against "
                    f"{numpy_ms:.1f} ms for `np.matmul`. The Tensor path calls the same `np.matmul` plus one "
                    f"op of engine overhead ({engine_us:.1f} us, measured below), so a gap of "
                    f"{ours - numpy_ms:.2f} ms is variation between rounds, not the engine; rerun on a quieter machine.")
    goals.append(goal)

    # usergpt: a PyTorch user's GPT through tinytorch.torch (issue 13's goal).
    for workload, target in (("mlp", 1.0), ("gpt", 1.0), ("cnn", 1.5), ("usergpt", 1.2)):
        goals.append(_train_goal(results, workload, target))

    gpt = results["train"]["ms_per_step"].get("gpt", {})
    name = "fused >= 1.3x faster than vectorized on the GPT step"
    if gpt.get("fused") and gpt.get("vectorized"):
        speedup = gpt["vectorized"] / gpt["fused"]
        goal = Goal(name, ">= 1.3x", f"{speedup:.2f}x", speedup >= 1.3)
        if not goal.met:
            goal.why = (f"{_over(speedup, 1.3, False):.0%} short ({gpt['vectorized']:.1f} ms against "
                        f"{gpt['fused']:.1f} ms). Fusion removes memory traffic around the matrix products, "
                        "not the products themselves.")
            vec, floor = results["breakdown"].get("gpt", {}).get("vectorized"), results["gemm_floor"].get("gpt")
            if vec:
                goal.why += f" Where the vectorized step goes: {_shares(vec)}."
            if floor:
                goal.why += (f" The `linear` layers' products alone take {floor:.1f} ms "
                             f"({floor / gpt['vectorized']:.0%} of the vectorized step), so even a backend that "
                             f"made every other cost vanish would be at most {gpt['vectorized'] / floor:.2f}x faster.")
    else:
        goal = Goal(name, ">= 1.3x", "not measured (fused or vectorized missing)", None)
    goals.append(goal)

    for run in results["generate"].values():
        goals.extend(_generation_goals(run))
    for latency in results.get("latency", {}).values():
        goals.append(_latency_goal(latency))
    return goals


def _generation_goals(run):
    """Compiled cached decoding against PyTorch, and the KV cache's speedup, per context."""
    from .generate import speedups

    goals, rows = [], run["contexts"]
    for context, row in rows.items():
        ratio = speedups(row)["compiled_vs_torch"]
        name = f"compiled cached decode <= 0.5x PyTorch eager ms/token, context {context} ({run['backend']})"
        goal = Goal(name, "<= 0.5x", "not measured (torch missing)" if ratio is None else f"{ratio:.2f}x",
                    None if ratio is None else ratio <= 0.5)
        if goal.met is False:
            ms = row["ms_per_token"]
            goal.why = (f"{_over(ratio, 0.5, True):.0%} over: {ms['cached compiled']:.3f} ms per token against "
                        f"PyTorch's {ms['cached torch']:.3f} ms. Each ms per token also carries the prompt's prefill "
                        f"and the first two decoding steps (eager, recorded, then checked by one replay), spread "
                        f"over {row['new_tokens']} tokens. " + _decode_time(run, context))
        goals.append(goal)
    for context, target in ((256, 15), (64, 4)):
        row = rows.get(context) or rows.get(str(context))
        speedup = speedups(row)["kv_cache_speedup"] if row else None
        name = f"KV cache: compiled cached >= {target}x faster than eager uncached, context {context} ({run['backend']})"
        goal = Goal(name, f">= {target}x", "not measured" if speedup is None else f"{speedup:.1f}x",
                    None if speedup is None else speedup >= target)
        if goal.met is False:
            ms = row["ms_per_token"]
            positions = (run["prompt_tokens"] + context) // 2
            goal.why = (f"{_over(speedup, target, False):.0%} short: {ms['cached compiled']:.3f} ms per token cached "
                        f"and compiled, {ms['uncached eager']:.3f} ms uncached and eager. An uncached step reruns "
                        f"about {positions} positions, yet costs only {ms['uncached eager'] / ms['cached eager']:.1f}x "
                        "an eager cached step: one call over many positions pays each kernel's fixed cost once, "
                        "so the cache saves far less time than positions.")
        goals.append(goal)
    return goals


def _decode_time(run, context):
    """Where a compiled decoding step's time goes, from ``trace.profile`` if it was measured."""
    profile = run.get("step_profile")
    if not profile:
        return ""
    total, kernels = profile["step_us"], profile["kernels_us"]
    alone = sum(kernels.values())
    parts = ", ".join(f"`{k}` {us:.0f} us" for k, us in list(kernels.items())[:4])
    return (f"A replayed step (measured at context {profile['context']}, after the table's runs, so under "
            f"another moment's load) takes {total:.0f} us for "
            f"{profile['calls']} kernel calls. Timed one by one, the kernels add up to {alone:.0f} us ({parts}); "
            f"the other {max(total - alone, 0):.0f} us go between them (the replay loop, the cache-length views, "
            "and kernels meeting weights the others evicted from cache; not separated here).")


def _latency_goal(latency):
    ms = latency["ms"].get("mlp", {})
    name = f"batch-1 MLP latency compiled <= 0.5x PyTorch eager ({latency['backend']})"
    if not ms.get("compiled") or not ms.get("torch"):
        return Goal(name, "<= 0.5x", "not measured (torch missing)", None)
    ratio = ms["compiled"] / ms["torch"]
    goal = Goal(name, "<= 0.5x", f"{ratio:.2f}x", ratio <= 0.5)
    if not goal.met:
        goal.why = (f"{_over(ratio, 0.5, True):.0%} over: {ms['compiled'] * 1000:.1f} us against PyTorch's "
                    f"{ms['torch'] * 1000:.1f} us; the same arithmetic as bare NumPy calls takes "
                    f"{ms['numpy'] * 1000:.1f} us ({ms['numpy'] / ms['torch']:.2f}x PyTorch), so replay "
                    f"overhead is {(ms['compiled'] - ms['numpy']) * 1000:.1f} us.")
    return goal


# -- markdown ------------------------------------------------------------------------------


def _ms(value):
    return "skipped" if value is None else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def table(header, rows):
    """A markdown table of ``header`` and ``rows`` (any values; each cell is ``str()``)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _notes(notes):
    lines = [f"- {where}: {contender}: {note}" for where, found in notes.items() for contender, note in found.items()]
    return ("\n\n" + "\n".join(lines)) if lines else ""


CLOCK_TEXT = {"wall": "wall time", "cpu": "the process's CPU time (`--clock cpu`, one thread)"}


def machine_section(machine, threads, clock="wall", load_end=None):
    m = machine
    load = f"{m['load_average']} at the start" + (f", {load_end} at the end" if load_end else "")
    return "\n".join(["## Machine", "", table(("", ""), [
        ("CPU", m["cpu"]), ("cores", f"{m['cores']} ({m['cores_usable']} usable)"),
        ("Python", m["python"]), ("NumPy", m["numpy"]), ("BLAS", m["blas"]),
        ("threads", f"BLAS {threads['blas']}, PyTorch {threads['torch'] or '-'}"),
        ("timed by", CLOCK_TEXT[clock]),
        ("PyTorch", m["torch"] or "not installed"), ("date", m["date"]),
        ("load average (1, 5, 15 min)", load),
    ]), "", "The load average counts processes wanting a core; above the core count, other work "
        "shared the machine while this ran (every contender was slowed alike)."])


def goals_section(goals):
    out = ["## Goals", "", table(("goal", "target", "measured", "status"), [
        (g.name, g.target, g.measured, {True: "met", False: "**missed**", None: "not measured"}[g.met])
        for g in goals])]
    missed = [g for g in goals if g.why]
    if missed:
        out += ["", "Why the missed ones are missed:", ""] + [f"- **{g.name}**: {g.why}" for g in missed]
    return "\n".join(out)


def train_section(train, workloads, breakdown=None, floors=None):
    contenders = list(dict.fromkeys(c for ms in train["ms_per_step"].values() for c in ms))
    others = [c for c in contenders if any(c in r for r in train["ratios_to_torch"].values())]
    out = ["## Training step", "",
           "One full step (forward, backward, optimizer step), median milliseconds per step"
           + ("; `x torch` is the time divided by PyTorch's (below 1: faster than PyTorch)." if "torch" in contenders
              else "."), ""]
    rows = []
    for workload, ms in train["ms_per_step"].items():
        ratios = train["ratios_to_torch"].get(workload, {})
        rows.append([f"`{workload}`"] + [_ms(ms.get(c)) for c in contenders]
                    + [f"{ratios[c]:.2f}" if c in ratios else "-" for c in others]
                    + ([_ms(floors.get(workload))] if floors else []))
    header = ["workload"] + contenders + [f"{c} x torch" for c in others] + (["linear GEMMs alone"] if floors else [])
    out += [table(header, rows) + _notes(train["notes"])]
    if floors:
        out += ["", "`linear GEMMs alone`: the matrix products of the step's `linear` layers (forward and "
                "backward), replayed as bare `np.matmul` calls on the same shapes: the floor for any NumPy "
                "backend (convolutions are not included)."]
    out += ["", "Workloads:", ""]
    out += [f"- `{name}`: {text}" for name, text in workloads.items() if name in train["ms_per_step"]]
    if breakdown:
        out += ["", "### Where the step's time goes", "",
                "Milliseconds per step inside each kernel (the largest five), timed by wrapping the "
                "backend's kernels; `outside` is the autograd engine, the optimizer and Python.", ""]
        rows = []
        for workload, per_backend in breakdown.items():
            for backend, b in per_backend.items():
                top = ", ".join(f"{k} {v:.1f}" for k, v in list(b["kernels"].items())[:5])
                rows.append((f"`{workload}`", backend, f"{b['step_ms']:.1f}", top, f"{b['outside_ms']:.1f}"))
        out += [table(("workload", "backend", "step ms", "largest kernels (ms)", "outside ms"), rows)]
    return "\n".join(out)


def ops_section(ops):
    contenders = list(dict.fromkeys(["numpy"] + [c for per in ops["ms"].values() for c in per]))
    out = ["## Ops", "",
           "Forward / forward+backward, median milliseconds, through the `Tensor` API with the "
           "graph recorded. `numpy` is a bare `np.matmul` (forward only).", ""]
    rows = [[label] + [" / ".join(_ms(v) for v in per[c].values()) if c in per else "-" for c in contenders]
            for label, per in ops["ms"].items()]
    out += [table(["op"] + contenders, rows) + _notes(ops["notes"])]
    gflops = ops["gflops"].get(ops["matmul_shape"], {})
    out += ["", f"{ops['matmul_shape']}, forward GFLOP/s: "
            + ", ".join(f"{c} {g:.1f}" for c, g in gflops.items())
            + "; vectorized / NumPy throughput: "
            + (f"{ops['matmul_vs_numpy']['vectorized']:.2f}." if "vectorized" in ops["matmul_vs_numpy"] else "-.")]
    return "\n".join(out)


def generate_section(runs):
    from .generate import MODES, speedups

    out = ["## Generation: milliseconds per token", "",
           "Greedy decoding of the rest of the window after a 32-token prompt; median ms per generated token. "
           "`cached`: one token per step through the KV cache; `uncached`: the whole sequence again each step. "
           "`compiled`: `generate(compile=True)` (the default), replaying the recorded kernels; `torch`: PyTorch "
           "eager (`inference_mode`) on the same weights with the same cache. Every mode chose the same tokens "
           "unless noted.", ""]
    for backend, run in runs.items():
        contenders = list(MODES) + ["cached torch", "uncached torch"]
        rows = []
        for context, row in run["contexts"].items():
            ms, ratios = row["ms_per_token"], speedups(row)
            rows.append([str(context)] + [_ms3(ms.get(c)) for c in contenders]
                        + [_x(ratios["kv_cache_speedup"]), _x(ratios["compiled_vs_torch"])])
        header = ["context"] + contenders + ["KV speedup (compiled cached / eager uncached)", "compiled cached x torch"]
        notes = {f"context {c}": r["notes"] for c, r in run["contexts"].items()}
        out += [f"Backend `{backend}`:", "", table(header, rows) + _notes(notes)]
        bad = {c: r["tokens_disagree"] for c, r in run["contexts"].items() if r["tokens_disagree"]}
        if bad:
            out += ["", f"Tokens differed from eager uncached decoding: {bad}."]
        out += [""]
    run = next(iter(runs.values()), None)
    if run:
        size = run["model"]
        out += [f"GPT with {size['n_layers']} layers, d_model {size['d_model']}, {size['n_heads']} heads, "
                f"vocabulary {size['vocab_size']}, the context as its `max_seq_len`; size from {run['model_source']}. "
                "Uncached, every step has a new sequence length, and `generate` compiles only a full window "
                "(never reached here): compiled uncached is eager uncached. It is not timed at 1024."]
    return "\n".join(out)


def latency_section(latencies):
    out = ["## Batch-1 latency", "",
           "One forward pass of one example, median microseconds: `eager` (modules and Tensors under `no_grad`), "
           "`compiled` (`tinytorch.core.compile`), `torch` (PyTorch eager, `inference_mode`, same weights), "
           "`numpy` (the mlp's arithmetic as bare NumPy calls: the floor).", ""]
    for backend, latency in latencies.items():
        contenders = list(dict.fromkeys(c for ms in latency["ms"].values() for c in ms))
        rows = [[f"`{w}`"] + [_us(ms.get(c)) for c in contenders]
                + [_x(ms["compiled"] / ms["torch"] if ms.get("compiled") and ms.get("torch") else None)]
                for w, ms in latency["ms"].items()]
        out += [f"Backend `{backend}`:", "", table(["model"] + contenders + ["compiled x torch"], rows)
                + _notes(latency["notes"]), ""]
    out += ["Models: `mlp` 64-128-64-10 with ReLU; `lenet` is `tinytorch.nn.models.lenet` on a 1x28x28 image; "
            "`gpt` the generation benchmark's GPT on one 64-token window."]
    return "\n".join(out)


def _ms3(value):
    return "-" if value is None else f"{value:.3f}"


def _us(ms):
    return "-" if ms is None else f"{ms * 1000:.1f}"


def _x(ratio):
    return "-" if ratio is None else f"{ratio:.2f}x"


def overhead_section(overhead):
    rows = [(case, f"{r['tinytorch_us']:.2f}", f"{r['numpy_us']:.2f}", f"{r['overhead_us']:.2f}")
            for case, r in overhead["rows"].items()]
    return "\n".join(["## Autograd overhead per op", "",
                      f"A chain of {overhead['ops']} ops on 1-element tensors (`y = y * w + c`), microseconds "
                      f"per op on `{overhead['backend']}`; `numpy` is the same arithmetic on 1-element arrays.", "",
                      table(("", "tinytorch us", "numpy us", "overhead us"), rows)])


METHOD = """## How it was measured

- Contenders are built once each (same seed: same weights and batch), warmed up, then timed
  in rounds, one call each per round, the first contender rotating; very short calls are
  timed in batches. The median over rounds is reported.
- A contender that cannot finish one call within the time limit is reported as skipped
  (with the limit); one that is merely slow gets fewer rounds, noted beside its table.
- The reference models fold each ReLU into the layer before it (`activation="relu"`), as
  the transformer block folds its GELU; the maths is the same as PyTorch's separate ReLU.
- PyTorch gets as many threads as NumPy's BLAS; both counts are in the machine table.
- With `--clock cpu` a call is timed by the CPU time our process used, not by the wall
  clock: on a machine with more runnable processes than cores, wall time would also count
  the moments another process had our core. It is only fair with one thread, which is why
  it requires `--threads 1`. The time limit for skipping a call is wall time.
- Objects alive when the benchmarks start (PyTorch's modules, ours) are frozen out of the
  garbage collector (`gc.freeze()`): a collection walks every live object, so without this
  each autograd graph would pay for PyTorch being loaded. Collections of what a step
  allocates are still included.
- Data and weights are random: a step costs the same whatever the numbers are."""


def markdown(results, goals):
    """``docs/benchmarks.md``: every section, from the results of ``tt bench all``."""
    intro = (f"Written by `{results['command']}`; rerun it to refresh every number here. All numbers "
             "come from one process on one machine at one moment: each round times every contender once, "
             "in turn, and we report the median over rounds "
             f"({results['repeats']} rounds unless noted).")
    sections = [
        "# Benchmarks\n\n" + intro,
        machine_section(results["machine"], results["threads"], results["clock"], results["load_average_end"]),
        goals_section(goals),
        train_section(results["train"], results["workloads"], results["breakdown"], results["gemm_floor"]),
        ops_section(results["ops"]),
        generate_section(results["generate"]),
        latency_section(results.get("latency", {})),
        overhead_section(results["overhead"]),
        METHOD,
    ]
    return "\n\n".join(sections) + "\n"
