#!/usr/bin/env python3
"""Benchmark, not a test: cmod, Stan (pystan) and nutpie (on the same model written in PyMC) side by side.

    python3 bench/peers.py [--models eight_schools,logistic,varying_slopes,correlated]
                           [--samplers cmod,stan,nutpie] [--chains 4]
                           [--iter-warmup 1000] [--iter-sampling 1000] [--seed 1]
                           [--cmod target/release/cmod] [--cmod-args "--adaptation stan"]
                           [--nutpie-low-rank] [--nutpie-warm-cache] [--json FILE]

Four models, the same data for the three samplers:
- eight_schools: examples/eight_schools/eight_schools_noncentered.cmod with its data.json;
- logistic: bench/models/logistic_k10.cmod (N = 5000, K = 10), data from
  bench/models/simulate.py;
- varying_slopes: examples/varying_slopes/varying_slopes_noncentered.cmod
  (LKJ(2), 20 groups x 50), data from bench/models/simulate_varying_slopes.py;
- correlated: examples/correlated_predictors/correlated_predictors_cholesky.cmod
  (3 correlated predictors, multi_normal_cholesky with LKJ(2), 16 group
  intercepts, N = 1600) with its data.json (made again by its simulate.py
  when that file is not N = 1600, K = 3, G = 16).
Simulated data go to ../.cache/cmod-peers/ (CMOD_PEERS_CACHE), named by a
hash of the script that made them; the scripts have fixed seeds.

Every sampler runs the chains one at a time on one core (OMP, OpenBLAS, MKL
and numba threads set to 1), each chain with its own seed, and keeps the
warmup so that every gradient evaluation is counted:
- cmod: one `cmod run MODEL --data DATA --chains C --parallel-chains 1
  --iter-warmup W --iter-sampling S --save-warmup --seed SEED --quiet` (chain c
  draws from the stream (SEED, c), as in CmdStan). Sampling seconds: the sum
  of each chain's warm-up and sampling times from its CSV; setup: the
  process's wall time minus that (parse, check, compile, CSV writing). The
  CSV gives the times in milliseconds: coarse on eight schools.
- Stan: `stan.build` of the program with a fresh comment (so httpstan
  compiles it: the setup seconds), then per chain `stan.build` again with
  random_seed SEED + c (a cache hit, not counted) and
  `sample(num_chains=1, save_warmup=True)`: httpstan caches a fit by its
  request, so a new seed is what makes a new chain. Sampling seconds: Stan's
  own "Elapsed Time" (warm-up + sampling) of each chain. The C++ compiler's
  warnings and pystan's progress go to ../.cache/cmod-peers/stan-messages.log.
- nutpie: the PyMC model below, `nutpie.compile_pymc_model` (numba backend,
  with a fresh PyTensor compile directory unless --nutpie-warm-cache) and a
  first call of 10 + 10 iterations (the first call costs about 0.1 s more
  than the next ones): the setup seconds; then per chain
  `nutpie.sample(chains=1, cores=1, seed=SEED + c, save_warmup=True)` with
  the default diagonal adaptation (`--nutpie-low-rank`: the low-rank
  modified mass matrix). Sampling seconds: from the call until its sampler
  has finished (the conversion of the trace to ArviZ afterwards, 0.05-0.1 s a
  chain, is not counted). It runs in its own virtual environment,
  ../.venv-nutpie (CMOD_NUTPIE_VENV), created when missing with Python 3.12
  and `pip install` of NUTPIE_PACKAGES.

For each model and sampler it prints: setup seconds, sampling seconds
(warmup + draws, all chains), gradient evaluations (leapfrog steps, warmup
included: n_leapfrog__ summed over all rows, nutpie's n_steps likewise), the
minimum bulk-ESS over the parameters-block entries (ArviZ
`az.ess(method="bulk")`, the same code on the draws of all three; constant
entries such as a Cholesky factor's upper triangle are skipped; transformed
parameters and generated quantities are not counted), bulk-ESS per 1000
gradients, ESS per second with and without the setup, and microseconds per
gradient (sampling seconds / gradients). Then it compares the three
posterior means of every parameter entry: |difference| / sqrt(MCSE_a^2 +
MCSE_b^2), and warns when the largest is above --z-warn.

The PyMC models are written as a PyMC user would write them, with the same
priors and the same non-centered parameterization as the Stan programs.
`L ~ lkj_corr_cholesky(2)` is `pm.LKJCorr("L", n=K, eta=2)`: in PyMC 6 it
returns the Cholesky factor of the correlation matrix and its log density is
Stan's, sum over i of (K - i + 2 eta - 2) log L[i, i] (checked: the
marginal variance of a correlation under LKJ(2), K = 3, is 1/6 in nutpie's
prior draws). `pm.LKJCholeskyCov` would be another prior.

The script itself runs in the Stan virtual environment (see
bench/stan_grad.py), which it creates when missing; the nutpie part is a
subprocess (`peers.py --nutpie-worker SPEC.json`) in the nutpie environment
that writes its draws to a file, and the ESS of all three is computed here.
"""

import argparse
import contextlib
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in bench/
import stan_grad  # noqa: E402  (the Stan venv, shared with the other benchmarks)

CACHE = os.environ.get("CMOD_PEERS_CACHE", os.path.join(os.path.dirname(REPO), ".cache", "cmod-peers"))
NUTPIE_VENV = os.environ.get("CMOD_NUTPIE_VENV", os.path.join(os.path.dirname(REPO), ".venv-nutpie"))
# The versions this script was written against: PyMC 6's LKJCorr returns a
# Cholesky factor (older ones return the packed correlations).
NUTPIE_PACKAGES = ["pymc==6.4.0", "pytensor==3.3.8", "nutpie==0.16.11", "numba==0.68.0", "arviz==1.3.0"]
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
SAMPLERS = ("cmod", "stan", "nutpie")

MODELS = {
    "eight_schools": {
        "title": "eight schools, non-centered",
        "cmod": "examples/eight_schools/eight_schools_noncentered.cmod",
        "data": "examples/eight_schools/data.json",
        "params": ["mu", "tau", "theta_trans"],
    },
    "logistic": {
        "title": "logistic regression, N = 5000, K = 10",
        "cmod": "bench/models/logistic_k10.cmod",
        "simulate": "bench/models/simulate.py",
        "params": ["alpha", "beta"],
    },
    "varying_slopes": {
        "title": "varying intercepts and slopes, LKJ(2), 20 groups x 50, non-centered",
        "cmod": "examples/varying_slopes/varying_slopes_noncentered.cmod",
        "simulate": "bench/models/simulate_varying_slopes.py",
        "params": ["mu", "tau", "L", "z", "sigma"],
    },
    "correlated": {
        "title": "3 correlated predictors (LKJ(2)) + 16 group intercepts, N = 1600",
        "cmod": "examples/correlated_predictors/correlated_predictors_cholesky.cmod",
        "data": "examples/correlated_predictors/data.json",
        "data_sizes": {"N": 1600, "K": 3, "G": 16},
        "simulate_in_dir": "examples/correlated_predictors/simulate.py",
        "params": ["mu", "tau", "L", "alpha", "beta", "sigma_group", "z_group", "sigma"],
    },
}


def log(msg):
    print(f"[peers] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the PyMC models
# Run only in the nutpie environment (the worker). Names and shapes are the
# Stan programs', so that the draws line up entry by entry.

def pymc_eight_schools(d):
    import numpy as np
    import pymc as pm

    with pm.Model() as model:
        mu = pm.Normal("mu", 0, 5)
        tau = pm.HalfCauchy("tau", 5)
        theta_trans = pm.Normal("theta_trans", 0, 1, shape=d["J"])
        theta = pm.Deterministic("theta", mu + tau * theta_trans)
        pm.Normal("y", theta, np.asarray(d["sigma"], dtype=float), observed=np.asarray(d["y"], dtype=float))
    return model


def pymc_logistic(d):
    import numpy as np
    import pymc as pm

    X = np.asarray(d["X"], dtype=float)
    with pm.Model() as model:
        alpha = pm.Normal("alpha", 0, 2.5)
        beta = pm.Normal("beta", 0, 2.5, shape=d["K"])
        pm.Bernoulli("y", logit_p=alpha + X @ beta, observed=np.asarray(d["y"]))
    return model


def pymc_varying_slopes(d):
    import numpy as np
    import pymc as pm

    group = np.asarray(d["group"]) - 1
    x = np.asarray(d["x"], dtype=float)
    with pm.Model() as model:
        mu = pm.Normal("mu", 0, 5, shape=2)
        tau = pm.Exponential("tau", 1, shape=2)
        L = pm.LKJCorr("L", n=2, eta=2)
        z = pm.Normal("z", 0, 1, shape=(2, d["J"]))
        sigma = pm.Exponential("sigma", 1)
        effects = pm.Deterministic("effects", (tau[:, None] * L) @ z)  # diag_pre_multiply(tau, L) * z
        a = pm.Deterministic("a", mu[0] + effects[0])
        b = pm.Deterministic("b", mu[1] + effects[1])
        pm.Normal("y", a[group] + b[group] * x, sigma, observed=np.asarray(d["y"], dtype=float))
        pm.Deterministic("rho", (L @ L.T)[0, 1])
    check_cholesky(L, 2)
    return model


def pymc_correlated(d):
    import numpy as np
    import pymc as pm

    K, G = d["K"], d["G"]
    group = np.asarray(d["group"]) - 1
    X = np.asarray(d["x"], dtype=float)
    with pm.Model() as model:
        mu = pm.Normal("mu", 0, 5, shape=K)
        tau = pm.Exponential("tau", 1, shape=K)
        L = pm.LKJCorr("L", n=K, eta=2)
        pm.MvNormal("x", mu=mu, chol=tau[:, None] * L, observed=X)
        alpha = pm.Normal("alpha", 0, 5)
        beta = pm.Normal("beta", 0, 2, shape=K)
        sigma_group = pm.Exponential("sigma_group", 1)
        z_group = pm.Normal("z_group", 0, 1, shape=G)
        sigma = pm.Exponential("sigma", 1)
        a = pm.Deterministic("a", sigma_group * z_group)
        pm.Normal("y", alpha + a[group] + X @ beta, sigma, observed=np.asarray(d["y"], dtype=float))
        pm.Deterministic("Omega", L @ L.T)
    check_cholesky(L, K)
    return model


def check_cholesky(L, K):
    if L.ndim != 2:
        sys.exit(f"peers: this PyMC's LKJCorr gives a {L.ndim}-dimensional variable, not the {K} x {K} "
                 f"Cholesky factor of a correlation matrix; install {' '.join(NUTPIE_PACKAGES)}")


PYMC_MODELS = {
    "eight_schools": pymc_eight_schools,
    "logistic": pymc_logistic,
    "varying_slopes": pymc_varying_slopes,
    "correlated": pymc_correlated,
}


def nutpie_worker(spec_path):
    """In the nutpie environment: compile the PyMC model, sample the chains one at a time, save the draws."""
    import warnings

    warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
    t0 = time.perf_counter()
    import numba
    import numpy as np
    import nutpie
    import pymc as pm

    import_s = time.perf_counter() - t0
    with open(spec_path) as f:
        spec = json.load(f)
    with open(spec["data"]) as f:
        data = json.load(f)
    extra = {}
    if spec["low_rank"]:
        import inspect

        if "adaptation" in inspect.signature(nutpie.sample).parameters:
            extra["adaptation"] = "low_rank"
        else:
            extra["low_rank_modified_mass_matrix"] = True
    t0 = time.perf_counter()
    model = PYMC_MODELS[spec["model"]](data)
    compiled = nutpie.compile_pymc_model(model)
    compile_s = time.perf_counter() - t0
    # The first call costs about 0.1 s more than the next ones (code loaded or
    # compiled on first use, threads): a short call first, counted in the setup.
    nutpie.sample(compiled, chains=1, cores=1, tune=10, draws=10, seed=spec["seed"] + 10_000,
                  progress_bar=False, **extra)
    setup_s = time.perf_counter() - t0
    chain_s, convert_s, n_grad, divergent, stepsize, depth, per_chain = [], [], [], [], [], [], []
    for c in range(spec["chains"]):
        t0 = time.perf_counter()
        bg = nutpie.sample(compiled, chains=1, cores=1, tune=spec["warmup"], draws=spec["draws"],
                           seed=spec["seed"] + c, save_warmup=True, progress_bar=False, blocking=False, **extra)
        try:  # the sampling alone: converting the trace to ArviZ takes 0.05-0.1 s, more than eight schools' chain
            bg._sampler.wait(None)
            chain_s.append(time.perf_counter() - t0)
            tr = bg._extract(bg._sampler.take_results())
            timing = "sampler"
        except AttributeError:  # another nutpie: the whole call
            tr = bg.wait()
            chain_s.append(time.perf_counter() - t0)
            timing = "sample() call, trace conversion included"
        convert_s.append(time.perf_counter() - t0 - chain_s[-1])
        stats, warm = tr["sample_stats"], tr["warmup_sample_stats"]
        n_grad.append(int(stats["n_steps"].values.sum() + warm["n_steps"].values.sum()))
        divergent.append(int(stats["diverging"].values.sum()))
        stepsize.append(float(stats["step_size"].values[0, -1]))
        depth.append(float(stats["depth"].values.mean()))
        per_chain.append({p: tr["posterior"][p].values[0] for p in spec["params"]})  # (draws, *dims)
    names, arrays = [], []
    for p in spec["params"]:
        x = np.stack([ch[p] for ch in per_chain])  # (chains, draws, *dims)
        for idx in np.ndindex(*x.shape[2:]):
            names.append(".".join([p, *(str(i + 1) for i in idx)]))
            arrays.append(x[(slice(None), slice(None), *idx)])
    np.save(spec["out"] + ".npy", np.stack(arrays))
    with open(spec["out"] + ".json", "w") as f:
        json.dump({
            "names": names, "setup_s": setup_s, "compile_s": compile_s, "import_s": import_s,
            "chain_s": chain_s, "timing": timing, "convert_s": convert_s, "n_grad": n_grad,
            "divergent": divergent, "stepsize": stepsize, "treedepth_mean": depth,
            "versions": {"pymc": pm.__version__, "nutpie": nutpie.__version__, "numba": numba.__version__},
            "adaptation": extra.get("adaptation", "low_rank" if extra else "diag"),
        }, f)


# ---------------------------------------------------------------- environments and data

def reexec_in_venv():
    py = stan_grad.venv_python()
    if os.path.realpath(sys.prefix) != os.path.realpath(stan_grad.VENV):
        os.execve(py, [py, os.path.abspath(__file__), *sys.argv[1:]], {**os.environ, **ONE_CORE})


def nutpie_python():
    """The nutpie venv's python, creating the venv when missing."""
    py = os.path.join(NUTPIE_VENV, "bin", "python")
    ok = os.path.exists(py) and subprocess.run(
        [py, "-c", "import pymc, nutpie, numba, arviz"], capture_output=True
    ).returncode == 0
    if not ok:
        log(f"installing PyMC and nutpie into {NUTPIE_VENV} ({' '.join(NUTPIE_PACKAGES)})")
        subprocess.run([stan_grad.find_python312(), "-m", "venv", NUTPIE_VENV], check=True)
        subprocess.run([os.path.join(NUTPIE_VENV, "bin", "pip"), "install", "-q", *NUTPIE_PACKAGES], check=True)
    return py


def file_hash(path):
    import hashlib

    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()[:10]


def data_path(name):
    """The data file of a model: the repository's, or made in CACHE by its (seeded) simulation script."""
    spec = MODELS[name]
    if "simulate" in spec:
        script = os.path.join(REPO, spec["simulate"])
        out = os.path.join(CACHE, "data", f"{name}-{file_hash(script)}.json")
        if not os.path.exists(out):
            os.makedirs(os.path.dirname(out), exist_ok=True)
            log(f"simulating the {name} data: {spec['simulate']} {out}")
            subprocess.run([sys.executable, script, out + ".tmp"], check=True)
            os.replace(out + ".tmp", out)
        return out
    path = os.path.join(REPO, spec["data"])
    sizes = spec.get("data_sizes")
    if sizes:
        with open(path) as f:
            d = json.load(f)
        if any(d.get(k) != v for k, v in sizes.items()):
            script = os.path.join(REPO, spec["simulate_in_dir"])  # writes data.json into its working directory
            outdir = os.path.join(CACHE, "data", f"{name}-{file_hash(script)}")
            path = os.path.join(outdir, "data.json")
            if not os.path.exists(path):
                os.makedirs(outdir, exist_ok=True)
                log(f"{spec['data']} is not {sizes}: simulating it again in {outdir}")
                subprocess.run([sys.executable, script], cwd=outdir, check=True)
    return path


# ---------------------------------------------------------------- the three samplers

def select(names, params):
    """The columns that are entries of parameters-block variables."""
    return [n for n in names if n.split(".")[0] in params]


def run_cmod(binary, model, data, params, a, outdir):
    cmd = [binary, "run", model, "--data", data, "--chains", str(a.chains), "--parallel-chains", "1",
           "--iter-warmup", str(a.iter_warmup), "--iter-sampling", str(a.iter_sampling), "--save-warmup",
           "--seed", str(a.seed), "--quiet", "--output-dir", outdir, *shlex.split(a.cmod_args)]
    t0 = time.perf_counter()
    run = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    for line in run.stderr.splitlines():  # cmod's notes and warnings, less where the draws went
        if not line.startswith("draws written to"):
            print(f"cmod: {line}", file=sys.stderr)
    if run.returncode:
        sys.exit(f"peers: {shlex.join(cmd)} failed ({run.returncode})")
    import numpy as np
    import sampling  # bench/sampling.py: the Stan CSV reader

    files = sorted(glob.glob(os.path.join(outdir, "*.csv")), key=lambda f: int(f.rsplit("-", 1)[1][:-4]))
    if len(files) != a.chains:
        sys.exit(f"peers: cmod wrote {len(files)} CSV files in {outdir}, expected {a.chains}")
    chain_s, n_grad, divergent, stepsize, depth, draws = [], [], [], [], [], {}
    for f in files:
        names, rows, elapsed = sampling.read_stan_csv(f)
        rows = np.asarray(rows)
        if len(rows) != a.iter_warmup + a.iter_sampling:
            sys.exit(f"peers: {f} has {len(rows)} draws, expected {a.iter_warmup} + {a.iter_sampling}"
                     " (--save-warmup, no --thin)")
        col = {n: rows[:, i] for i, n in enumerate(names)}
        post = slice(a.iter_warmup, None)
        chain_s.append(elapsed["Warm-up"] + elapsed["Sampling"])
        n_grad.append(int(col["n_leapfrog__"].sum()))
        divergent.append(int(col["divergent__"][post].sum()))
        stepsize.append(float(col["stepsize__"][-1]))
        depth.append(float(col["treedepth__"][post].mean()))
        for n in select(names, params):
            draws.setdefault(n, []).append(col[n][post])
    return {
        "setup_s": wall - sum(chain_s), "wall_s": wall, "chain_s": chain_s, "n_grad": n_grad,
        "divergent": divergent, "stepsize": stepsize, "treedepth_mean": depth,
        "draws": {n: np.asarray(x) for n, x in draws.items()},
    }


STAN_LOG = os.path.join(CACHE, "stan-messages.log")


@contextlib.contextmanager
def output_to(path):
    """File descriptors 1 and 2 (so those of the compiler that httpstan starts too) appended to path."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, "a") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, old in zip((1, 2), saved):
            os.dup2(old, fd)
            os.close(old)


ELAPSED_RE = re.compile(rb"([0-9.eE+-]+) seconds \((Warm-up|Sampling)\)")


def stan_elapsed(stan_output):
    """Stan's own warm-up and sampling seconds, from the logger messages of one chain."""
    found = {k.decode(): float(v) for v, k in ELAPSED_RE.findall(stan_output)}
    return found["Warm-up"] + found["Sampling"]


def run_stan(program, data, params, a):
    import numpy as np
    import sampling  # bench/sampling.py: the workaround for httpstan's progress parsing
    import stan

    sampling.tolerate_unparsable_progress()
    code = program + f"\n// peers {uuid.uuid4().hex}\n"  # a new model name: httpstan compiles it
    try:
        with output_to(STAN_LOG):  # the C++ compiler's warnings and pystan's progress
            t0 = time.perf_counter()
            posterior = stan.build(code, data=data, random_seed=a.seed)
            setup_s = time.perf_counter() - t0
            rebuild_s, call_s, chain_s, n_grad, divergent, stepsize, depth, draws = [], [], [], [], [], [], [], {}
            for c in range(a.chains):
                if c:
                    t0 = time.perf_counter()
                    posterior = stan.build(code, data=data, random_seed=a.seed + c)  # cached: no compile
                    rebuild_s.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                fit = posterior.sample(num_chains=1, num_warmup=a.iter_warmup, num_samples=a.iter_sampling,
                                       save_warmup=True)
                call_s.append(time.perf_counter() - t0)
                chain_s.append(stan_elapsed(fit.stan_outputs[0]))
                names = list(fit.sample_and_sampler_param_names) + list(fit.constrained_param_names)
                arr = fit._draws[:, :, 0]  # (columns, warmup + draws)
                assert arr.shape[1] == a.iter_warmup + a.iter_sampling, arr.shape
                col = {n: arr[i] for i, n in enumerate(names)}
                post = slice(a.iter_warmup, None)
                n_grad.append(int(col["n_leapfrog__"].sum()))
                divergent.append(int(col["divergent__"][post].sum()))
                stepsize.append(float(col["stepsize__"][-1]))
                depth.append(float(col["treedepth__"][post].mean()))
                for n in select(fit.constrained_param_names, params):
                    draws.setdefault(n, []).append(col[n][post])
    except BaseException:
        with open(STAN_LOG, errors="replace") as f:
            sys.stderr.write(f.read()[-5000:])
        raise
    try:
        import httpstan.cache

        httpstan.cache.delete_model_directory(posterior.model_name)
    except Exception as e:  # the cache only grows; not worth failing the run
        log(f"could not delete {posterior.model_name}: {e}")
    return {
        "setup_s": setup_s, "rebuild_s": rebuild_s, "sample_call_s": call_s, "chain_s": chain_s,
        "n_grad": n_grad, "divergent": divergent, "stepsize": stepsize, "treedepth_mean": depth,
        "draws": {n: np.asarray(x) for n, x in draws.items()},
    }


def run_nutpie(name, data, params, a, tmp):
    import numpy as np

    py = nutpie_python()
    out = os.path.join(tmp, f"nutpie-{name}")
    spec = {"model": name, "data": data, "params": params, "chains": a.chains, "warmup": a.iter_warmup,
            "draws": a.iter_sampling, "seed": a.seed, "low_rank": a.nutpie_low_rank, "out": out}
    with open(out + ".spec.json", "w") as f:
        json.dump(spec, f)
    env = {**os.environ, **ONE_CORE}
    if not a.nutpie_warm_cache:  # compile cold, as cmod and Stan do here
        env["PYTENSOR_FLAGS"] = ",".join(
            x for x in [env.get("PYTENSOR_FLAGS", ""), f"base_compiledir={tempfile.mkdtemp(dir=tmp)}"] if x)
    subprocess.run([py, os.path.abspath(__file__), "--nutpie-worker", out + ".spec.json"], check=True, env=env)
    with open(out + ".json") as f:
        res = json.load(f)
    arr = np.load(out + ".npy")
    res["draws"] = {n: arr[i] for i, n in enumerate(res.pop("names"))}
    return res


# ---------------------------------------------------------------- statistics and report

def is_constant(x):
    import numpy as np

    return float(np.ptp(x)) <= 1e-12 * max(1.0, float(np.max(np.abs(x))))


def summarize(res):
    """ESS, means and the per-gradient figures of one sampler on one model; drops the draws."""
    import arviz as az
    import numpy as np

    draws = res.pop("draws")
    kept = {n: x for n, x in draws.items() if not is_constant(x)}
    ess = {n: float(az.ess(x, method="bulk")) for n, x in kept.items()}
    res["means"] = {n: float(np.mean(x)) for n, x in kept.items()}
    res["mcse_mean"] = {n: float(az.mcse(x, method="mean")) for n, x in kept.items()}
    res["ess_bulk"] = ess
    res["skipped_constant"] = sorted(set(draws) - set(kept))
    worst = min(ess, key=ess.get)
    grads = sum(res["n_grad"])
    sampling_s = sum(res["chain_s"])
    res.update({
        "sampling_s": sampling_s,
        "n_grad_total": grads,
        "ess_bulk_min": ess[worst],
        "worst": worst,
        "ess_per_1000_grad": 1000.0 * ess[worst] / grads,
        "ess_per_s": ess[worst] / sampling_s,
        "ess_per_s_with_setup": ess[worst] / (sampling_s + res["setup_s"]),
        "us_per_grad": 1e6 * sampling_s / grads,
    })
    return res


def compare_means(results, z_warn):
    """For each pair of samplers, the largest |difference of means| / sqrt(MCSE_a^2 + MCSE_b^2)."""
    out = {}
    names = list(results)
    for i, s in enumerate(names):
        for t in names[i + 1:]:
            ms, mt = results[s]["means"], results[t]["means"]
            es, et = results[s]["mcse_mean"], results[t]["mcse_mean"]
            common = [n for n in ms if n in mt]
            missing = sorted(set(ms) ^ set(mt))
            z = {n: abs(ms[n] - mt[n]) / max((es[n] ** 2 + et[n] ** 2) ** 0.5, 1e-300) for n in common}
            worst = max(z, key=z.get)
            out[f"{s}-{t}"] = {"z_max": z[worst], "worst": worst, "compared": len(common), "not_in_both": missing,
                               "ok": z[worst] <= z_warn and not missing}
    return out


def report_model(name, results, agreement, a):
    spec = MODELS[name]
    print()
    print(f"## {name}: {spec['title']} ({spec['cmod']})")
    line = f"{a.chains} chains x ({a.iter_warmup} warmup + {a.iter_sampling} draws), one chain at a time on one core"
    if a.cmod_args and "cmod" in results:
        line += f"; cmod run {a.cmod_args}"
    if "nutpie" in results:
        line += f"; nutpie adaptation {results['nutpie']['adaptation']}"
    print(line)
    print()
    print("| sampler | setup s | sampling s | gradients (warmup incl.) | min bulk-ESS (entry) | ESS / 1000 grads "
          "| ESS/s | ESS/s with setup | µs / gradient | divergences |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s, r in results.items():
        print(f"| {s} | {r['setup_s']:.2f} | {r['sampling_s']:.3f} | {r['n_grad_total']} "
              f"| {r['ess_bulk_min']:.0f} ({r['worst']}) | {r['ess_per_1000_grad']:.2f} | {r['ess_per_s']:.1f} "
              f"| {r['ess_per_s_with_setup']:.1f} | {r['us_per_grad']:.2f} | {sum(r['divergent'])} |")
    for s, r in results.items():
        steps = " ".join(f"{h:.3g}" for h in r["stepsize"])
        depth = " ".join(f"{h:.2f}" for h in r["treedepth_mean"])
        print(f"{s}: per chain: seconds {' '.join(f'{x:.3f}' for x in r['chain_s'])}; gradients "
              f"{' '.join(str(g) for g in r['n_grad'])}; final step size {steps}; mean tree depth {depth}")
    for pair, c in agreement.items():
        line = (f"posterior means, {pair}: largest |difference| / MCSE {c['z_max']:.2f} ({c['worst']}) "
                f"over {c['compared']} entries")
        if c["not_in_both"]:
            line += f"; not in both: {', '.join(c['not_in_both'])}"
        print(line)
        if not c["ok"]:
            print(f"WARNING: {name}: {pair} posterior means differ by more than {a.z_warn} MCSE "
                  f"({c['worst']}: z = {c['z_max']:.2f}) or have different entries")
    sys.stdout.flush()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--nutpie-worker":
        nutpie_worker(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(MODELS), help=f"a subset of {','.join(MODELS)}")
    ap.add_argument("--samplers", default=",".join(SAMPLERS), help="a subset of cmod,stan,nutpie")
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--iter-warmup", type=int, default=1000)
    ap.add_argument("--iter-sampling", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1, help="cmod's --seed; Stan's and nutpie's chain c gets SEED + c")
    ap.add_argument("--cmod", default=None, help="the cmod binary (default: target/release/cmod)")
    ap.add_argument("--cmod-args", default="",
                    help='extra flags for cmod run, e.g. --cmod-args="--adaptation stan" (with "=" for a single flag)')
    ap.add_argument("--nutpie-low-rank", action="store_true", help="nutpie's low-rank modified mass matrix")
    ap.add_argument("--nutpie-warm-cache", action="store_true",
                    help="keep PyTensor's usual compile cache (default: a fresh one, so the setup is a cold compile)")
    ap.add_argument("--z-warn", type=float, default=4.0,
                    help="warn when two samplers' means differ by more than this many MCSE")
    ap.add_argument("--json", default=None, help="write the raw numbers here")
    a = ap.parse_args()
    models = [m.strip() for m in a.models.split(",") if m.strip()]
    samplers = [s.strip() for s in a.samplers.split(",") if s.strip()]
    for m in models:
        if m not in MODELS:
            ap.error(f"unknown model {m!r}; the models are {', '.join(MODELS)}")
    for s in samplers:
        if s not in SAMPLERS:
            ap.error(f"unknown sampler {s!r}; the samplers are {', '.join(SAMPLERS)}")
    binary = a.cmod or os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "release", "cmod")
    binary = os.path.abspath(binary)
    if "cmod" in samplers and not os.path.exists(binary):
        sys.exit(f"peers: no cmod binary at {binary}: build it with `cargo build --release`, or give --cmod")
    a.cmod = binary
    if a.json:
        a.json = os.path.abspath(a.json)
    reexec_in_venv()
    if "nutpie" in samplers:
        nutpie_python()
    os.makedirs(CACHE, exist_ok=True)
    open(STAN_LOG, "w").close()
    out = {"args": vars(a), "loadavg": [os.getloadavg()], "started": time.strftime("%Y-%m-%d %H:%M:%S"),
           "models": {}}
    out["commit"] = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True,
                                   text=True).stdout.strip()
    if "cmod" in samplers:
        out["cmod_version"] = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    if "stan" in samplers:
        import httpstan
        import stan

        out["stan_versions"] = {"pystan": stan.__version__, "httpstan": httpstan.__version__}
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        os.chdir(tmp)  # httpstan's build_ext writes a build/ directory into the working directory
        for name in models:
            spec = MODELS[name]
            model = os.path.join(REPO, spec["cmod"])
            data = data_path(name)
            with open(model) as f:
                program = f.read()
            with open(data) as f:
                data_dict = json.load(f)
            results = {}
            for s in samplers:
                log(f"{name}: {s}")
                if s == "cmod":
                    r = run_cmod(binary, model, data, spec["params"], a, os.path.join(tmp, f"cmod-{name}"))
                elif s == "stan":
                    r = run_stan(program, data_dict, spec["params"], a)
                else:
                    r = run_nutpie(name, data, spec["params"], a, tmp)
                results[s] = summarize(r)
                out["loadavg"].append(os.getloadavg())
            agreement = compare_means(results, a.z_warn) if len(results) > 1 else {}
            report_model(name, results, agreement, a)
            out["models"][name] = {"data": data, "samplers": results, "mean_agreement": agreement}
            if a.json:  # after every model, so a long run keeps what it has
                with open(a.json, "w") as f:
                    json.dump(out, f, indent=1)
    print()
    print(f"1-minute load average before and after each sampler: {[round(x[0], 2) for x in out['loadavg']]}")


if __name__ == "__main__":
    main()
