/*
 * Fuzz harness: tk_csr_normalize, the row normalization of the tf-idf and
 * hashing matrices.
 *
 * Input layout:
 *   byte 0  bit 0: float32 (else float64); bit 1: l2 (else l1); bit 2:
 *           break indptr; bits 3-7: which entry of indptr to break
 *   byte 1  rows (%16)
 *   then    one byte per row: its length (%8)
 *   rest    the values' raw bytes (4 or 8 each; missing ones are zero), so
 *           NaN, infinities, subnormals and huge values all occur
 * Reference: each row's sum in double, in storage order (float32 squares
 * rounded to float32 first), each value divided by it in double, compared
 * bit for bit; a NaN or infinite value leaves every value as it was and
 * sets not_finite; a broken indptr is TK_EINVAL and changes nothing.
 */
#include <math.h>

#include "fuzz_common.h"
#include "tk_csr.h"

#define MAX_ROWS 16
#define MAX_NNZ (MAX_ROWS * 7)

static double value_at(const void *data, int single, size_t j)
{
    return single ? (double)((const float *)data)[j] : ((const double *)data)[j];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    unsigned flags = fuzz_byte(&in);
    int single = flags & 1, l2 = (flags >> 1) & 1, broken = (flags >> 2) & 1;
    size_t n_rows = fuzz_byte(&in) % MAX_ROWS, nnz = 0, i, j, width = single ? 4 : 8;
    int64_t indptr[MAX_ROWS + 1];
    union {
        float f[MAX_NNZ];
        double d[MAX_NNZ];
    } got, before;
    int not_finite = -1, any_bad = 0, rc;

    indptr[0] = 0;
    for (i = 0; i < n_rows; i++) {
        nnz += fuzz_byte(&in) % 8;
        indptr[i + 1] = (int64_t)nnz;
    }
    memset(&got, 0, sizeof got);
    memcpy(&got, in.data, in.size < nnz * width ? in.size : nnz * width);
    if (broken && n_rows) {
        /* past the end, below its neighbour, or negative */
        size_t at = ((flags >> 3) % (n_rows + 1));
        indptr[at] = at == 0 ? -1 : at == n_rows ? (int64_t)nnz + 1 : indptr[at - 1] - 1;
    }
    before = got;
    rc = tk_csr_normalize(&got, single, nnz, indptr, n_rows, l2 ? TK_ROW_L2 : TK_ROW_L1,
                          &not_finite);
    if (broken && n_rows) {
        FUZZ_CHECK(rc == TK_EINVAL);
        FUZZ_CHECK(memcmp(&got, &before, sizeof got) == 0);
        return 0;
    }
    FUZZ_CHECK(rc == TK_OK);
    for (j = 0; j < nnz; j++)
        any_bad |= !isfinite(value_at(&before, single, j));
    FUZZ_CHECK(not_finite == any_bad);
    if (any_bad) {
        FUZZ_CHECK(memcmp(&got, &before, sizeof got) == 0);
        return 0;
    }
    for (i = 0; i < n_rows; i++) {
        double sum = 0.0;
        for (j = (size_t)indptr[i]; j < (size_t)indptr[i + 1]; j++) {
            if (single) {
                float square = before.f[j] * before.f[j];
                sum += l2 ? (double)square : fabs((double)before.f[j]);
            } else {
                sum += l2 ? before.d[j] * before.d[j] : fabs(before.d[j]);
            }
        }
        if (l2)
            sum = sqrt(sum);
        for (j = (size_t)indptr[i]; j < (size_t)indptr[i + 1]; j++) {
            if (single) {
                float want = sum == 0.0 ? before.f[j] : (float)((double)before.f[j] / sum);
                FUZZ_CHECK(memcmp(&got.f[j], &want, sizeof want) == 0);
            } else {
                double want = sum == 0.0 ? before.d[j] : before.d[j] / sum;
                FUZZ_CHECK(memcmp(&got.d[j], &want, sizeof want) == 0);
            }
        }
    }
    return 0;
}
