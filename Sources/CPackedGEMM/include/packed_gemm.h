/* CPackedGEMM: dense layers' products against weights packed once, called only from MimicKernels. */
#ifndef MIMIC_PACKED_GEMM_H
#define MIMIC_PACKED_GEMM_H

/* An inference plan multiplies every batch by the same weights. OpenBLAS packs both operands
 * on every call: for a layer 128 x 3072 x 193 that is 2.4 MB of weights and 1.5 MB of inputs
 * copied for 150 MFLOP. These kernels read the weights from a copy packed once (panels of
 * `mimic_packed_panel_width()` output columns, each k rows deep) and the inputs where they
 * are, broadcasting each input value, so nothing is copied per call.
 *
 *   c[i][j] = bias[j] + sum over t of a[i][t] * w[j][t]    (then max(0, .) if relu)
 *
 * for w [n][k] row-major (a dense layer's [out][in] weights). Each value is summed over t in
 * order, one fused multiply-add at a time, whatever the split of the work, so any split
 * (and either instruction set) gives the same bits.
 *
 * Work items are (panel, tile of rows) pairs, panel-major: items(m, n) of them. A caller
 * splits 0..<items over threads in contiguous ranges; each range writes its own tiles of c. */

/* Output columns per panel for this CPU: 32 with AVX-512, 16 with AVX2 and FMA, 0 when the
 * CPU has neither (callers then use BLAS). */
long mimic_packed_panel_width(void);

/* Floats of the packed copy of weights [n][k]. */
long mimic_packed_floats(long n, long k);

/* Packs w [n][k] (row stride k) into `packed` (mimic_packed_floats(n, k) floats). Panels
 * first..<end only, so packing can be split over threads too. */
void mimic_pack_weights(const float *w, long n, long k, float *packed, long first_panel, long end_panel);

/* Panels of n columns. */
long mimic_packed_panels(long n);

/* Work items of a product with m rows and n columns. */
long mimic_packed_items(long m, long n);

/* Items first..<end of c [m][n] (row stride ldc) = a [m][k] (row stride lda) x packed^T,
 * plus bias [n] when it is not null, then max(0, .) when relu is nonzero. */
void mimic_packed_gemm(long m, long n, long k, const float *a, long lda, const float *packed, const float *bias,
                       int relu, float *c, long ldc, long first_item, long end_item);

/* Tests: 0 lets the CPU choose; 2 forces the AVX2 kernel (when the CPU has it), 3 forces none. */
void mimic_packed_force(int choice);

#endif
