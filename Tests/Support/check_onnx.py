#!/usr/bin/env python3
"""Checks an ONNX model written by `mimicc export` against `mimicc logits`.

Usage: check_onnx.py MODEL.onnx IMAGES.npy LAYOUT EXPECTED.npy [TOLERANCE]

IMAGES.npy holds the images as the spec reads them (uint8, or float32), LAYOUT is nhwc or
nchw; EXPECTED.npy is `mimicc logits --split test` of the same run. The model must pass
onnx's checker (when the onnx package is installed), run in onnxruntime on a batch size it
was not written for, and give logits within TOLERANCE (default 1e-4) of mimicc's.
Exit status: 0 agree, 1 they do not, 77 onnxruntime is not installed (the caller skips).
"""
import sys

import numpy as np

try:
    import onnxruntime
except ImportError:
    print("onnxruntime is not installed", file=sys.stderr)
    sys.exit(77)

model, images, layout, expected = sys.argv[1:5]
tolerance = float(sys.argv[5]) if len(sys.argv) > 5 else 1e-4
try:
    import onnx
    onnx.checker.check_model(onnx.load(model), full_check=True)
except ImportError:
    pass

x = np.load(images)
if x.ndim == 3:
    x = x[:, None, :, :]
elif layout == "nhwc":
    x = x.transpose(0, 3, 1, 2)
x = x.astype(np.float32) / 255 if x.dtype == np.uint8 else x.astype(np.float32)
want = np.load(expected)
session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
# Two batches of different sizes: the batch dimension is dynamic.
half = len(x) // 3
got = np.concatenate([session.run(["logits"], {"images": x[:half]})[0], session.run(["logits"], {"images": x[half:]})[0]])
difference = float(np.max(np.abs(got - want)))
scale = float(np.max(np.abs(want)))
print(f"max |onnx - mimicc| = {difference:.3g} over {want.shape[0]} x {want.shape[1]} logits (largest |logit| {scale:.3g})")
sys.exit(0 if got.shape == want.shape and difference <= tolerance * max(1.0, scale) else 1)
