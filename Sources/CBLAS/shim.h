// OpenBLAS from Debian's libopenblas-dev (cblas.h is on the default include path).
#include <cblas.h>
