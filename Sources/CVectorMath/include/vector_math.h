/* CVectorMath: GELU and its derivative over arrays, called only from MimicKernels. */
#ifndef MIMIC_VECTOR_MATH_H
#define MIMIC_VECTOR_MATH_H

/* The fast recipe applies GELU to about 82,000 values an image and its derivative to as
 * many. Swift's eight-lane vectors compile to pairs of SSE operations for the x86-64
 * baseline mimicc is built for; these run sixteen lanes (AVX-512) or eight (AVX2 with FMA)
 * where the CPU has them, checked at run time. Both sets compute each lane with the same
 * operations in the same order (fused multiply-adds included), so they give the same bits.
 *
 * erf is Abramowitz-Stegun 7.1.26 (absolute error below 1.5e-7); exp is a range reduction
 * and a degree-6 polynomial (relative error about 2e-7), the algorithm of MimicKernels'
 * VectorGELU, which stays the portable twin. */

/* 1 when these functions run (AVX-512, or AVX2 with FMA); 0 when callers must use their own. */
int mimic_gelu_vectorized(void);

/* y[i] = gelu(x[i]); y may be x. */
void mimic_gelu(const float *x, float *y, long count);

/* dx[i] = dy[i] * gelu'(x[i]); dx may be dy. */
void mimic_gelu_gradient(const float *dy, const float *x, float *dx, long count);

/* Tests: 0 lets the CPU choose; 2 forces AVX2 (when the CPU has it); 3 forces neither. */
void mimic_gelu_force(int choice);

#endif
