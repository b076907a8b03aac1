/*
** tests/unit/check_core.c — sim/core: diagnostics (first cause wins, GNU
** format), SHA-256 against the FIPS 180-4 test vectors, the JSON writer's
** exact bytes, and the allocator's overflow checks and fail-Nth hook.
*/
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "jsonw.h"
#include "result.h"
#include "sha256.h"
#include "sim.h"

static char *slurp(FILE *f) {
  static char buf[8192];
  rewind(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  return buf;
}

START_TEST(diag_first_cause_wins) {
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(sim_diag_set(&d, SIM_ERR_RANGE, "a.yaml", 3, 7, "bad %d", 42), SIM_ERR_RANGE);
  ck_assert_int_eq(sim_diag_set(&d, SIM_ERR_IO, "b.yaml", 1, 1, "later"), SIM_ERR_IO);
  ck_assert_int_eq(d.status, SIM_ERR_RANGE);
  ck_assert_str_eq(d.file, "a.yaml");
  ck_assert_str_eq(d.msg, "bad 42");
  FILE *f = tmpfile();
  sim_diag_print(&d, f);
  ck_assert_str_eq(slurp(f), "a.yaml:3:7: error: bad 42\n");
  fclose(f);
}
END_TEST

START_TEST(diag_formats_without_position) {
  sim_diag d;
  sim_diag_clear(&d);
  sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "no file");
  FILE *f = tmpfile();
  sim_diag_print(&d, f);
  ck_assert_str_eq(slurp(f), "nsasim: error: no file\n");
  fclose(f);
  sim_diag_clear(&d);
  sim_diag_set(&d, SIM_ERR_IO, "x.yaml", 0, 0, "cannot open");
  f = tmpfile();
  sim_diag_print(&d, f);
  ck_assert_str_eq(slurp(f), "x.yaml: error: cannot open\n");
  fclose(f);
}
END_TEST

START_TEST(exit_codes) {
  ck_assert_int_eq(sim_status_exit_code(SIM_OK), 0);
  ck_assert_int_eq(sim_status_exit_code(SIM_ERR_SCHEMA), 2);
  ck_assert_int_eq(sim_status_exit_code(SIM_ERR_RULE), 2);
  ck_assert_int_eq(sim_status_exit_code(SIM_ERR_USAGE), 2);
  ck_assert_int_eq(sim_status_exit_code(SIM_ERR_NOMEM), 1);
  ck_assert_int_eq(sim_status_exit_code(SIM_ERR_UNSUPPORTED), 1);
  ck_assert_str_eq(sim_strerror(SIM_ERR_RANGE), "value out of range");
}
END_TEST

START_TEST(sha256_vectors) {
  char hex[65];
  sim_sha256_hex("", 0, hex);
  ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sim_sha256_hex("abc", 3, hex);
  ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 B: padding spills a block */
  sim_sha256_hex(two, strlen(two), hex);
  ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  char *mil = malloc(1000000);
  memset(mil, 'a', 1000000);
  sim_sha256_hex(mil, 1000000, hex);
  free(mil);
  ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(jsonw_exact_bytes) {
  FILE *f = tmpfile();
  jsonw w;
  jsonw_init(&w, f, 0);
  jsonw_obj_begin(&w, NULL);
  jsonw_str(&w, "s", "a\"b\\c\n\x01");
  jsonw_num(&w, "x", 0.1);
  jsonw_num(&w, "neg0", -0.0);
  jsonw_num(&w, "inf", 1.0 / 0.0);
  jsonw_u64(&w, "big", UINT64_MAX);
  jsonw_bool(&w, "t", 1);
  jsonw_null(&w, "n");
  jsonw_arr_begin(&w, "a");
  jsonw_num(&w, NULL, 9.6e12);
  jsonw_arr_begin(&w, NULL);
  jsonw_arr_end(&w);
  jsonw_arr_end(&w);
  jsonw_obj_end(&w);
  ck_assert_str_eq(slurp(f), "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"x\":0.1,\"neg0\":0,\"inf\":null,"
                             "\"big\":18446744073709551615,\"t\":true,\"n\":null,\"a\":[9.6e+12,[]]}\n");
  fclose(f);
}
END_TEST

START_TEST(jsonw_pretty) {
  FILE *f = tmpfile();
  jsonw w;
  jsonw_init(&w, f, 1);
  jsonw_obj_begin(&w, NULL);
  jsonw_obj_begin(&w, "o");
  jsonw_u64(&w, "k", 1);
  jsonw_obj_end(&w);
  jsonw_obj_end(&w);
  ck_assert_str_eq(slurp(f), "{\n  \"o\": {\n    \"k\": 1\n  }\n}\n");
  fclose(f);
}
END_TEST

START_TEST(alloc_overflow_and_fail_nth) {
  ck_assert_ptr_null(sim_calloc(SIZE_MAX / 2, 4));
  ck_assert_ptr_null(sim_realloc_array(NULL, SIZE_MAX / 8, 16));
  sim_alloc_fail_at(2);
  void *a = sim_malloc(8);
  void *b = sim_malloc(8);
  void *c = sim_malloc(8);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_null(b);
  ck_assert_ptr_nonnull(c);
  ck_assert_uint_eq(sim_alloc_fail_at(0), 3);
  sim_free(a);
  sim_free(c);
  char *s = sim_strdup("nsa");
  ck_assert_str_eq(s, "nsa");
  sim_free(s);
}
END_TEST

START_TEST(pipeline_sum_and_capacity) {
  static sim_pipeline p;
  memset(&p, 0, sizeof p);
  for (int i = 0; i < SIM_MAX_KERNELS; i++) {
    sim_kernel_stats *k = sim_pipeline_add(&p, "k");
    ck_assert_ptr_nonnull(k);
    k->time_s = 0.5;
  }
  ck_assert_ptr_null(sim_pipeline_add(&p, "one too many"));
  sim_pipeline_sum(&p);
  ck_assert_double_eq_tol(p.total_time_s, 0.5 * SIM_MAX_KERNELS, 1e-12);
  ck_assert_str_eq(sim_bound_name(SIM_BOUND_HBM), "hbm");
}
END_TEST

int main(void) {
  Suite *s1 = suite_create("status");
  TCase *tc = tcase_create("diag");
  tcase_add_test(tc, diag_first_cause_wins);
  tcase_add_test(tc, diag_formats_without_position);
  tcase_add_test(tc, exit_codes);
  suite_add_tcase(s1, tc);
  Suite *s2 = suite_create("sha256");
  tc = tcase_create("vectors");
  tcase_add_test(tc, sha256_vectors);
  suite_add_tcase(s2, tc);
  Suite *s3 = suite_create("jsonw");
  tc = tcase_create("bytes");
  tcase_add_test(tc, jsonw_exact_bytes);
  tcase_add_test(tc, jsonw_pretty);
  suite_add_tcase(s3, tc);
  Suite *s4 = suite_create("alloc");
  tc = tcase_create("alloc");
  tcase_add_test(tc, alloc_overflow_and_fail_nth);
  tcase_add_test(tc, pipeline_sum_and_capacity);
  suite_add_tcase(s4, tc);
  SRunner *sr = srunner_create(s1);
  srunner_add_suite(sr, s2);
  srunner_add_suite(sr, s3);
  srunner_add_suite(sr, s4);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
