"""Side-by-side throughput: mimicc against PyTorch (../shared/bench/torch_peer.py) on every case
of ../shared/bench/cases.json, interleaved in one run so both see the same machine.

Run from the repository root after `swift build -c release`, with torch installed:
    python3 scripts/bench-vs-torch.py [--steps 10] [--cases mlp1-1M,cnn2-1M] [--infer] [--no-header]
Each case runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, then as set on this machine.
Prints a Markdown table: images/s of each, the ratio, mimicc's GFLOP/s and peak resident memory
of both processes (GNU time's maximum resident set size).
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")


def run(command, unset):
    env = dict(os.environ)
    if unset:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    result = subprocess.run(["/usr/bin/time", "-f", "maxrss %M"] + command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    rate = float(re.search(r"img/s ([0-9.]+)", result.stdout).group(1))
    gflops = re.search(r"GFLOP/s ([0-9.]+)", result.stdout)
    rss = int(re.search(r"maxrss (\d+)", result.stderr).group(1)) / 1024
    return rate, (float(gflops.group(1)) if gflops else None), rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--cases", default="")
    parser.add_argument("--infer", action="store_true")
    parser.add_argument("--no-header", action="store_true", help="rows only, to append to an earlier table")
    args = parser.parse_args()
    cases = list(json.load(open(os.path.join(SHARED, "cases.json")))["cases"])
    if args.cases:
        cases = args.cases.split(",")
    mode = ["--infer"] if args.infer else []
    if not args.no_header:
        print("| case | steps | OpenBLAS variables | PyTorch img/s | mimicc img/s | ratio | mimicc GFLOP/s | PyTorch MiB | mimicc MiB |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for case in cases:
        for unset in (True, False):
            torch = run([sys.executable, os.path.join(SHARED, "torch_peer.py"), case, "--steps", str(args.steps)] + mode, unset)
            ours = run([os.path.join(ROOT, ".build/release/mimicc"), "bench", os.path.join(ROOT, "specs/bench", case + ".yaml"),
                        "--steps", str(args.steps)] + mode, unset)
            print(f"| {case} | {args.steps} | {'unset' if unset else 'set'} | {torch[0]:.1f} | {ours[0]:.1f} | {ours[0] / torch[0]:.2f} | "
                  f"{ours[1]:.1f} | {torch[2]:.0f} | {ours[2]:.0f} |", flush=True)


if __name__ == "__main__":
    main()
