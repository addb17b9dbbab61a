/* CWinogradTiles: the Winograd tile transforms in C, called only from MimicKernels. */
#ifndef MIMIC_WINOGRAD_TILES_H
#define MIMIC_WINOGRAD_TILES_H

/* The tile transforms of Winograd convolutions with 6x6 tiles (F(2,5), F(4,3)), the loops
 * of the Winograd path around its GEMMs, written in C so that they can use AVX-512, or AVX2
 * and FMA, where the CPU has them (checked at run time) while the rest of mimicc stays built
 * for the x86-64 baseline. Each has a portable twin; the tests run every version the CPU has.
 *
 * Tile columns: column q of a point's block is image q / (tiles_y * tiles_x), then tile row
 * and tile column in order. `at` is the m x 6 output matrix At of the tile size, row-major. */

/* Two input transforms, which write V in two layouts. Each, for one NCHW image [channels]
 * [height][width], zero-padded by `padding` on every side, and each of its tiles_y x tiles_x
 * input patches d of 6x6 (tile (ty, tx) starting at row ty*m, column tx*m of the padded
 * image), writes the 36 values of Bt d B, t = 6 * i + j.
 *
 * Channels adjacent (input_tiles.c: lanes over channels, AVX-512 or AVX2):
 *     v[t * point_stride + (column + ty * tiles_x + tx) * channels + c],
 * so V_t is [tiles][channels], the row operand of the packed GEMM of the fused path. */
long mimic_winograd_input_channels_adjacent_temporary(long channels, long m, long tiles_y, long tiles_x);
void mimic_winograd_input_channels_adjacent(const float *image, long channels, long height, long width, long padding,
                                            long m, long tiles_y, long tiles_x, float *v, long point_stride, long column,
                                            float *temporary);

/* Tiles adjacent (input_tiles_adjacent.c: lanes over tiles, AVX2), V_t [channels][columns]:
 *     v[t * point_stride + c * columns + column + ty * tiles_x + tx]. */
long mimic_winograd_input_tiles_adjacent_temporary(long m, long tiles_y, long tiles_x);
void mimic_winograd_input_tiles_adjacent(const float *image, long channels, long height, long width, long padding,
                                         long m, long tiles_y, long tiles_x, float *v, long point_stride, long columns,
                                         long column, float *temporary);

/* The outputs of filter f and image b: the oh x ow map at f * filter_stride + b * image_stride.
 * Rows [F][images * oh * ow] (a GEMM's output layout) have filter_stride = images * oh * ow
 * and image_stride = oh * ow; NCHW maps have filter_stride = oh * ow and image_stride =
 * filters * oh * ow. */

/* out = At M A for each tile's 6x6 products M, read from product[t * point_stride + f * columns + q];
 * tiles are clipped at the bottom and right edge. */
void mimic_winograd_output(const float *product, long point_stride, long filters, long columns, long filter_stride,
                           long image_stride, long m, long tiles_y, long tiles_x, long out_h, long out_w, const float *at,
                           float *out);

/* The same for the fused path, whose products come from the packed GEMM as [tile][filter]:
 * the maps of filters first..<first+count from product[t * point_stride + q * count + f - first].
 * Only where mimic_winograd_fused_vectorized(m) (the fused path has no other code; it aborts). */
void mimic_winograd_output_by_filters(const float *product, long point_stride, long count, long first, long columns,
                                      long filter_stride, long image_stride, long m, long tiles_y, long tiles_x,
                                      long out_h, long out_w, const float *at, float *out);

/* 1 when the fused path's output pass has code for tiles of m outputs here (F(4,3) with
 * AVX-512); elsewhere the unfused path, whose passes are vectorised, runs instead. */
int mimic_winograd_fused_vectorized(long m);

/* d[t * point_stride + f * columns + q] = (A dY At)[t] for each tile's m x m output gradient dY
 * read from the maps at dy, positions past the bottom and right edge taken as zero. */
void mimic_winograd_output_gradient(const float *dy, long filters, long columns, long filter_stride, long image_stride,
                                    long m, long tiles_y, long tiles_x, long out_h, long out_w, const float *at, float *d,
                                    long point_stride);

/* u[t * filters * channels + f * channels + c] = (G w G^T)[t] for each r x r filter w of
 * weights [filters][channels][r][r]; g is the 6 x r matrix G, row-major. */
void mimic_winograd_filters(const float *weights, long filters, long channels, long r, const float *g, float *u);

/* dw[f][c][r][r] = G^T E G for each filter's 6x6 sum E, read from e[t * filters * channels + f * channels + c]. */
void mimic_winograd_filter_gradient(const float *e, long filters, long channels, long r, const float *g, float *dw);

/* 1 when the transforms run vector code (AVX2 and FMA, or AVX-512). */
int mimic_winograd_vectorized(void);

/* Float lanes of the widest code the transforms use: 16 (AVX-512), 8 (AVX2 and FMA) or 1. */
int mimic_winograd_lanes(void);

/* Tests: 0 lets the CPU choose; 2 allows AVX2 at most; 3 forces the portable code. */
void mimic_winograd_force(int choice);

#endif
