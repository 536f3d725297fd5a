#!/usr/bin/env python3
"""Makes a golden directory for bench_logprob from any models: Stan's log
density and gradient at the default point, so that models without a file in
../shared/golden/logprob can be timed against Stan too.

    python3 bench/stan_points.py OUT_DIR MODEL.cmod DATA.json [MODEL.cmod DATA.json ...]
    cargo run --release --example bench_logprob -- --golden OUT_DIR

For each model, OUT_DIR gets NAME.stan (the source), NAME.data.json and
NAME.json in the golden format (one point, u[i] = 0.1 * ((i % 11) - 5), as
the Stan harness's default), built and evaluated with stan_grad.py.
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STAN_GRAD = os.path.join(HERE, "stan_grad.py")


def run_stan(model, data, point):
    out = subprocess.run(
        [sys.executable, STAN_GRAD, model, data, point, "--target-s", "0.01", "--repeats", "1"],
        capture_output=True, text=True,
    )
    return out


def main(argv):
    if len(argv) < 3 or len(argv) % 2 != 1:
        sys.exit(__doc__)
    out_dir = argv[0]
    os.makedirs(out_dir, exist_ok=True)
    for model, data in zip(argv[1::2], argv[2::2]):
        name = os.path.splitext(os.path.basename(model))[0]
        stan_path = os.path.join(out_dir, f"{name}.stan")
        data_path = os.path.join(out_dir, f"{name}.data.json")
        shutil.copyfile(model, stan_path)
        shutil.copyfile(data, data_path)
        # The harness names the dimension when the point has the wrong size.
        probe = os.path.join(out_dir, f"{name}.probe.json")
        with open(probe, "w") as f:
            json.dump({"u": [0.0]}, f)
        probed = run_stan(stan_path, data_path, probe)
        message = probed.stdout + probed.stderr
        os.remove(probe)
        words = message.split("model needs ")
        if len(words) < 2:
            dim = 1
        else:
            dim = int(words[1].split()[0])
        u = [0.1 * ((i % 11) - 5) for i in range(dim)]
        point = os.path.join(out_dir, f"{name}.point.json")
        with open(point, "w") as f:
            json.dump({"u": u}, f)
        result = run_stan(stan_path, data_path, point)
        if result.returncode != 0:
            sys.exit(f"stan_points: {name}: {result.stderr.strip()}")
        stan = json.loads(result.stdout)
        golden = {
            "name": name,
            "data": os.path.basename(data_path),
            "dim": dim,
            "stan": "Stan via bench/stan_grad.py",
            "points": [
                {
                    "u": u,
                    "lp_full_jac": stan["lp_full_jac"],
                    "lp_full_nojac": stan["lp_full_nojac"],
                    "lp_propto_jac": stan["lp_propto_jac"],
                    "grad": stan["grad"],
                }
            ],
        }
        with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
            json.dump(golden, f)
        print(f"{name}: dimension {dim}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
