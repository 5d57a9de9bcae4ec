// OpenBLAS from Debian's libopenblas-dev (cblas.h is on the default include path).
#include <cblas.h>
// LAPACK Cholesky factorisation, exported by libopenblas (no LAPACKE header in Debian's openblas-dev).
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
