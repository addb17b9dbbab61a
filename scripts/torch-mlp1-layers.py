#!/usr/bin/env python3
"""Times each layer of mlp1-1M's forward pass in PyTorch (batch 128, 2 threads): the peer of
`mimicc bench specs/bench/mlp1-1M.yaml --infer --profile`, to see which GEMM the gap is in.
Needs `pip install torch`. Medians of 500 calls after 50 warm-up calls."""
import torch, time
torch.set_num_threads(2)
x=torch.randn(128,3072)
l1=torch.nn.Linear(3072,193); l2=torch.nn.Linear(193,2000); l3=torch.nn.Linear(2000,10)
h1=l1(x); h2=torch.relu(l2(h1))
def t(f,n=500):
    for _ in range(50): f()
    ts=[]
    for _ in range(n):
        s=time.perf_counter(); f(); ts.append(time.perf_counter()-s)
    ts.sort(); return ts[len(ts)//2]*1e3
with torch.no_grad():
    print("l1 %.3f ms"%t(lambda: l1(x)))
    print("l2+relu %.3f ms"%t(lambda: torch.relu(l2(h1))))
    print("l3 %.3f ms"%t(lambda: l3(h2)))
    print("all %.3f ms"%t(lambda: l3(torch.relu(l2(l1(x))))))
