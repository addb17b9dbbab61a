"""Side-by-side throughput: mimicc against PyTorch (../shared/bench/torch_peer.py) on every case
of ../shared/bench/cases.json, interleaved in one run so both see the same machine.

Run from the repository root after `swift build -c release`, with torch installed:
    python3 scripts/bench-vs-torch.py [--steps 10] [--rounds 1] [--cases mlp1-1M,cnn2-1M] [--infer] [--batch N] [--no-header]
Each case runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, then as set on this machine;
where neither is set, once, labelled "none set".
With --rounds N, PyTorch and mimicc alternate N times per row: a VM's speed drifts by tens of
percent over minutes, and alternation lets both programs see the same drift. Prints a Markdown
table: the median images/s of each over the rounds, the ratio of the medians, the lowest and
highest ratio of a round's pair, mimicc's GFLOP/s and the peak resident memory of both
processes (GNU time's maximum resident set size, the largest over the rounds).
--batch N runs both at batch N instead of cases.json's 128 (PyTorch through
scripts/torch-peer-at-batch.py, torch_peer.py's network and step at that batch).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")


def run(command, unset):
    env = dict(os.environ)
    if unset:
        for name in VARIABLES:
            env.pop(name, None)
    result = subprocess.run(["/usr/bin/time", "-f", "maxrss %M"] + command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    rate, rss = re.search(r"img/s ([0-9.]+)", result.stdout), re.search(r"maxrss (\d+)", result.stderr)
    if not rate or not rss:
        sys.exit(f"no images/s or peak memory in the output of: {' '.join(command)}\n{result.stdout}{result.stderr}")
    rate, rss = float(rate.group(1)), int(rss.group(1)) / 1024
    gflops = re.search(r"GFLOP/s ([0-9.]+)", result.stdout)
    return rate, (float(gflops.group(1)) if gflops else None), rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="PyTorch and mimicc alternate this many times per row")
    parser.add_argument("--cases", default="")
    parser.add_argument("--infer", action="store_true")
    parser.add_argument("--batch", type=int, default=0, help="both at this batch (default: cases.json's)")
    parser.add_argument("--no-header", action="store_true", help="rows only, to append to an earlier table")
    args = parser.parse_args()
    table = json.load(open(os.path.join(SHARED, "cases.json")))
    cases, batch = list(table["cases"]), table["batch"]
    if args.cases:
        cases = args.cases.split(",")
    mode = ["--infer"] if args.infer else []
    if args.rounds < 1:
        sys.exit("--rounds must be at least 1")
    if not args.no_header:
        print("| case | batch | steps | rounds | OpenBLAS variables | PyTorch img/s | mimicc img/s | ratio | round ratios | "
              "mimicc GFLOP/s | PyTorch MiB | mimicc MiB |")
        print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    present = [name for name in VARIABLES if name in os.environ]
    # Without either variable the two configurations are one: measuring it twice would
    # present noise as an effect of the variables.
    settings = [(True, "unset"), (False, "set")] if present else [(True, "none set")]
    for case in cases:
        for unset, label in settings:
            torch, ours = [], []
            for _ in range(args.rounds):
                peer = ([os.path.join(ROOT, "scripts", "torch-peer-at-batch.py"), case, "--batch", str(args.batch)] if args.batch
                        else [os.path.join(SHARED, "torch_peer.py"), case])
                torch.append(run([sys.executable] + peer + ["--steps", str(args.steps)] + mode, unset))
                ours.append(run([os.path.join(ROOT, ".build/release/mimicc"), "bench", os.path.join(ROOT, "specs/bench", case + ".yaml"),
                                 "--steps", str(args.steps), "--batch", str(args.batch or batch)] + mode, unset))
            if any(r[1] is None for r in ours):
                sys.exit(f"mimicc bench printed no GFLOP/s for {case}")
            theirs_rate = statistics.median(r[0] for r in torch)
            ours_rate = statistics.median(r[0] for r in ours)
            ratios = [o[0] / t[0] for t, o in zip(torch, ours)]
            print(f"| {case} | {args.batch or batch} | {args.steps} | {args.rounds} | {label} | {theirs_rate:.1f} | {ours_rate:.1f} | "
                  f"{ours_rate / theirs_rate:.2f} | {min(ratios):.2f}-{max(ratios):.2f} | "
                  f"{statistics.median(r[1] for r in ours):.1f} | {max(r[2] for r in torch):.0f} | {max(r[2] for r in ours):.0f} |",
                  flush=True)

if __name__ == "__main__":
    main()
