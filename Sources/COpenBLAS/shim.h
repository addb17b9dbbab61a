/* COpenBLAS: the system OpenBLAS (pkg-config openblas), called only from MimicBLAS. */
#include <cblas.h>
