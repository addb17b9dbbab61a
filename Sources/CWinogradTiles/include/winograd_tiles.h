#ifndef MIMIC_WINOGRAD_TILES_H
#define MIMIC_WINOGRAD_TILES_H

/* The input transform of Winograd convolutions with 6x6 tiles (F(2,5), F(4,3)): the one loop
 * of the Winograd path that is neither a GEMM nor a pass over n contiguous columns, written
 * in C so that it can use AVX2 and FMA where the CPU has them (checked at run time) while
 * the rest of mimicc stays built for the x86-64 baseline. */

/* Floats of temporary memory mimic_winograd_input needs. */
long mimic_winograd_input_temporary(long m, long tiles_y, long tiles_x);

/* For one NCHW image [channels][height][width], zero-padded by `padding` on every side, and
 * each of its tiles_y x tiles_x input patches d of 6x6 (tile (ty, tx) starting at row ty*m,
 * column tx*m of the padded image), writes the 36 values of Bt d B:
 *     v[t * point_stride + c * columns + column + ty * tiles_x + tx],  t = 6 * i + j. */
void mimic_winograd_input(const float *image, long channels, long height, long width, long padding,
                          long m, long tiles_y, long tiles_x,
                          float *v, long point_stride, long columns, long column, float *temporary);

/* 1 when mimic_winograd_input runs its AVX2/FMA code. */
int mimic_winograd_vectorized(void);

/* Tests: 1 makes mimic_winograd_input use its portable code even where AVX2 is available. */
void mimic_winograd_force_portable(int portable);

#endif
