/* Unit tests for tk_csr_normalize: scikit-learn's row normalization. */
#include <math.h>
#include <string.h>

#include "tk_csr.h"
#include "tk_test.h"

/* Exactly equal, bit for bit (the point of this code). */
#define CHECK_SAME_DOUBLE(a, b) CHECK(memcmp(&(a), &(b), sizeof(double)) == 0)
#define CHECK_SAME_FLOAT(a, b) CHECK(memcmp(&(a), &(b), sizeof(float)) == 0)

static void test_double_rows(void)
{
    /* rows: {3, 4}, {}, {-2}, {0, 0} */
    double l2[] = {3, 4, -2, 0, 0}, l1[] = {3, 4, -2, 0, 0};
    const int64_t indptr[] = {0, 2, 2, 3, 5};
    double want_l2[] = {0.6, 0.8, -1, 0, 0}, want_l1[5];
    int not_finite = -1;
    size_t i;
    want_l1[0] = 3.0 / 7.0;
    want_l1[1] = 4.0 / 7.0;
    want_l1[2] = -1;
    want_l1[3] = want_l1[4] = 0;
    CHECK_EQ_INT(tk_csr_normalize(l2, 0, 5, indptr, 4, TK_ROW_L2, &not_finite), TK_OK);
    CHECK_EQ_INT(not_finite, 0);
    CHECK_EQ_INT(tk_csr_normalize(l1, 0, 5, indptr, 4, TK_ROW_L1, &not_finite), TK_OK);
    for (i = 0; i < 5; i++) {
        CHECK_SAME_DOUBLE(l2[i], want_l2[i]);
        CHECK_SAME_DOUBLE(l1[i], want_l1[i]);
    }
}

/* float32: squares rounded to float, summed in double, divided in double.
 * 0.1f squared is not representable: the float product differs from the
 * double one, and so would a sum of double squares. */
static void test_float_rows_round_like_sklearn(void)
{
    float v[] = {0.1f, 0.7f, 1.3f};
    const int64_t indptr[] = {0, 3};
    double sum = 0;
    float want[3], sq;
    int not_finite, i;
    for (i = 0; i < 3; i++) {
        sq = v[i] * v[i];
        sum += (double)sq;
    }
    sum = sqrt(sum);
    for (i = 0; i < 3; i++)
        want[i] = (float)((double)v[i] / sum);
    CHECK_EQ_INT(tk_csr_normalize(v, 1, 3, indptr, 1, TK_ROW_L2, &not_finite), TK_OK);
    for (i = 0; i < 3; i++)
        CHECK_SAME_FLOAT(v[i], want[i]);
}

/* The sum follows storage order: a row whose order matters in double. */
static void test_sum_in_storage_order(void)
{
    double big = 1e16, row[] = {big, 1, 1, -big}, copy[4];
    const int64_t indptr[] = {0, 4};
    double sum = 0, scale;
    int not_finite, i;
    memcpy(copy, row, sizeof row);
    for (i = 0; i < 4; i++)
        sum += fabs(copy[i]);
    scale = sum;
    CHECK_EQ_INT(tk_csr_normalize(row, 0, 4, indptr, 1, TK_ROW_L1, &not_finite), TK_OK);
    for (i = 0; i < 4; i++) {
        double want = copy[i] / scale;
        CHECK_SAME_DOUBLE(row[i], want);
    }
}

static void test_not_finite_changes_nothing(void)
{
    double d[] = {1, 2, NAN, 4};
    float f[] = {1, INFINITY};
    const int64_t indptr[] = {0, 2, 4}, fptr[] = {0, 1, 2};
    int not_finite = 0;
    CHECK_EQ_INT(tk_csr_normalize(d, 0, 4, indptr, 2, TK_ROW_L2, &not_finite), TK_OK);
    CHECK_EQ_INT(not_finite, 1);
    CHECK(d[0] == 1 && d[1] == 2 && d[3] == 4);
    not_finite = 0;
    CHECK_EQ_INT(tk_csr_normalize(f, 1, 2, fptr, 2, TK_ROW_L1, &not_finite), TK_OK);
    CHECK_EQ_INT(not_finite, 1);
    CHECK(f[0] == 1);
}

static void test_bad_indptr(void)
{
    double d[] = {1, 2, 3};
    const int64_t past_end[] = {0, 4}, decreasing[] = {0, 2, 1}, negative[] = {-1, 2};
    int not_finite;
    CHECK_EQ_INT(tk_csr_normalize(d, 0, 3, past_end, 1, TK_ROW_L2, &not_finite), TK_EINVAL);
    CHECK_EQ_INT(tk_csr_normalize(d, 0, 3, decreasing, 2, TK_ROW_L2, &not_finite), TK_EINVAL);
    CHECK_EQ_INT(tk_csr_normalize(d, 0, 3, negative, 1, TK_ROW_L2, &not_finite), TK_EINVAL);
    CHECK_EQ_INT(tk_csr_normalize(d, 0, 3, past_end, 1, 7, &not_finite), TK_EINVAL);
    CHECK(d[0] == 1 && d[1] == 2 && d[2] == 3);
    /* no rows: nothing to do */
    CHECK_EQ_INT(tk_csr_normalize(d, 0, 0, NULL, 0, TK_ROW_L1, &not_finite), TK_OK);
}

int main(void)
{
    test_double_rows();
    test_float_rows_round_like_sklearn();
    test_sum_in_storage_order();
    test_not_finite_changes_nothing();
    test_bad_indptr();
    TEST_MAIN_END();
}
