#include "winograd_tiles.h"

#include "instruction_set.h"
#include "tile_places.h"

/* The passes between F(4,3)'s tiles and output rows with sixteen tiles in the lanes of
 * AVX-512 vectors. Where the AVX2 passes move each of a tile's 16 outputs as a scalar
 * (lanes are tiles; a tile's row is 4 adjacent floats of the output), these transpose each
 * row of four vectors in registers so that a tile's row moves as one 4-float vector: 4
 * stores (or loads) a tile instead of 16. */

#ifdef MIMIC_X86
/* A 4x4 transpose within each 128-bit lane: out[i] lane k element j = in[j] element 4k + i.
 * With in[j] holding column j of sixteen tiles (lane l: tile l), out[i]'s lane k holds tile
 * 4k+i's four values in column order; the same transpose takes them back. */
AVX512 static inline void transpose_within_lanes(const __m512 in[4], __m512 out[4]) {
    __m512 a = _mm512_unpacklo_ps(in[0], in[1]), b = _mm512_unpackhi_ps(in[0], in[1]);
    __m512 d = _mm512_unpacklo_ps(in[2], in[3]), e = _mm512_unpackhi_ps(in[2], in[3]);
    out[0] = _mm512_shuffle_ps(a, d, 0x44);
    out[1] = _mm512_shuffle_ps(a, d, 0xEE);
    out[2] = _mm512_shuffle_ps(b, e, 0x44);
    out[3] = _mm512_shuffle_ps(b, e, 0xEE);
}

/* AVX's masked moves for a tile clipped at the right edge: lanes below `cols`. */
AVX512 static inline __m128i first_lanes(int cols) {
    return _mm_cmpgt_epi32(_mm_set1_epi32(cols), _mm_setr_epi32(0, 1, 2, 3));
}

AVX512 static inline __mmask16 live_lanes(long lanes) { return lanes >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << lanes) - 1); }

/* a[row][k] = At[row][k] in every lane. */
AVX512 static inline void broadcast_at(const float *at, __m512 a[4][6]) {
    for (long row = 0; row < 4; row++)
        for (long k = 0; k < 6; k++) a[row][k] = _mm512_set1_ps(at[row * 6 + k]);
}

/* Sixteen lanes of At M A: M[i][j] is loaded from in + (6 i + j) * point_stride (lanes past
 * `live` read as zero); y[row * 4 + col] = sum_i At[row][i] half[i][col], with
 * half[i][col] = sum_j At[col][j] M[i][j]. */
AVX512 static inline void tile_outputs(const float *in, long point_stride, __mmask16 live, __m512 a[4][6], __m512 y[16]) {
    __m512 half[6][4];
    for (long i = 0; i < 6; i++) {
        __m512 values[6];
        for (long j = 0; j < 6; j++) values[j] = _mm512_maskz_loadu_ps(live, in + (6 * i + j) * point_stride);
        for (long col = 0; col < 4; col++) {
            __m512 s = _mm512_mul_ps(a[col][0], values[0]);
            for (long j = 1; j < 6; j++) s = _mm512_fmadd_ps(a[col][j], values[j], s);
            half[i][col] = s;
        }
    }
    for (long row = 0; row < 4; row++)
        for (long col = 0; col < 4; col++) {
            __m512 s = _mm512_mul_ps(a[row][0], half[0][col]);
            for (long i = 1; i < 6; i++) s = _mm512_fmadd_ps(a[row][i], half[i][col], s);
            y[row * 4 + col] = s;
        }
}

AVX512 void output_avx512_m4(const float *product, float *out, long point_stride, long filters, long columns, long m,
                             long out_w, const tile_place *places, const float *at, long filter_stride) {
    (void)m;
    __m512 a[4][6];
    broadcast_at(at, a);
    for (long f = 0; f < filters; f++) {
        float *row_out = out + f * filter_stride;
        const float *in = product + f * columns;
        for (long q = 0; q < columns; q += 16) {
            long lanes = columns - q < 16 ? columns - q : 16;
            __m512 y[16];
            tile_outputs(in + q, point_stride, live_lanes(lanes), a, y);
            for (long row = 0; row < 4; row++) {
                __m512 w[4];
                transpose_within_lanes(y + 4 * row, w);
                float spill[4][16];
                for (long i = 0; i < 4; i++) _mm512_storeu_ps(spill[i], w[i]);
                for (long lane = 0; lane < lanes; lane++) {
                    const tile_place *place = places + q + lane;
                    if (row >= place->rows) continue;
                    float *target = row_out + place->origin + row * out_w;
                    __m128 values = _mm_loadu_ps(spill[lane % 4] + 4 * (lane / 4));
                    if (place->cols == 4) _mm_storeu_ps(target, values);
                    else _mm_maskstore_ps(target, first_lanes(place->cols), values);
                }
            }
        }
    }
}

AVX512 void output_gradient_avx512_m4(const float *dy, float *d, long point_stride, long filters, long columns, long m,
                                      long out_w, const tile_place *places, const float *at, long filter_stride) {
    (void)m;
    __m512 a[4][6];
    broadcast_at(at, a);
    for (long f = 0; f < filters; f++) {
        const float *row_in = dy + f * filter_stride;
        float *target = d + f * columns;
        for (long q = 0; q < columns; q += 16) {
            long lanes = columns - q < 16 ? columns - q : 16;
            __mmask16 live = live_lanes(lanes);
            /* tile[row][col] over the sixteen lanes, zero past the map's edges and past the last tile. */
            __m512 tile[4][4];
            for (long row = 0; row < 4; row++) {
                float spill[4][16] = {{0}};
                for (long lane = 0; lane < lanes; lane++) {
                    const tile_place *place = places + q + lane;
                    if (row >= place->rows) continue;
                    const float *source = row_in + place->origin + row * out_w;
                    __m128 values = place->cols == 4 ? _mm_loadu_ps(source) : _mm_maskload_ps(source, first_lanes(place->cols));
                    _mm_storeu_ps(spill[lane % 4] + 4 * (lane / 4), values);
                }
                __m512 w[4];
                for (long i = 0; i < 4; i++) w[i] = _mm512_loadu_ps(spill[i]);
                transpose_within_lanes(w, tile[row]);
            }
            /* half[i][col] = sum_row At[row][i] tile[row][col]; D[i][j] = sum_col half[i][col] At[col][j]. */
            __m512 half[6][4];
            for (long i = 0; i < 6; i++) {
                for (long col = 0; col < 4; col++) {
                    __m512 s = _mm512_mul_ps(a[0][i], tile[0][col]);
                    for (long row = 1; row < 4; row++) s = _mm512_fmadd_ps(a[row][i], tile[row][col], s);
                    half[i][col] = s;
                }
            }
            for (long i = 0; i < 6; i++) {
                for (long j = 0; j < 6; j++) {
                    __m512 s = _mm512_mul_ps(half[i][0], a[0][j]);
                    for (long col = 1; col < 4; col++) s = _mm512_fmadd_ps(half[i][col], a[col][j], s);
                    _mm512_mask_storeu_ps(target + (6 * i + j) * point_stride + q, live, s);
                }
            }
        }
    }
}
#endif


#ifdef MIMIC_X86
/* The fused path's output pass (mimic_winograd_output_by_filters): for each tile, sixteen
 * filters per vector from the packed GEMM's [tile][filter] products, then a 16 x 16
 * transpose, so that each filter's 4x4 outputs are one vector whose rows go out as four
 * masked stores. */
AVX512 void output_by_filters_avx512_m4(const float *product, long point_stride, long count, long first, long columns,
                                        long out_w, const tile_place *places, const float *at, float *out,
                                        long filter_stride) {
    __m512 a[4][6];
    broadcast_at(at, a);
    for (long q = 0; q < columns; q++) {
        const tile_place *place = places + q;
        __mmask16 cols = (__mmask16)((1u << place->cols) - 1);
        const float *in = product + q * count;
        for (long f = 0; f < count; f += 16) {
            long lanes = count - f < 16 ? count - f : 16;
            __m512 y[16];
            tile_outputs(in + f, point_stride, live_lanes(lanes), a, y);
            transpose16(y);
            /* y[l]: filter f + l's outputs, row after row; row r is lanes 4r..4r+3, stored from
             * a base 4r floats back so that they land at the row's start. */
            for (long l = 0; l < lanes; l++) {
                float *tile = out + (first + f + l) * filter_stride + place->origin;
                for (long row = 0; row < place->rows; row++)
                    _mm512_mask_storeu_ps(tile + row * (out_w - 4), (__mmask16)(cols << (4 * row)), y[l]);
            }
        }
    }
}
#endif
