/*
 * A minimal test runner for zephyr-ocpp's C tests: RUN(test) runs a test function, CHECK*()
 * record failures (thread-safe), finish() prints "N passed, M failed" and gives the exit code.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ZEPHYR_OCPP_TESTS_CHECK_H_
#define ZEPHYR_OCPP_TESTS_CHECK_H_

#include <stdio.h>
#include <string.h>

static int check_failures; /* in the running test; updated atomically */
static int tests_passed;
static int tests_failed;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			__atomic_fetch_add(&check_failures, 1, __ATOMIC_SEQ_CST);                  \
			fprintf(stderr, "    FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(actual, expected)                                                                 \
	do {                                                                                       \
		long long a_ = (long long)(actual), e_ = (long long)(expected);                    \
		CHECK(a_ == e_, "%s is %lld, expected %s (%lld)", #actual, a_, #expected, e_);     \
	} while (0)

#define CHECK_STR(actual, expected)                                                                \
	do {                                                                                       \
		const char *a_ = (actual), *e_ = (expected);                                       \
		CHECK(a_ != NULL && strcmp(a_, e_) == 0, "%s is \"%s\", expected \"%s\"", #actual, \
		      a_ ? a_ : "(null)", e_);                                                     \
	} while (0)

#define RUN(test) run_test(#test, test)

static void run_test(const char *name, void (*test)(void))
{
	__atomic_store_n(&check_failures, 0, __ATOMIC_SEQ_CST);
	printf("[ RUN      ] %s\n", name);
	fflush(stdout);
	test();
	if (__atomic_load_n(&check_failures, __ATOMIC_SEQ_CST) == 0) {
		tests_passed++;
		printf("[       OK ] %s\n", name);
	} else {
		tests_failed++;
		printf("[   FAILED ] %s\n", name);
	}
	fflush(stdout);
}

static int finish(void)
{
	printf("%d passed, %d failed\n", tests_passed, tests_failed);
	fflush(stdout);
	return tests_failed == 0 ? 0 : 1;
}

#endif /* ZEPHYR_OCPP_TESTS_CHECK_H_ */
