/* Which vector code the tile transforms run (chosen once from the CPU, or forced by the tests:
 * mimic_winograd_force), and the small pieces of it the files share. Private to CWinogradTiles. */
#ifndef MIMIC_WINOGRAD_INSTRUCTION_SET_H
#define MIMIC_WINOGRAD_INSTRUCTION_SET_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define MIMIC_X86 1
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#endif

/* d = Bt x for the points 0, +-1, +-2 and infinity (the matrix MimicKernels' WinogradTransform
 * builds for 6x6 tiles; Lavin & Gray's F(4,3) input transform), in the fewest operations.
 * Written once for scalars and vectors alike: T is float or a vector of floats. */
#define BT6(T, x, d)                                                                  \
    do {                                                                              \
        T near_ = x[4] - 4.0f * x[2], near_odd_ = x[3] - 4.0f * x[1];                 \
        T far_ = x[4] - x[2], far_odd_ = 2.0f * (x[3] - x[1]);                        \
        d[0] = 4.0f * x[0] - 5.0f * x[2] + x[4];                                      \
        d[1] = near_ + near_odd_;                                                     \
        d[2] = near_ - near_odd_;                                                     \
        d[3] = far_ + far_odd_;                                                       \
        d[4] = far_ - far_odd_;                                                       \
        d[5] = 4.0f * x[1] - 5.0f * x[3] + x[5];                                      \
    } while (0)

#ifdef MIMIC_X86
/* p[0], p[2], ..., p[14]. */
AVX2 static inline __m256 even8(const float *p) {
    __m256 mixed = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), 0xD8));
}

/* r[i][j] -> r[j][i] for a 16 x 16 block: pairs, then quads within 128-bit lanes, then lanes. */
AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    /* s[4a + e], lane j: rows 4a..4a+3 of column 4j + e. */
    __m512 s[16];
    for (int i = 0; i < 16; i += 4) {
        __m512d low = _mm512_castps_pd(t[i]), high = _mm512_castps_pd(t[i + 2]);
        __m512d low2 = _mm512_castps_pd(t[i + 1]), high2 = _mm512_castps_pd(t[i + 3]);
        s[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(low, high));
        s[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(low, high));
        s[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(low2, high2));
        s[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(low2, high2));
    }
    for (int e = 0; e < 4; e++) {
        __m512 u0 = _mm512_shuffle_f32x4(s[e], s[4 + e], 0x44), u1 = _mm512_shuffle_f32x4(s[8 + e], s[12 + e], 0x44);
        __m512 u2 = _mm512_shuffle_f32x4(s[e], s[4 + e], 0xEE), u3 = _mm512_shuffle_f32x4(s[8 + e], s[12 + e], 0xEE);
        r[e] = _mm512_shuffle_f32x4(u0, u1, 0x88);
        r[4 + e] = _mm512_shuffle_f32x4(u0, u1, 0xDD);
        r[8 + e] = _mm512_shuffle_f32x4(u2, u3, 0x88);
        r[12 + e] = _mm512_shuffle_f32x4(u2, u3, 0xDD);
    }
}
#endif

/* Float lanes of the widest code the transforms may use here: 16 (AVX-512), 8 (AVX2 and
 * FMA) or 1 (portable C). */
int mimic_winograd_lanes(void);

#endif
