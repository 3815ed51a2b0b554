#include <math.h>

#include "tk_csr.h"

/* The row's norm as scikit-learn computes it (see tk_csr.h). */
static double row_norm(const void *data, int single, int64_t from, int64_t to, int norm)
{
    double sum = 0.0;
    int64_t j;
    if (single) {
        const float *f = data;
        for (j = from; j < to; j++) {
            /* float times float stays float, as in scikit-learn's kernel */
            float square = f[j] * f[j];
            sum += norm == TK_ROW_L2 ? (double)square : fabs((double)f[j]);
        }
    } else {
        const double *d = data;
        for (j = from; j < to; j++)
            sum += norm == TK_ROW_L2 ? d[j] * d[j] : fabs(d[j]);
    }
    return norm == TK_ROW_L2 ? sqrt(sum) : sum;
}

int tk_csr_normalize(void *data, int single, size_t nnz, const int64_t *indptr, size_t n_rows,
                     int norm, int *not_finite)
{
    size_t i, j;
    *not_finite = 0;
    if ((norm != TK_ROW_L1 && norm != TK_ROW_L2) || (n_rows && (!indptr || indptr[0] < 0)))
        return TK_EINVAL;
    for (i = 0; i < n_rows; i++)
        if (indptr[i + 1] < indptr[i] || (uint64_t)indptr[i + 1] > nnz)
            return TK_EINVAL;
    for (j = 0; j < nnz; j++) {
        double v = single ? (double)((const float *)data)[j] : ((const double *)data)[j];
        if (!isfinite(v)) {
            *not_finite = 1;
            return TK_OK;
        }
    }
    for (i = 0; i < n_rows; i++) {
        int64_t from = indptr[i], to = indptr[i + 1], k;
        double scale = row_norm(data, single, from, to, norm);
        if (scale == 0.0)
            continue;
        if (single) {
            float *f = data;
            for (k = from; k < to; k++)
                f[k] = (float)((double)f[k] / scale);
        } else {
            double *d = data;
            for (k = from; k < to; k++)
                d[k] /= scale;
        }
    }
    return TK_OK;
}
