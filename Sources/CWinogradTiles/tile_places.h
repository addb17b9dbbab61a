/* Where each tile column's outputs go in a filter's row, shared by the passes between tiles
 * and output rows. Private to CWinogradTiles. */
#ifndef MIMIC_WINOGRAD_TILE_PLACES_H
#define MIMIC_WINOGRAD_TILE_PLACES_H

/* Tile column q's m x m outputs: the offset of its top-left position, and how many of its
 * rows and columns lie inside the map. */
typedef struct {
    long origin;
    int rows, cols;
} tile_place;

/* A pass between tiles and output maps, with where each tile column's outputs go (its origin
 * counts the image's offset); filter f's values start at f * filter_stride. */
typedef void tile_pass(const float *in, float *out, long point_stride, long filters, long columns, long m, long out_w,
                       const tile_place *places, const float *at, long filter_stride);

/* AVX-512 passes for F(4,3)'s 4x4 output tiles (output_tiles_avx512.c). */
tile_pass output_avx512_m4, output_gradient_avx512_m4;

/* The fused path's output pass for F(4,3) with AVX-512 (see mimic_winograd_output_by_filters). */
void output_by_filters_avx512_m4(const float *product, long point_stride, long count, long first, long columns,
                                 long out_w, const tile_place *places, const float *at, float *out, long filter_stride);

#endif
