#include "vector_math.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define MIMIC_X86 1
#endif

enum { ISA_NONE = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };

static int forced = 0;

void mimic_gelu_force(int choice) { forced = choice; }

static int isa(void) {
#ifdef MIMIC_X86
    if (forced == 3) return ISA_NONE;
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (forced != 2 && avx2 && __builtin_cpu_supports("avx512f")) return ISA_AVX512;
    if (avx2) return ISA_AVX2;
#endif
    return ISA_NONE;
}

int mimic_gelu_vectorized(void) { return isa() != ISA_NONE; }

#ifdef MIMIC_X86
/* One body for both widths: V is the vector type, and the macros below its operations. The
 * functions are instantiated twice, with each set's target attribute. */
#define GELU_BODY(V, SET1, ADD, SUB, MUL, FMA, FNMA, DIV, MIN, MAX, AND, OR, XOR, CASTI, CASTF, ADDI, SUBI, SLLI, SET1I) \
    static inline V exp_lanes(V x) { \
        x = MIN(MAX(x, SET1(-87.0f)), SET1(88.0f)); \
        V shifter = SET1(12582912.0f); \
        V t = FMA(x, SET1(1.442695041f), shifter); \
        V k = SUB(t, shifter); \
        V r = FNMA(k, SET1(0.693145752f), x); \
        r = FNMA(k, SET1(1.42860677e-6f), r); \
        V p = SET1(1.0f / 720); \
        p = FMA(p, r, SET1(1.0f / 120)); \
        p = FMA(p, r, SET1(1.0f / 24)); \
        p = FMA(p, r, SET1(1.0f / 6)); \
        p = FMA(p, r, SET1(0.5f)); \
        p = FMA(p, r, SET1(1.0f)); \
        p = FMA(p, r, SET1(1.0f)); \
        V scale = CASTF(SLLI(ADDI(SUBI(CASTI(t), CASTI(shifter)), SET1I(127)), 23)); \
        return MUL(p, scale); \
    } \
    /* Phi(x) = (1 + erf(x / sqrt 2)) / 2, given e = exp(-x^2 / 2). */ \
    static inline V phi_lanes(V x, V e) { \
        V z = MUL(x, SET1(0.70710678f)); \
        V sign = AND(z, SET1(-0.0f)); \
        V a = XOR(z, sign); \
        V t = DIV(SET1(1.0f), FMA(a, SET1(0.3275911f), SET1(1.0f))); \
        V p = SET1(1.061405429f); \
        p = FMA(p, t, SET1(-1.453152027f)); \
        p = FMA(p, t, SET1(1.421413741f)); \
        p = FMA(p, t, SET1(-0.284496736f)); \
        p = FMA(p, t, SET1(0.254829592f)); \
        p = MUL(p, t); \
        V erf = OR(FNMA(p, e, SET1(1.0f)), sign); \
        return FMA(erf, SET1(0.5f), SET1(0.5f)); \
    } \
    static inline V gelu_lanes(V x) { \
        V e = exp_lanes(MUL(MUL(x, x), SET1(-0.5f))); \
        return MUL(x, phi_lanes(x, e)); \
    } \
    static inline V derivative_lanes(V x) { \
        V e = exp_lanes(MUL(MUL(x, x), SET1(-0.5f))); \
        return FMA(MUL(x, SET1(0.39894228f)), e, phi_lanes(x, e)); \
    }

#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
/* Bitwise operations on float lanes need AVX512DQ; through the integer lanes, AVX512F. */
#define BITS512(OP) static inline __m512 OP##512(__m512 a, __m512 b) { \
        return _mm512_castsi512_ps(_mm512_##OP##_si512(_mm512_castps_si512(a), _mm512_castps_si512(b))); }
BITS512(and)
BITS512(or)
BITS512(xor)
#define gelu_lanes gelu512
#define derivative_lanes derivative512
#define exp_lanes exp512
#define phi_lanes phi512
GELU_BODY(__m512, _mm512_set1_ps, _mm512_add_ps, _mm512_sub_ps, _mm512_mul_ps, _mm512_fmadd_ps, _mm512_fnmadd_ps,
          _mm512_div_ps, _mm512_min_ps, _mm512_max_ps, and512, or512, xor512, _mm512_castps_si512,
          _mm512_castsi512_ps, _mm512_add_epi32, _mm512_sub_epi32, _mm512_slli_epi32, _mm512_set1_epi32)
#undef gelu_lanes
#undef derivative_lanes
#undef exp_lanes
#undef phi_lanes

static void gelu_avx512(const float *x, float *y, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) _mm512_storeu_ps(y + i, gelu512(_mm512_loadu_ps(x + i)));
    if (i < count) {
        __mmask16 m = (__mmask16)((1u << (count - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, gelu512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

static void gradient_avx512(const float *dy, const float *x, float *dx, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16)
        _mm512_storeu_ps(dx + i, _mm512_mul_ps(_mm512_loadu_ps(dy + i), derivative512(_mm512_loadu_ps(x + i))));
    if (i < count) {
        __mmask16 m = (__mmask16)((1u << (count - i)) - 1);
        __m512 d = derivative512(_mm512_maskz_loadu_ps(m, x + i));
        _mm512_mask_storeu_ps(dx + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, dy + i), d));
    }
}
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define gelu_lanes gelu256
#define derivative_lanes derivative256
#define exp_lanes exp256
#define phi_lanes phi256
GELU_BODY(__m256, _mm256_set1_ps, _mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps, _mm256_fmadd_ps, _mm256_fnmadd_ps,
          _mm256_div_ps, _mm256_min_ps, _mm256_max_ps, _mm256_and_ps, _mm256_or_ps, _mm256_xor_ps, _mm256_castps_si256,
          _mm256_castsi256_ps, _mm256_add_epi32, _mm256_sub_epi32, _mm256_slli_epi32, _mm256_set1_epi32)
#undef gelu_lanes
#undef derivative_lanes
#undef exp_lanes
#undef phi_lanes

/* Lanes past the end are read as 0 and not written. */
static __m256i lanes_below(long count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static void gelu_avx2(const float *x, float *y, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, gelu256(_mm256_loadu_ps(x + i)));
    if (i < count) {
        __m256i m = lanes_below(count - i);
        _mm256_maskstore_ps(y + i, m, gelu256(_mm256_maskload_ps(x + i, m)));
    }
}

static void gradient_avx2(const float *dy, const float *x, float *dx, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8)
        _mm256_storeu_ps(dx + i, _mm256_mul_ps(_mm256_loadu_ps(dy + i), derivative256(_mm256_loadu_ps(x + i))));
    if (i < count) {
        __m256i m = lanes_below(count - i);
        __m256 d = derivative256(_mm256_maskload_ps(x + i, m));
        _mm256_maskstore_ps(dx + i, m, _mm256_mul_ps(_mm256_maskload_ps(dy + i, m), d));
    }
}
#pragma clang attribute pop
#endif

void mimic_gelu(const float *x, float *y, long count) {
#ifdef MIMIC_X86
    switch (isa()) {
    case ISA_AVX512: gelu_avx512(x, y, count); return;
    case ISA_AVX2: gelu_avx2(x, y, count); return;
    default: return;
    }
#else
    (void)x; (void)y; (void)count;
#endif
}

void mimic_gelu_gradient(const float *dy, const float *x, float *dx, long count) {
#ifdef MIMIC_X86
    switch (isa()) {
    case ISA_AVX512: gradient_avx512(dy, x, dx, count); return;
    case ISA_AVX2: gradient_avx2(dy, x, dx, count); return;
    default: return;
    }
#else
    (void)dy; (void)x; (void)dx; (void)count;
#endif
}
