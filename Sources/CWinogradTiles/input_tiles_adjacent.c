#include "winograd_tiles.h"

#include <stdlib.h>
#include <string.h>

#include "instruction_set.h"

/* The input transform with SIMD lanes over tiles (AVX2): each channel is copied into a
 * zero-padded plane, Bt goes down its columns eight positions at a time, then along each
 * tile's rows eight tiles at a time, read with gathers, or, for F(2,5) on rows of a multiple
 * of eight tiles, with two loads and a shuffle. V is [36][channels][tiles]: F(2,5) keeps this
 * transform and layout (see WinogradTiling.channelsAdjacent in MimicKernels for what was
 * measured). */

/* Layout of the temporary memory: the zero-padded plane of one channel (hp rows), then the
 * six combined lines Bt d of every tile row (6 * tiles_y rows), all `stride` floats long:
 * the padded width plus room for eight tiles' strided reads past the last tile. */
static long round8(long x) { return (x + 7) / 8 * 8; }
static long padded_width(long m, long tiles_x) { return tiles_x * m + 6 - m; }
static long padded_height(long m, long tiles_y) { return tiles_y * m + 6 - m; }
static long line_stride(long m, long tiles_x) { return round8(padded_width(m, tiles_x) + 8 * m); }

long mimic_winograd_input_tiles_adjacent_temporary(long m, long tiles_y, long tiles_x) {
    return (padded_height(m, tiles_y) + 6 * tiles_y) * line_stride(m, tiles_x) + 8;
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
                BT6(float, column_values, d);
                for (long i = 0; i < 6; i++) lines[(ty * 6 + i) * stride + x] = d[i];
            }
            for (long tx = 0; tx < tiles_x; tx++) {
                float *out = v + c * columns + column + ty * tiles_x + tx;
                for (long i = 0; i < 6; i++) {
                    const float *line = lines + (ty * 6 + i) * stride + tx * m;
                    float d[6];
                    BT6(float, line, d);
                    for (long j = 0; j < 6; j++) out[(6 * i + j) * point_stride] = d[j];
                }
            }
        }
    }
}

#ifdef MIMIC_X86

AVX2 static void input_avx2(const float *image, long channels, long height, long width, long padding, long m,
                            long tiles_y, long tiles_x, float *v, long point_stride, long columns, long column,
                            float *temporary) {
    long stride = line_stride(m, tiles_x), hp = padded_height(m, tiles_y), computed = round8(padded_width(m, tiles_x));
    long tiles = tiles_y * tiles_x;
    float *plane = temporary, *lines = temporary + hp * stride;
    memset(plane, 0, (size_t)(hp * stride) * sizeof(float));
    /* Where each lane of a group of eight tiles (in column order) finds its patch in the
     * lines; lanes past the last tile repeat it, and are not stored. */
    long rounded = (tiles + 7) / 8 * 8;
    /* On the heap: a large map's tiles would not fit a worker thread's stack. */
    int *offsets = malloc((size_t)rounded * sizeof(int));
    if (!offsets) abort();
    for (long q = 0; q < rounded; q++) {
        long tile = q < tiles ? q : tiles - 1;
        offsets[q] = (int)((tile / tiles_x) * 6 * stride + (tile % tiles_x) * m);
    }
    int rows_of_eight = m == 2 && tiles_x % 8 == 0;
    for (long c = 0; c < channels; c++) {
        pad_plane(image + c * height * width, height, width, padding, m, tiles_y, tiles_x, plane);
        for (long ty = 0; ty < tiles_y; ty++) {
            const float *top = plane + ty * m * stride;
            for (long x = 0; x < computed; x += 8) {
                __m256 column[6], d[6];
                for (long k = 0; k < 6; k++) column[k] = _mm256_loadu_ps(top + k * stride + x);
                BT6(__m256, column, d);
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
                BT6(__m256, g, d);
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
    free(offsets);
}
#endif

void mimic_winograd_input_tiles_adjacent(const float *image, long channels, long height, long width, long padding,
                                         long m, long tiles_y, long tiles_x, float *v, long point_stride, long columns,
                                         long column, float *temporary) {
#ifdef MIMIC_X86
    if (mimic_winograd_vectorized()) {
        input_avx2(image, channels, height, width, padding, m, tiles_y, tiles_x, v, point_stride, columns, column, temporary);
        return;
    }
#endif
    input_portable(image, channels, height, width, padding, m, tiles_y, tiles_x, v, point_stride, columns, column, temporary);
}

