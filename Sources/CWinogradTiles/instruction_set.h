/* Which vector code the tile transforms run: chosen once from the CPU, or forced by the tests
 * (mimic_winograd_force). Private to CWinogradTiles. */
#ifndef MIMIC_WINOGRAD_INSTRUCTION_SET_H
#define MIMIC_WINOGRAD_INSTRUCTION_SET_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define MIMIC_X86 1
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#endif

/* Float lanes of the widest code the transforms may use here: 16 (AVX-512), 8 (AVX2 and
 * FMA) or 1 (portable C). */
int mimic_winograd_lanes(void);

#endif
