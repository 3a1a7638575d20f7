/*
 * Host stand-in for <zephyr/net/net_ip.h>, written for zephyr-ocpp's C tests: sa_family_t and
 * the AF_* values come from the host's socket headers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ZEPHYR_OCPP_TESTS_STUB_NET_IP_H_
#define ZEPHYR_OCPP_TESTS_STUB_NET_IP_H_

#include <netinet/in.h>
#include <sys/socket.h>

#endif /* ZEPHYR_OCPP_TESTS_STUB_NET_IP_H_ */
