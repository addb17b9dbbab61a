#include "packed_gemm.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define MIMIC_X86 1
#endif

/* Which kernel runs: chosen once from the CPU, or forced by the tests. */
enum { ISA_NONE = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };

static int forced = 0;

void mimic_packed_force(int choice) { forced = choice; }

static int isa(void) {
#ifdef MIMIC_X86
    if (forced == 3) return ISA_NONE;
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (forced != 2 && avx2 && __builtin_cpu_supports("avx512f")) return ISA_AVX512;
    if (avx2) return ISA_AVX2;
#endif
    return ISA_NONE;
}

/* Rows of a tile: the accumulators of a tile fill most of the vector registers (24 of 32 with
 * AVX-512, 12 of 16 with AVX2), leaving room for the panel's row and the broadcast input. */
static long tile_rows(int which) { return which == ISA_AVX512 ? 12 : 6; }

/* Depth of one pass over a panel: 256 rows of a 32-wide panel are 32 KB, which stay in the
 * level-1 cache while every tile of rows runs over them. */
#define DEPTH 256

long mimic_packed_panel_width(void) {
    switch (isa()) {
    case ISA_AVX512: return 32;
    case ISA_AVX2: return 16;
    default: return 0;
    }
}

long mimic_packed_panels(long n) {
    long w = mimic_packed_panel_width();
    return w == 0 ? 0 : (n + w - 1) / w;
}

long mimic_packed_items(long m, long n) {
    int which = isa();
    if (which == ISA_NONE) return 0;
    long rows = tile_rows(which);
    return mimic_packed_panels(n) * ((m + rows - 1) / rows);
}

/* A last panel of at most half the width is stored (and run) at half the width, so a layer of
 * 193 outputs does not pay for 31 empty columns. */
static long stored_width(long panel, long n, long width) {
    long columns = n - panel * width;
    return columns < width && columns <= width / 2 ? width / 2 : width;
}

long mimic_packed_floats(long n, long k) {
    long width = mimic_packed_panel_width();
    if (width == 0 || n == 0) return 0;
    long panels = (n + width - 1) / width;
    return (panels - 1) * k * width + k * stored_width(panels - 1, n, width);
}

void mimic_pack_weights(const float *w, long n, long k, float *packed, long first_panel, long end_panel) {
    long width = mimic_packed_panel_width();
    for (long p = first_panel; p < end_panel; p++) {
        long stored = stored_width(p, n, width);
        float *panel = packed + p * k * width;
        for (long j = 0; j < stored; j++) {
            long column = p * width + j;
            if (column < n) {
                const float *row = w + column * k;
                for (long t = 0; t < k; t++) panel[t * stored + j] = row[t];
            } else {
                for (long t = 0; t < k; t++) panel[t * stored + j] = 0;
            }
        }
    }
}

/* Everything a tile needs besides its rows. */
typedef struct {
    long depth, lda, ldc, columns;
    int first, last, relu;
    const float *bias;
} Pass;

#ifdef MIMIC_X86
#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#define AVX512_INLINE __attribute__((target("avx512f,avx2,fma"), always_inline)) static inline
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline

/* Tiles of ROWS x 32 (two vectors a row) or ROWS x 16 (one) columns. The row count is a
 * constant at each call site (see the switch below), so the loops over rows unroll and the
 * accumulators live in registers. */
AVX512_INLINE void tile512(int rows, int vectors, const float *a, const float *b, float *c, const Pass *s) {
    __m512 acc[12][2];
    __mmask16 mask[2];
    for (int v = 0; v < 2; v++) {
        long left = s->columns - 16 * v;
        mask[v] = left >= 16 ? (__mmask16)0xFFFF : left > 0 ? (__mmask16)((1u << left) - 1) : 0;
    }
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < vectors; v++)
            acc[i][v] = s->first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mask[v], c + i * s->ldc + 16 * v);
    long stride = 16 * vectors;
    for (long t = 0; t < s->depth; t++) {
        __m512 b0 = _mm512_loadu_ps(b + t * stride);
        __m512 b1 = vectors == 2 ? _mm512_loadu_ps(b + t * stride + 16) : b0;
        for (int i = 0; i < rows; i++) {
            __m512 x = _mm512_set1_ps(a[i * s->lda + t]);
            acc[i][0] = _mm512_fmadd_ps(x, b0, acc[i][0]);
            if (vectors == 2) acc[i][1] = _mm512_fmadd_ps(x, b1, acc[i][1]);
        }
    }
    if (s->last) {
        for (int v = 0; v < vectors; v++) {
            __m512 bias = s->bias ? _mm512_maskz_loadu_ps(mask[v], s->bias + 16 * v) : _mm512_setzero_ps();
            for (int i = 0; i < rows; i++) {
                acc[i][v] = _mm512_add_ps(acc[i][v], bias);
                if (s->relu) acc[i][v] = _mm512_max_ps(acc[i][v], _mm512_setzero_ps());
            }
        }
    }
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < vectors; v++) _mm512_mask_storeu_ps(c + i * s->ldc + 16 * v, mask[v], acc[i][v]);
}

#define ROWS_12(F, V) \
    switch (rows) { \
    case 12: F(12, V, a, b, c, s); break; case 11: F(11, V, a, b, c, s); break; \
    case 10: F(10, V, a, b, c, s); break; case 9: F(9, V, a, b, c, s); break; \
    case 8: F(8, V, a, b, c, s); break; case 7: F(7, V, a, b, c, s); break; \
    case 6: F(6, V, a, b, c, s); break; case 5: F(5, V, a, b, c, s); break; \
    case 4: F(4, V, a, b, c, s); break; case 3: F(3, V, a, b, c, s); break; \
    case 2: F(2, V, a, b, c, s); break; default: F(1, V, a, b, c, s); break; \
    }

AVX512 static void tile512_any(int rows, int vectors, const float *a, const float *b, float *c, const Pass *s) {
    if (vectors == 2) {
        ROWS_12(tile512, 2)
    } else {
        ROWS_12(tile512, 1)
    }
}

/* The same with 8-lane vectors: tiles of ROWS x 16 or ROWS x 8. */
AVX2_INLINE __m256i lanes_below(long count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(count < 0 ? 0 : count > 8 ? 8 : count)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AVX2_INLINE void tile256(int rows, int vectors, const float *a, const float *b, float *c, const Pass *s) {
    __m256 acc[6][2];
    __m256i mask[2] = {lanes_below(s->columns), lanes_below(s->columns - 8)};
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < vectors; v++)
            acc[i][v] = s->first ? _mm256_setzero_ps() : _mm256_maskload_ps(c + i * s->ldc + 8 * v, mask[v]);
    long stride = 8 * vectors;
    for (long t = 0; t < s->depth; t++) {
        __m256 b0 = _mm256_loadu_ps(b + t * stride);
        __m256 b1 = vectors == 2 ? _mm256_loadu_ps(b + t * stride + 8) : b0;
        for (int i = 0; i < rows; i++) {
            __m256 x = _mm256_broadcast_ss(a + i * s->lda + t);
            acc[i][0] = _mm256_fmadd_ps(x, b0, acc[i][0]);
            if (vectors == 2) acc[i][1] = _mm256_fmadd_ps(x, b1, acc[i][1]);
        }
    }
    if (s->last) {
        for (int v = 0; v < vectors; v++) {
            __m256 bias = s->bias ? _mm256_maskload_ps(s->bias + 8 * v, mask[v]) : _mm256_setzero_ps();
            for (int i = 0; i < rows; i++) {
                acc[i][v] = _mm256_add_ps(acc[i][v], bias);
                if (s->relu) acc[i][v] = _mm256_max_ps(acc[i][v], _mm256_setzero_ps());
            }
        }
    }
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < vectors; v++) _mm256_maskstore_ps(c + i * s->ldc + 8 * v, mask[v], acc[i][v]);
}

#define ROWS_6(F, V) \
    switch (rows) { \
    case 6: F(6, V, a, b, c, s); break; case 5: F(5, V, a, b, c, s); break; \
    case 4: F(4, V, a, b, c, s); break; case 3: F(3, V, a, b, c, s); break; \
    case 2: F(2, V, a, b, c, s); break; default: F(1, V, a, b, c, s); break; \
    }

AVX2 static void tile256_any(int rows, int vectors, const float *a, const float *b, float *c, const Pass *s) {
    if (vectors == 2) {
        ROWS_6(tile256, 2)
    } else {
        ROWS_6(tile256, 1)
    }
}
#endif

/* c = bias (or 0), then max(0, .): the whole product of a layer with no inputs. */
static void bias_only(long rows, long columns, const float *bias, int relu, float *c, long ldc) {
    for (long i = 0; i < rows; i++)
        for (long j = 0; j < columns; j++) {
            float y = bias ? bias[j] : 0;
            c[i * ldc + j] = relu && y < 0 ? 0 : y;
        }
}

/* Tiles first..<end of one panel, over the depth in passes of DEPTH so the panel's pass stays
 * in cache across the tiles. */
static void run_panel(int which, long m, long n, long k, const float *a, long lda, const float *packed,
                      const float *bias, int relu, float *c, long ldc, long panel, long first, long end) {
    long width = which == ISA_AVX512 ? 32 : 16, rows_per_tile = tile_rows(which);
    long stored = stored_width(panel, n, width), lane = which == ISA_AVX512 ? 16 : 8;
    long column0 = panel * width, columns = n - column0 < stored ? n - column0 : stored;
    const float *panel_data = packed + panel * k * width;
    if (k == 0) {
        for (long tile = first; tile < end; tile++) {
            long row0 = tile * rows_per_tile, rows = m - row0 < rows_per_tile ? m - row0 : rows_per_tile;
            bias_only(rows, columns, bias ? bias + column0 : 0, relu, c + row0 * ldc + column0, ldc);
        }
        return;
    }
    for (long k0 = 0; k0 < k; k0 += DEPTH) {
        Pass s = {k - k0 < DEPTH ? k - k0 : DEPTH, lda, ldc, columns, k0 == 0, k0 + DEPTH >= k, relu,
                  bias ? bias + column0 : 0};
        for (long tile = first; tile < end; tile++) {
            long row0 = tile * rows_per_tile, rows = m - row0 < rows_per_tile ? m - row0 : rows_per_tile;
            const float *ap = a + row0 * lda + k0, *bp = panel_data + k0 * stored;
            float *cp = c + row0 * ldc + column0;
#ifdef MIMIC_X86
            if (which == ISA_AVX512) tile512_any((int)rows, (int)(stored / lane), ap, bp, cp, &s);
            else tile256_any((int)rows, (int)(stored / lane), ap, bp, cp, &s);
#else
            (void)ap; (void)bp; (void)cp; (void)lane;
#endif
        }
    }
}

void mimic_packed_gemm(long m, long n, long k, const float *a, long lda, const float *packed, const float *bias,
                       int relu, float *c, long ldc, long first_item, long end_item) {
    int which = isa();
    if (which == ISA_NONE || m == 0 || n == 0) return;
    long tiles = (m + tile_rows(which) - 1) / tile_rows(which);
    long item = first_item;
    while (item < end_item) {
        long panel = item / tiles, first = item % tiles;
        long end = first + (end_item - item) < tiles ? first + (end_item - item) : tiles;
        run_panel(which, m, n, k, a, lda, packed, bias, relu, c, ldc, panel, first, end);
        item += end - first;
    }
}
