#include "winograd_tiles.h"

#include <stdlib.h>
#include <string.h>

#include "instruction_set.h"
#include "tile_places.h"

/* 0: the CPU chooses; 2: AVX2 at most; 3: portable code only (see the header). */
static int forced = 0;

void mimic_winograd_force(int choice) { forced = choice; }

int mimic_winograd_lanes(void) {
#ifdef MIMIC_X86
    if (forced == 3 || !__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 1;
    return forced != 2 && __builtin_cpu_supports("avx512f") ? 16 : 8;
#else
    return 1;
#endif
}

int mimic_winograd_vectorized(void) { return mimic_winograd_lanes() > 1; }


/* On the heap, freed by the caller: a large map's tiles would not fit a worker thread's stack. */
static tile_place *tile_places(long columns, long m, long tiles_y, long tiles_x, long out_h, long out_w,
                               long image_stride) {
    tile_place *places = malloc((size_t)columns * sizeof(tile_place));
    if (!places) abort();
    long tiles = tiles_y * tiles_x;
    for (long q = 0; q < columns; q++) {
        long b = q / tiles, ty = (q % tiles) / tiles_x, tx = q % tiles_x;
        long rows = out_h - ty * m, cols = out_w - tx * m;
        places[q].origin = b * image_stride + ty * m * out_w + tx * m;
        places[q].rows = (int)(rows < m ? rows : m);
        places[q].cols = (int)(cols < m ? cols : m);
    }
    return places;
}

/* One tile's outputs At M A into `tile` (rows out_w apart, clipped to the place's rows and
 * columns), M[i][j] read from m_values[(6 i + j) * point_stride]. */
static void portable_tile(const float *m_values, long point_stride, long m, const tile_place *place, const float *at,
                          float *tile, long out_w) {
    float half[6][4];
    for (long i = 0; i < 6; i++) {
        for (long col = 0; col < m; col++) {
            float s = 0;
            for (long j = 0; j < 6; j++) s += at[col * 6 + j] * m_values[(6 * i + j) * point_stride];
            half[i][col] = s;
        }
    }
    for (long row = 0; row < place->rows; row++) {
        for (long col = 0; col < place->cols; col++) {
            float s = 0;
            for (long i = 0; i < 6; i++) s += at[row * 6 + i] * half[i][col];
            tile[row * out_w + col] = s;
        }
    }
}

static void output_portable(const float *product, float *out, long point_stride, long filters, long columns, long m,
                            long out_w, const tile_place *places, const float *at, long filter_stride) {
    for (long f = 0; f < filters; f++)
        for (long q = 0; q < columns; q++)
            portable_tile(product + f * columns + q, point_stride, m, places + q, at,
                          out + f * filter_stride + places[q].origin, out_w);
}

static void output_gradient_portable(const float *dy, float *d, long point_stride, long filters, long columns, long m,
                                     long out_w, const tile_place *places, const float *at, long filter_stride) {
    for (long f = 0; f < filters; f++) {
        for (long q = 0; q < columns; q++) {
            float tile[4][4] = {{0}};
            const float *source = dy + f * filter_stride + places[q].origin;
            for (long row = 0; row < places[q].rows; row++)
                for (long col = 0; col < places[q].cols; col++) tile[row][col] = source[row * out_w + col];
            /* half[i][col] = sum_row A[i][row] tile[row][col], with A[i][row] = At[row][i]. */
            float half[6][4];
            for (long i = 0; i < 6; i++) {
                for (long col = 0; col < m; col++) {
                    float s = 0;
                    for (long row = 0; row < m; row++) s += at[row * 6 + i] * tile[row][col];
                    half[i][col] = s;
                }
            }
            for (long i = 0; i < 6; i++) {
                for (long j = 0; j < 6; j++) {
                    float s = 0;
                    for (long col = 0; col < m; col++) s += half[i][col] * at[col * 6 + j];
                    d[(6 * i + j) * point_stride + f * columns + q] = s;
                }
            }
        }
    }
}

#ifdef MIMIC_X86
/* p[1], p[3], ..., p[15]. */
AVX2 static inline __m256 odd8(const float *p) {
    __m256 mixed = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0xDD);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), 0xD8));
}

/* Eight tiles side by side in one tile row, each whole: their rows are 16 contiguous floats
 * when m = 2, and move as two vectors. */
static int contiguous_pair_row(const tile_place *places, long q, long m) {
    if (m != 2 || places[q + 7].origin != places[q].origin + 14) return 0;
    for (long lane = 0; lane < 8; lane++)
        if (places[q + lane].rows != 2 || places[q + lane].cols != 2) return 0;
    return 1;
}

/* The transforms for one tile size at a time: called with a literal m (2 or 4), so that the
 * compiler unrolls every loop below and keeps the tiles in registers. */
#define INLINE_AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline

INLINE_AVX2 void output_avx2_m(const float *product, long point_stride, long filters, long columns, const long m,
                               long out_w, const tile_place *places, const float *at, float *out, long filter_stride) {
    __m256 a[4][6];
    for (long row = 0; row < m; row++)
        for (long k = 0; k < 6; k++) a[row][k] = _mm256_set1_ps(at[row * 6 + k]);
    for (long f = 0; f < filters; f++) {
        float *row_out = out + f * filter_stride;
        for (long q = 0; q < columns; q += 8) {
            long lanes = columns - q < 8 ? columns - q : 8;
            /* half[i][col] = sum_j At[col][j] M[i][j]; past the last column the loads read the
             * block's padding or the next filter's columns, and those lanes are not stored. */
            __m256 half[6][4];
            for (long i = 0; i < 6; i++) {
                __m256 values[6];
                for (long j = 0; j < 6; j++) values[j] = _mm256_loadu_ps(product + (6 * i + j) * point_stride + f * columns + q);
                for (long col = 0; col < m; col++) {
                    __m256 s = _mm256_mul_ps(a[col][0], values[0]);
                    for (long j = 1; j < 6; j++) s = _mm256_fmadd_ps(a[col][j], values[j], s);
                    half[i][col] = s;
                }
            }
            __m256 y[4][4];
            for (long row = 0; row < m; row++) {
                for (long col = 0; col < m; col++) {
                    __m256 s = _mm256_mul_ps(a[row][0], half[0][col]);
                    for (long i = 1; i < 6; i++) s = _mm256_fmadd_ps(a[row][i], half[i][col], s);
                    y[row][col] = s;
                }
            }
            if (lanes == 8 && contiguous_pair_row(places, q, m)) {
                for (long row = 0; row < 2; row++) {
                    __m256 low = _mm256_unpacklo_ps(y[row][0], y[row][1]), high = _mm256_unpackhi_ps(y[row][0], y[row][1]);
                    float *line = row_out + places[q].origin + row * out_w;
                    _mm256_storeu_ps(line, _mm256_permute2f128_ps(low, high, 0x20));
                    _mm256_storeu_ps(line + 8, _mm256_permute2f128_ps(low, high, 0x31));
                }
                continue;
            }
            float spill[4][4][8];
            for (long row = 0; row < m; row++)
                for (long col = 0; col < m; col++) _mm256_storeu_ps(spill[row][col], y[row][col]);
            for (long lane = 0; lane < lanes; lane++) {
                const tile_place *place = places + q + lane;
                float *tile = row_out + place->origin;
                for (long row = 0; row < place->rows; row++)
                    for (long col = 0; col < place->cols; col++) tile[row * out_w + col] = spill[row][col][lane];
            }
        }
    }
}

INLINE_AVX2 void output_gradient_avx2_m(const float *dy, long filters, long columns, const long m, long out_w,
                                        const tile_place *places, const float *at, float *d, long point_stride, long filter_stride) {
    __m256 a[4][6];
    for (long row = 0; row < m; row++)
        for (long k = 0; k < 6; k++) a[row][k] = _mm256_set1_ps(at[row * 6 + k]);
    for (long f = 0; f < filters; f++) {
        const float *row_in = dy + f * filter_stride;
        for (long q = 0; q < columns; q += 8) {
            long lanes = columns - q < 8 ? columns - q : 8;
            __m256 tile[4][4];
            if (lanes == 8 && contiguous_pair_row(places, q, m)) {
                for (long row = 0; row < 2; row++) {
                    const float *line = row_in + places[q].origin + row * out_w;
                    tile[row][0] = even8(line);
                    tile[row][1] = odd8(line);
                }
            } else {
                float spill[4][4][8] = {{{0}}};
                for (long lane = 0; lane < lanes; lane++) {
                    const tile_place *place = places + q + lane;
                    const float *source = row_in + place->origin;
                    for (long row = 0; row < place->rows; row++)
                        for (long col = 0; col < place->cols; col++) spill[row][col][lane] = source[row * out_w + col];
                }
                for (long row = 0; row < m; row++)
                    for (long col = 0; col < m; col++) tile[row][col] = _mm256_loadu_ps(spill[row][col]);
            }
            /* half[i][col] = sum_row At[row][i] tile[row][col]; D[i][j] = sum_col half[i][col] At[col][j]. */
            __m256 half[6][4];
            for (long i = 0; i < 6; i++) {
                for (long col = 0; col < m; col++) {
                    __m256 s = _mm256_mul_ps(a[0][i], tile[0][col]);
                    for (long row = 1; row < m; row++) s = _mm256_fmadd_ps(a[row][i], tile[row][col], s);
                    half[i][col] = s;
                }
            }
            for (long i = 0; i < 6; i++) {
                for (long j = 0; j < 6; j++) {
                    __m256 s = _mm256_mul_ps(half[i][0], a[0][j]);
                    for (long col = 1; col < m; col++) s = _mm256_fmadd_ps(half[i][col], a[col][j], s);
                    float *target = d + (6 * i + j) * point_stride + f * columns + q;
                    if (lanes == 8) {
                        _mm256_storeu_ps(target, s);
                    } else {
                        float spill[8];
                        _mm256_storeu_ps(spill, s);
                        memcpy(target, spill, (size_t)lanes * sizeof(float));
                    }
                }
            }
        }
    }
}

AVX2 static void output_avx2(const float *product, float *out, long point_stride, long filters, long columns, long m,
                             long out_w, const tile_place *places, const float *at, long filter_stride) {
    if (m == 2) output_avx2_m(product, point_stride, filters, columns, 2, out_w, places, at, out, filter_stride);
    else output_avx2_m(product, point_stride, filters, columns, 4, out_w, places, at, out, filter_stride);
}

AVX2 static void output_gradient_avx2(const float *dy, float *d, long point_stride, long filters, long columns, long m,
                                      long out_w, const tile_place *places, const float *at, long filter_stride) {
    if (m == 2) output_gradient_avx2_m(dy, filters, columns, 2, out_w, places, at, d, point_stride, filter_stride);
    else output_gradient_avx2_m(dy, filters, columns, 4, out_w, places, at, d, point_stride, filter_stride);
}

/* The vectorized output transforms are written for the tile sizes of F(4,3) and F(2,5). */
#define VECTORIZED_OUTPUT(m) (mimic_winograd_vectorized() && ((m) == 2 || (m) == 4))
#else
#define VECTORIZED_OUTPUT(m) 0
#define output_avx2 output_portable
#define output_gradient_avx2 output_gradient_portable
#endif

static void run_tile_pass(tile_pass *pass, const float *in, float *out, long point_stride, long filters, long columns,
                          long filter_stride, long image_stride, long m, long tiles_y, long tiles_x, long out_h,
                          long out_w, const float *at) {
    tile_place *places = tile_places(columns, m, tiles_y, tiles_x, out_h, out_w, image_stride);
    pass(in, out, point_stride, filters, columns, m, out_w, places, at, filter_stride);
    free(places);
}

void mimic_winograd_output(const float *product, long point_stride, long filters, long columns, long filter_stride,
                           long image_stride, long m, long tiles_y, long tiles_x, long out_h, long out_w, const float *at, float *out) {
    tile_pass *pass = VECTORIZED_OUTPUT(m) ? output_avx2 : output_portable;
#ifdef MIMIC_X86
    if (m == 4 && mimic_winograd_lanes() == 16) pass = output_avx512_m4;
#endif
    run_tile_pass(pass, product, out, point_stride, filters, columns, filter_stride, image_stride, m, tiles_y, tiles_x,
                  out_h, out_w, at);
}

void mimic_winograd_output_gradient(const float *dy, long filters, long columns, long filter_stride, long image_stride,
                                    long m, long tiles_y,
                                    long tiles_x, long out_h, long out_w, const float *at, float *d, long point_stride) {
    tile_pass *pass = VECTORIZED_OUTPUT(m) ? output_gradient_avx2 : output_gradient_portable;
#ifdef MIMIC_X86
    if (m == 4 && mimic_winograd_lanes() == 16) pass = output_gradient_avx512_m4;
#endif
    run_tile_pass(pass, dy, d, point_stride, filters, columns, filter_stride, image_stride, m, tiles_y, tiles_x, out_h,
                  out_w, at);
}

int mimic_winograd_fused_vectorized(long m) { return m == 4 && mimic_winograd_lanes() == 16; }

void mimic_winograd_output_by_filters(const float *product, long point_stride, long count, long first, long columns,
                                      long filter_stride, long image_stride, long m, long tiles_y, long tiles_x,
                                      long out_h, long out_w, const float *at, float *out) {
    /* The fused path runs only where this pass has vector code (its callers check first). */
    if (!mimic_winograd_fused_vectorized(m)) abort();
#ifdef MIMIC_X86
    tile_place *places = tile_places(columns, m, tiles_y, tiles_x, out_h, out_w, image_stride);
    output_by_filters_avx512_m4(product, point_stride, count, first, columns, out_w, places, at, out, filter_stride);
    free(places);
#else
    (void)product, (void)point_stride, (void)count, (void)first, (void)columns, (void)filter_stride;
    (void)image_stride, (void)tiles_y, (void)tiles_x, (void)out_h, (void)out_w, (void)at, (void)out;
#endif
}

/* Filters, eight channels at a time in SIMD lanes: U's columns are channels, adjacent. */

static void filters_portable(const float *weights, long filters, long channels, long r, const float *g, float *u,
                             long first_channel) {
    long plane = filters * channels;
    for (long f = 0; f < filters; f++) {
        for (long c = first_channel; c < channels; c++) {
            const float *w = weights + (f * channels + c) * r * r;
            float half[6][5];
            for (long i = 0; i < 6; i++)
                for (long v = 0; v < r; v++) {
                    float s = 0;
                    for (long k = 0; k < r; k++) s += g[i * r + k] * w[k * r + v];
                    half[i][v] = s;
                }
            for (long i = 0; i < 6; i++)
                for (long j = 0; j < 6; j++) {
                    float s = 0;
                    for (long v = 0; v < r; v++) s += half[i][v] * g[j * r + v];
                    u[(6 * i + j) * plane + f * channels + c] = s;
                }
        }
    }
}

static void filter_gradient_portable(const float *e, long filters, long channels, long r, const float *g, float *dw,
                                     long first_channel) {
    long plane = filters * channels;
    for (long f = 0; f < filters; f++) {
        for (long c = first_channel; c < channels; c++) {
            float half[5][6];
            for (long k = 0; k < r; k++)
                for (long j = 0; j < 6; j++) {
                    float s = 0;
                    for (long i = 0; i < 6; i++) s += g[i * r + k] * e[(6 * i + j) * plane + f * channels + c];
                    half[k][j] = s;
                }
            float *w = dw + (f * channels + c) * r * r;
            for (long k = 0; k < r; k++)
                for (long v = 0; v < r; v++) {
                    float s = 0;
                    for (long j = 0; j < 6; j++) s += half[k][j] * g[j * r + v];
                    w[k * r + v] = s;
                }
        }
    }
}

#ifdef MIMIC_X86
INLINE_AVX2 void filters_avx2_r(const float *weights, long filters, long channels, const long r, const float *g, float *u) {
    long plane = filters * channels, whole = channels / 8 * 8;
    __m256 gv[6][5];
    for (long i = 0; i < 6; i++)
        for (long k = 0; k < r; k++) gv[i][k] = _mm256_set1_ps(g[i * r + k]);
    int lanes[8];
    for (int lane = 0; lane < 8; lane++) lanes[lane] = lane * (int)(r * r);
    __m256i stride = _mm256_loadu_si256((const __m256i *)lanes);
    for (long f = 0; f < filters; f++) {
        for (long c = 0; c < whole; c += 8) {
            const float *w = weights + (f * channels + c) * r * r;
            __m256 half[6][5];
            for (long v = 0; v < r; v++) {
                __m256 column[5];
                for (long k = 0; k < r; k++) column[k] = _mm256_i32gather_ps(w + k * r + v, stride, 4);
                for (long i = 0; i < 6; i++) {
                    __m256 s = _mm256_mul_ps(gv[i][0], column[0]);
                    for (long k = 1; k < r; k++) s = _mm256_fmadd_ps(gv[i][k], column[k], s);
                    half[i][v] = s;
                }
            }
            for (long i = 0; i < 6; i++)
                for (long j = 0; j < 6; j++) {
                    __m256 s = _mm256_mul_ps(half[i][0], gv[j][0]);
                    for (long v = 1; v < r; v++) s = _mm256_fmadd_ps(half[i][v], gv[j][v], s);
                    _mm256_storeu_ps(u + (6 * i + j) * plane + f * channels + c, s);
                }
        }
    }
    if (whole < channels) filters_portable(weights, filters, channels, r, g, u, whole);
}

INLINE_AVX2 void filter_gradient_avx2_r(const float *e, long filters, long channels, const long r, const float *g, float *dw) {
    long plane = filters * channels, whole = channels / 8 * 8;
    __m256 gv[6][5];
    for (long i = 0; i < 6; i++)
        for (long k = 0; k < r; k++) gv[i][k] = _mm256_set1_ps(g[i * r + k]);
    for (long f = 0; f < filters; f++) {
        for (long c = 0; c < whole; c += 8) {
            __m256 half[5][6];
            for (long j = 0; j < 6; j++) {
                __m256 column[6];
                for (long i = 0; i < 6; i++) column[i] = _mm256_loadu_ps(e + (6 * i + j) * plane + f * channels + c);
                for (long k = 0; k < r; k++) {
                    __m256 s = _mm256_mul_ps(gv[0][k], column[0]);
                    for (long i = 1; i < 6; i++) s = _mm256_fmadd_ps(gv[i][k], column[i], s);
                    half[k][j] = s;
                }
            }
            float spill[5][5][8];
            for (long k = 0; k < r; k++)
                for (long v = 0; v < r; v++) {
                    __m256 s = _mm256_mul_ps(half[k][0], gv[0][v]);
                    for (long j = 1; j < 6; j++) s = _mm256_fmadd_ps(half[k][j], gv[j][v], s);
                    _mm256_storeu_ps(spill[k][v], s);
                }
            for (long lane = 0; lane < 8; lane++) {
                float *w = dw + (f * channels + c + lane) * r * r;
                for (long k = 0; k < r; k++)
                    for (long v = 0; v < r; v++) w[k * r + v] = spill[k][v][lane];
            }
        }
    }
    if (whole < channels) filter_gradient_portable(e, filters, channels, r, g, dw, whole);
}

AVX2 static void filters_avx2(const float *weights, long filters, long channels, long r, const float *g, float *u) {
    if (r == 3) filters_avx2_r(weights, filters, channels, 3, g, u);
    else filters_avx2_r(weights, filters, channels, 5, g, u);
}

AVX2 static void filter_gradient_avx2(const float *e, long filters, long channels, long r, const float *g, float *dw) {
    if (r == 3) filter_gradient_avx2_r(e, filters, channels, 3, g, dw);
    else filter_gradient_avx2_r(e, filters, channels, 5, g, dw);
}

/* The vectorized filter transforms are written for 3x3 and 5x5 filters. */
#define VECTORIZED_FILTERS(r) (mimic_winograd_vectorized() && ((r) == 3 || (r) == 5))
#else
#define VECTORIZED_FILTERS(r) 0
#define filters_avx2(w, f, c, r, g, u) filters_portable(w, f, c, r, g, u, 0)
#define filter_gradient_avx2(e, f, c, r, g, dw) filter_gradient_portable(e, f, c, r, g, dw, 0)
#endif

void mimic_winograd_filters(const float *weights, long filters, long channels, long r, const float *g, float *u) {
    if (VECTORIZED_FILTERS(r)) filters_avx2(weights, filters, channels, r, g, u);
    else filters_portable(weights, filters, channels, r, g, u, 0);
}

void mimic_winograd_filter_gradient(const float *e, long filters, long channels, long r, const float *g, float *dw) {
    if (VECTORIZED_FILTERS(r)) filter_gradient_avx2(e, filters, channels, r, g, dw);
    else filter_gradient_portable(e, filters, channels, r, g, dw, 0);
}
