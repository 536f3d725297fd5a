#!/usr/bin/env python3
"""Builds Stan's C++ for a model (a .cmod file is a Stan program) and times its gradient.

    python3 bench/stan_grad.py MODEL.cmod DATA.json|- POINT.json [--target-s 0.2] [--repeats 5]
    python3 bench/stan_grad.py --build-only MODEL.cmod

Prints one JSON object: Stan's compile times (stanc and g++, measured when the
binary was built; builds are cached) and the harness output (grad_us_median,
lp_double_us_median, lp_full_jac, grad, ...). POINT.json is {"u": [...]}, an
unconstrained point.

Stan comes from the httpstan package (see ../shared/stan/README.md). When the
virtual environment is missing it is created with the same commands:

    python3.12 -m venv $CMOD_STAN_VENV
    $CMOD_STAN_VENV/bin/pip install pystan==3.14.0 httpstan==4.17.0 arviz numpy

CMOD_STAN_VENV defaults to ../.venv-stan next to the repository (never inside
it); the build cache CMOD_BENCH_CACHE defaults to ../.cache/cmod-bench-stan.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
VENV = os.environ.get("CMOD_STAN_VENV", os.path.join(os.path.dirname(REPO), ".venv-stan"))
CACHE = os.environ.get(
    "CMOD_BENCH_CACHE", os.path.join(os.path.dirname(REPO), ".cache", "cmod-bench-stan")
)
HARNESS = os.path.join(HERE, "stan", "grad_harness.cpp")
PACKAGES = ["pystan==3.14.0", "httpstan==4.17.0", "arviz", "numpy"]


def log(msg):
    print(f"[stan_grad] {msg}", file=sys.stderr, flush=True)


def find_python312():
    candidates = []
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        if root:
            candidates.append(os.path.join(root, "versions", "3.12.1", "bin", "python3.12"))
    except OSError:
        pass
    for name in ("python3.12", "python3.13"):
        path = shutil.which(name)
        if path:
            candidates.append(path)
    for c in candidates:
        if os.path.exists(c):
            return c
    sys.exit("stan_grad: pystan 3.14 needs Python 3.12 or newer; none found (pyenv versions?)")


def venv_python():
    """The venv's python, creating the venv and installing Stan when missing."""
    py = os.path.join(VENV, "bin", "python")
    ok = os.path.exists(py) and subprocess.run(
        [py, "-c", "import httpstan, stan"], capture_output=True
    ).returncode == 0
    if not ok:
        log(f"installing Stan into {VENV} (pystan 3.14.0, httpstan 4.17.0)")
        subprocess.run([find_python312(), "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q", *PACKAGES], check=True)
    return py


def httpstan_dir():
    py = venv_python()
    out = subprocess.run(
        [py, "-c", "import httpstan, os; print(os.path.dirname(httpstan.__file__))"],
        capture_output=True, text=True, check=True,
    )
    return out.stdout.strip()


def build(model_path, harness=HARNESS):
    """Returns (binary path, compile info); builds once per (model source, harness)."""
    with open(model_path) as f:
        source = f.read()
    with open(harness) as f:
        harness_src = f.read()
    key = hashlib.sha1((source + "\0" + harness_src).encode()).hexdigest()[:12]
    name = os.path.splitext(os.path.basename(model_path))[0]
    d = os.path.join(CACHE, f"{name}-{key}")
    binary = os.path.join(d, "harness")
    info_path = os.path.join(d, "compile.json")
    if os.path.exists(binary) and os.path.exists(info_path):
        with open(info_path) as f:
            return binary, json.load(f)
    os.makedirs(d, exist_ok=True)
    h = httpstan_dir()
    stan_file = os.path.join(d, "model.stan")
    with open(stan_file, "w") as f:
        f.write(source)
    log(f"building Stan's C++ for {name} in {d} (about a minute)")
    t0 = time.perf_counter()
    subprocess.run(
        [os.path.join(h, "stanc"), "--name", "bench_model", "--o", os.path.join(d, "model.hpp"), stan_file],
        check=True,
    )
    t1 = time.perf_counter()
    subprocess.run(
        ["g++", "-O3", "-std=c++17", "-DNDEBUG", "-DSTAN_THREADS", "-D_REENTRANT",
         "-DBOOST_DISABLE_ASSERTS", "-DBOOST_PHOENIX_NO_VARIADIC_EXPRESSION",
         "-D_GLIBCXX_USE_CXX11_ABI=0", "-Wno-sign-compare", "-Wno-deprecated-declarations",
         f"-I{h}/include", "-include", os.path.join(d, "model.hpp"), harness,
         f"-L{h}/lib", "-ltbb", "-lsundials_cvodes", "-lsundials_idas", "-lsundials_nvecserial",
         f"-Wl,-rpath,{h}/lib", "-o", binary + ".tmp"],
        check=True,
    )
    t2 = time.perf_counter()
    os.replace(binary + ".tmp", binary)
    info = {
        "stanc_s": t1 - t0,
        "gxx_s": t2 - t1,
        "compile_s": t2 - t0,
        "loadavg_at_build": os.getloadavg()[0],
        "built": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    with open(info_path, "w") as f:
        json.dump(info, f)
    return binary, info


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    opts = {}
    i = 0
    while i < len(argv):
        if argv[i] in ("--target-s", "--repeats"):
            opts[argv[i]] = argv[i + 1]
            args.remove(argv[i + 1])
            i += 2
        else:
            if argv[i] == "--build-only":
                opts["--build-only"] = True
            i += 1
    if "--build-only" in opts:
        binary, info = build(args[0])
        print(json.dumps({"binary": binary, **info}))
        return
    if len(args) != 3:
        sys.exit(__doc__)
    model, data, point = args
    binary, info = build(model)
    if data == "-":  # no data block: an empty JSON object
        data = os.path.join(os.path.dirname(binary), "empty.json")
        with open(data, "w") as f:
            f.write("{}")
    out = subprocess.run(
        [binary, data, opts.get("--target-s", "0.2"), opts.get("--repeats", "5"), point],
        capture_output=True, text=True,
    )
    if out.returncode != 0:
        sys.exit(f"stan_grad: harness failed ({out.returncode}): {out.stderr.strip()}")
    result = json.loads(out.stdout)
    print(json.dumps({"compile": info, **result}))


if __name__ == "__main__":
    main(sys.argv[1:])
