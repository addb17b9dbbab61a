"""../shared/bench/torch_peer.py at another batch size: the same network (its `build`), the same
step (SGD with Nesterov momentum on the mimic loss, or forward only with --infer), the same
output line. torch_peer.py itself always uses cases.json's batch of 128; the fast recipe trains
at 1024. Used by scripts/bench-vs-torch.py --batch.

usage: torch-peer-at-batch.py CASE --batch N [--steps 20] [--threads T] [--infer]
"""
import argparse
import json
import os
import statistics
import sys
import time

SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "shared", "bench")
sys.path.insert(0, SHARED)
import torch  # noqa: E402
import torch_peer  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("case")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--infer", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cases = json.load(open(os.path.join(SHARED, "cases.json")))
    net = torch_peer.build(cases["cases"][a.case])
    print("params", sum(q.numel() for q in net.parameters()))
    n = a.batch
    x = torch.randn(n, 3, 32, 32)
    z = torch.randn(n, 10)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9, nesterov=True)

    def step():
        if a.infer:
            with torch.no_grad():
                net(x)
            return
        loss = ((net(x) - z) ** 2).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(a.steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    print(f"{a.case} {'infer' if a.infer else 'train'} img/s {n / statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
