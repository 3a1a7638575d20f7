/*
 * Host stand-in for <zephyr/kernel.h>, written for zephyr-ocpp's C tests: only what
 * <zephyr/net/ocpp.h> and the tests need (fixed-width integers, bool, size_t, errno values).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ZEPHYR_OCPP_TESTS_STUB_KERNEL_H_
#define ZEPHYR_OCPP_TESTS_STUB_KERNEL_H_

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#endif /* ZEPHYR_OCPP_TESTS_STUB_KERNEL_H_ */
