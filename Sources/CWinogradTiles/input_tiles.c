#include "winograd_tiles.h"

#include <string.h>

#include "instruction_set.h"

/* The input transform, Bt d B for every 6x6 patch d of an image, with SIMD lanes over
 * channels. The image is first copied into a zero-padded map with its channels last, so that
 * each of a patch's 36 positions is a run of adjacent channels: every load and every store
 * of the transform is then a whole vector, where lanes over tiles would need a gather per
 * value, as tiles are m floats apart and m is 4 for F(4,3).
 *
 * The map: padded_height x padded_width positions of `channel_stride` floats, the channels
 * rounded up to 16 so that the copy into it stores whole vectors; the extra lanes are zero
 * and never read. */

static long channel_stride(long channels) { return (channels + 15) / 16 * 16; }
static long padded_width(long m, long tiles_x) { return tiles_x * m + 6 - m; }
static long padded_height(long m, long tiles_y) { return tiles_y * m + 6 - m; }

long mimic_winograd_input_channels_adjacent_temporary(long channels, long m, long tiles_y, long tiles_x) {
    return padded_height(m, tiles_y) * padded_width(m, tiles_x) * channel_stride(channels);
}

/* The map's zero borders: rows above and below the image, and positions left and right of it. */
static void zero_borders(long width, long height, long padding, long hp, long wp, long cs, float *map) {
    size_t position = (size_t)cs * sizeof(float);
    memset(map, 0, (size_t)(padding * wp) * position);
    for (long y = 0; y < height; y++) {
        float *row = map + (y + padding) * wp * cs;
        memset(row, 0, (size_t)padding * position);
        memset(row + (padding + width) * cs, 0, (size_t)(wp - padding - width) * position);
    }
    memset(map + (padding + height) * wp * cs, 0, (size_t)((hp - padding - height) * wp) * position);
}

/* map[(y + padding) * wp + x + padding][c] = image[c][y][x], and zero in the lanes c past
 * `channels`. The output size makes wp >= width + 2 * padding and hp >= height + 2 * padding. */
static void spread_portable(const float *image, long channels, long height, long width, long padding, long wp, long cs,
                            float *map) {
    for (long y = 0; y < height; y++) {
        float *cells = map + ((y + padding) * wp + padding) * cs;
        for (long c = 0; c < channels; c++) {
            const float *source = image + (c * height + y) * width;
            for (long x = 0; x < width; x++) cells[x * cs + c] = source[x];
        }
        if (channels < cs)
            for (long x = 0; x < width; x++) memset(cells + x * cs + channels, 0, (size_t)(cs - channels) * sizeof(float));
    }
}

#ifdef MIMIC_X86
/* spread_portable sixteen channels by sixteen positions at a time, transposed in registers.
 * Positions run through the whole plane, row after row, so that narrow maps (7 wide) fill the
 * lanes too; the lanes past `channels` load as zero. */
AVX512 static void spread_avx512(const float *image, long channels, long height, long width, long padding, long wp,
                                 long cs, float *map) {
    long positions = height * width;
    for (long p = 0; p < positions; p += 16) {
        long span = positions - p < 16 ? positions - p : 16;
        __mmask16 inside = span == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << span) - 1);
        float *cells[16];
        for (long i = 0; i < span; i++) {
            long y = (p + i) / width, x = (p + i) % width;
            cells[i] = map + ((y + padding) * wp + x + padding) * cs;
        }
        for (long c = 0; c < cs; c += 16) {
            __m512 r[16];
            for (long i = 0; i < 16; i++)
                r[i] = c + i < channels ? _mm512_maskz_loadu_ps(inside, image + (c + i) * positions + p) : _mm512_setzero_ps();
            transpose16(r);
            for (long i = 0; i < span; i++) _mm512_storeu_ps(cells[i] + c, r[i]);
        }
    }
}
#endif

/* Channels first..<end of every tile (end - first a multiple of the lanes), T lanes at a
 * time: for each of the patch's six columns Bt down the column, then Bt along each row. */
#define DEFINE_TILES(NAME, ATTRIBUTES, T)                                                                     \
    ATTRIBUTES static void NAME(const float *map, long channels, long cs, long wp, long m, long tiles_y,       \
                                long tiles_x, float *v, long point_stride, long column, long first, long end) { \
        const long lanes = (long)(sizeof(T) / sizeof(float));                                                 \
        for (long ty = 0; ty < tiles_y; ty++) {                                                               \
            for (long tx = 0; tx < tiles_x; tx++) {                                                           \
                const float *origin = map + (ty * m * wp + tx * m) * cs;                                      \
                float *out = v + (column + ty * tiles_x + tx) * channels;                                     \
                for (long c = first; c < end; c += lanes) {                                                   \
                    T rows[6][6];                                                                             \
                    for (int j = 0; j < 6; j++) {                                                             \
                        T x[6], d[6];                                                                         \
                        for (int i = 0; i < 6; i++) memcpy(&x[i], origin + (i * wp + j) * cs + c, sizeof(T)); \
                        BT6(T, x, d);                                                                         \
                        for (int i = 0; i < 6; i++) rows[i][j] = d[i];                                        \
                    }                                                                                         \
                    for (int i = 0; i < 6; i++) {                                                             \
                        T d[6];                                                                               \
                        BT6(T, rows[i], d);                                                                   \
                        for (int j = 0; j < 6; j++) memcpy(out + (6 * i + j) * point_stride + c, &d[j], sizeof(T)); \
                    }                                                                                         \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }

DEFINE_TILES(tiles_portable, , float)

#ifdef MIMIC_X86
typedef float floats8 __attribute__((vector_size(32), aligned(4)));
typedef float floats16 __attribute__((vector_size(64), aligned(4)));
DEFINE_TILES(tiles_avx2, AVX2, floats8)
DEFINE_TILES(tiles_avx512, AVX512, floats16)
#endif

void mimic_winograd_input_channels_adjacent(const float *image, long channels, long height, long width, long padding,
                                            long m, long tiles_y, long tiles_x, float *v, long point_stride, long column,
                                            float *temporary) {
    long hp = padded_height(m, tiles_y), wp = padded_width(m, tiles_x), cs = channel_stride(channels);
    zero_borders(width, height, padding, hp, wp, cs, temporary);
    long done = 0;
#ifdef MIMIC_X86
    /* The copy has AVX-512 code only; with AVX2 it is the portable loop. */
    int lanes = mimic_winograd_lanes();
    if (lanes == 16) spread_avx512(image, channels, height, width, padding, wp, cs, temporary);
    else spread_portable(image, channels, height, width, padding, wp, cs, temporary);
    if (lanes == 16) {
        done = channels / 16 * 16;
        tiles_avx512(temporary, channels, cs, wp, m, tiles_y, tiles_x, v, point_stride, column, 0, done);
    }
    if (lanes >= 8 && channels - done >= 8) {
        long end = done + (channels - done) / 8 * 8;
        tiles_avx2(temporary, channels, cs, wp, m, tiles_y, tiles_x, v, point_stride, column, done, end);
        done = end;
    }
#else
    spread_portable(image, channels, height, width, padding, wp, cs, temporary);
#endif
    if (done < channels)
        tiles_portable(temporary, channels, cs, wp, m, tiles_y, tiles_x, v, point_stride, column, done, channels);
}
