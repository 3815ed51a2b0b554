/*
 * Row normalization of a CSR matrix, the last step of TfidfVectorizer and
 * HashingVectorizer, with exactly the arithmetic of scikit-learn's
 * normalize(): each row's sum in double precision, in storage order, and
 * each value divided by it in double precision.  float32 squares are
 * rounded to float32 before they are summed, as scikit-learn's kernel
 * does.  numpy's pairwise reductions sum in another order, and a float32
 * sum or division rounds differently: 551 of the 1,986 float32 tf-idf
 * weights of the sample articles came out one unit in the last place
 * away from scikit-learn's.
 */
#ifndef TK_CSR_H
#define TK_CSR_H

#include "tk_core.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tk_row_norm { TK_ROW_L1 = 1, TK_ROW_L2 = 2 };

/*
 * Scale rows 0..n_rows-1 of (data, indptr) in place to unit norm (enum
 * tk_row_norm); data holds nnz floats (single != 0) or doubles.  Rows whose
 * sum is 0 stay as they are.  If a value is NaN or infinite, nothing is
 * changed and *not_finite is set.  TK_EINVAL if indptr does not describe
 * rows within data (decreasing, negative, or past nnz).
 */
int tk_csr_normalize(void *data, int single, size_t nnz, const int64_t *indptr, size_t n_rows,
                     int norm, int *not_finite);

#ifdef __cplusplus
}
#endif
#endif /* TK_CSR_H */
