#include "winograd_tiles.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define MIMIC_X86 1
#endif

/* Layout of the temporary memory: the zero-padded plane of one channel (hp rows), then the
 * six combined lines Bt d of every tile row (6 * tiles_y rows), all `stride` floats long:
 * the padded width plus room for eight tiles' strided reads past the last tile. */
static long round8(long x) { return (x + 7) / 8 * 8; }
static long padded_width(long m, long tiles_x) { return tiles_x * m + 6 - m; }
static long padded_height(long m, long tiles_y) { return tiles_y * m + 6 - m; }
static long line_stride(long m, long tiles_x) { return round8(padded_width(m, tiles_x) + 8 * m); }

long mimic_winograd_input_temporary(long m, long tiles_y, long tiles_x) {
    return (padded_height(m, tiles_y) + 6 * tiles_y) * line_stride(m, tiles_x) + 8;
}

static int force_portable = 0;

void mimic_winograd_force_portable(int portable) { force_portable = portable; }

int mimic_winograd_vectorized(void) {
#ifdef MIMIC_X86
    return !force_portable && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* One channel into the padded plane's interior; the borders were zeroed once per image and
 * every channel writes the same interior. */
static void pad_plane(const float *source, long height, long width, long padding, long m, long tiles_y,
                      long tiles_x, float *plane) {
    long stride = line_stride(m, tiles_x);
    long rows = padded_height(m, tiles_y) - padding, span = padded_width(m, tiles_x) - padding;
    if (rows > height) rows = height;
    if (span > width) span = width;
    for (long y = 0; y < rows; y++) memcpy(plane + (y + padding) * stride + padding, source + y * width, span * sizeof(float));
}

/* Bt x for the points 0, +-1, +-2 and infinity (the matrix MimicKernels' WinogradTransform
 * builds for 6x6 tiles; Lavin & Gray's F(4,3) input transform), in the fewest operations. */
static void bt6(const float x[6], float d[6]) {
    float near = x[4] - 4 * x[2], near_odd = x[3] - 4 * x[1];
    float far = x[4] - x[2], far_odd = 2 * (x[3] - x[1]);
    d[0] = 4 * x[0] - 5 * x[2] + x[4];
    d[1] = near + near_odd;
    d[2] = near - near_odd;
    d[3] = far + far_odd;
    d[4] = far - far_odd;
    d[5] = 4 * x[1] - 5 * x[3] + x[5];
}

static void input_portable(const float *image, long channels, long height, long width, long padding, long m,
                           long tiles_y, long tiles_x, float *v, long point_stride, long columns, long column,
                           float *temporary) {
    long stride = line_stride(m, tiles_x), wp = padded_width(m, tiles_x), hp = padded_height(m, tiles_y);
    float *plane = temporary, *lines = temporary + hp * stride;
    memset(plane, 0, (size_t)(hp * stride) * sizeof(float));
    for (long c = 0; c < channels; c++) {
        pad_plane(image + c * height * width, height, width, padding, m, tiles_y, tiles_x, plane);
        for (long ty = 0; ty < tiles_y; ty++) {
            for (long x = 0; x < wp; x++) {
                float column_values[6], d[6];
                for (long k = 0; k < 6; k++) column_values[k] = plane[(ty * m + k) * stride + x];
                bt6(column_values, d);
                for (long i = 0; i < 6; i++) lines[(ty * 6 + i) * stride + x] = d[i];
            }
            for (long tx = 0; tx < tiles_x; tx++) {
                float *out = v + c * columns + column + ty * tiles_x + tx;
                for (long i = 0; i < 6; i++) {
                    float d[6];
                    bt6(lines + (ty * 6 + i) * stride + tx * m, d);
                    for (long j = 0; j < 6; j++) out[(6 * i + j) * point_stride] = d[j];
                }
            }
        }
    }
}

#ifdef MIMIC_X86
#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline void bt6_avx(__m256 x0, __m256 x1, __m256 x2, __m256 x3, __m256 x4, __m256 x5, __m256 d[6]) {
    const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), five = _mm256_set1_ps(5);
    __m256 near = _mm256_fnmadd_ps(four, x2, x4), near_odd = _mm256_fnmadd_ps(four, x1, x3);
    __m256 far = _mm256_sub_ps(x4, x2), far_odd = _mm256_mul_ps(two, _mm256_sub_ps(x3, x1));
    d[0] = _mm256_fmadd_ps(four, x0, _mm256_fnmadd_ps(five, x2, x4));
    d[1] = _mm256_add_ps(near, near_odd);
    d[2] = _mm256_sub_ps(near, near_odd);
    d[3] = _mm256_add_ps(far, far_odd);
    d[4] = _mm256_sub_ps(far, far_odd);
    d[5] = _mm256_fmadd_ps(four, x1, _mm256_fnmadd_ps(five, x3, x5));
}

/* p[0], p[2], ..., p[14]. */
AVX2 static inline __m256 even8(const float *p) {
    __m256 mixed = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), 0xD8));
}

AVX2 static void input_avx2(const float *image, long channels, long height, long width, long padding, long m,
                            long tiles_y, long tiles_x, float *v, long point_stride, long columns, long column,
                            float *temporary) {
    long stride = line_stride(m, tiles_x), hp = padded_height(m, tiles_y), computed = round8(padded_width(m, tiles_x));
    long tiles = tiles_y * tiles_x;
    float *plane = temporary, *lines = temporary + hp * stride;
    memset(plane, 0, (size_t)(hp * stride) * sizeof(float));
    /* Where each lane of a group of eight tiles (in column order) finds its patch in the
     * lines; lanes past the last tile repeat it, and are not stored. */
    int offsets[(tiles + 7) / 8 * 8];
    for (long q = 0; q < (tiles + 7) / 8 * 8; q++) {
        long tile = q < tiles ? q : tiles - 1;
        offsets[q] = (int)((tile / tiles_x) * 6 * stride + (tile % tiles_x) * m);
    }
    int rows_of_eight = m == 2 && tiles_x % 8 == 0;
    for (long c = 0; c < channels; c++) {
        pad_plane(image + c * height * width, height, width, padding, m, tiles_y, tiles_x, plane);
        for (long ty = 0; ty < tiles_y; ty++) {
            const float *top = plane + ty * m * stride;
            for (long x = 0; x < computed; x += 8) {
                __m256 d[6];
                bt6_avx(_mm256_loadu_ps(top + x), _mm256_loadu_ps(top + stride + x), _mm256_loadu_ps(top + 2 * stride + x),
                        _mm256_loadu_ps(top + 3 * stride + x), _mm256_loadu_ps(top + 4 * stride + x),
                        _mm256_loadu_ps(top + 5 * stride + x), d);
                for (long i = 0; i < 6; i++) _mm256_storeu_ps(lines + (ty * 6 + i) * stride + x, d[i]);
            }
        }
        float *out = v + c * columns + column;
        for (long q = 0; q < tiles; q += 8) {
            long lanes = tiles - q < 8 ? tiles - q : 8;
            __m256i where = _mm256_loadu_si256((const __m256i *)(offsets + q));
            for (long i = 0; i < 6; i++) {
                const float *base = lines + i * stride;
                __m256 g[6], d[6];
                if (rows_of_eight) {
                    const float *p = base + offsets[q];
                    for (long l = 0; l < 6; l++) g[l] = even8(p + l);
                } else {
                    for (long l = 0; l < 6; l++) g[l] = _mm256_i32gather_ps(base + l, where, 4);
                }
                bt6_avx(g[0], g[1], g[2], g[3], g[4], g[5], d);
                for (long j = 0; j < 6; j++) {
                    float *target = out + (6 * i + j) * point_stride + q;
                    if (lanes == 8) {
                        _mm256_storeu_ps(target, d[j]);
                    } else {
                        float spill[8];
                        _mm256_storeu_ps(spill, d[j]);
                        memcpy(target, spill, (size_t)lanes * sizeof(float));
                    }
                }
            }
        }
    }
}
#endif

void mimic_winograd_input(const float *image, long channels, long height, long width, long padding,
                          long m, long tiles_y, long tiles_x,
                          float *v, long point_stride, long columns, long column, float *temporary) {
#ifdef MIMIC_X86
    if (mimic_winograd_vectorized()) {
        input_avx2(image, channels, height, width, padding, m, tiles_y, tiles_x, v, point_stride, columns, column, temporary);
        return;
    }
#endif
    input_portable(image, channels, height, width, padding, m, tiles_y, tiles_x, v, point_stride, columns, column, temporary);
}
