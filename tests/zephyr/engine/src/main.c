/*
 * The zephyr-ocpp engine on the target, without a network: each test runs one self-test of the
 * Rust engine (src/selftest.rs) built for this board with the Kconfig capacities.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>

#include <zephyr/net/ocpp.h>
#include <zephyr/ztest.h>

#include "selftest.h"

/*
 * A failed self-test returns minus the line of the failed check in src/selftest.rs. The stack
 * it used is printed: the engine's calls need about that much on the OCPP thread too
 * (CONFIG_OCPP_INT_THREAD_STACKSIZE), since engine and buffers are static in both.
 */
#define ZASSERT_SELFTEST(call, what)                                                               \
	do {                                                                                       \
		int ret = (call);                                                                  \
		report_stack(what);                                                                \
		zassert_equal(ret, 0, "%s: check at src/selftest.rs:%d failed", what, -ret);       \
	} while (0)

static void report_stack(const char *what)
{
#ifdef CONFIG_ARCH_POSIX
	/* native_sim runs threads on host stacks: Zephyr's stack painting says nothing there. */
	ARG_UNUSED(what);
#else
	size_t unused;

	if (k_thread_stack_space_get(k_current_get(), &unused) == 0) {
		TC_PRINT("%s: %zu of %zu stack bytes used\n", what,
			 k_current_get()->stack_info.size - unused, k_current_get()->stack_info.size);
	}
#endif
}

ZTEST(ocpp_engine, test_new_charge_point_is_idle)
{
	ZASSERT_SELFTEST(ocpp_selftest_new(), "new charge point");
}

ZTEST(ocpp_engine, test_framing_answers_with_callerror_codes)
{
	ZASSERT_SELFTEST(ocpp_selftest_framing(), "framing");
}

ZTEST(ocpp_engine, test_boot_pending_then_accepted_then_heartbeat)
{
	ZASSERT_SELFTEST(ocpp_selftest_boot(), "boot");
}

ZTEST(ocpp_engine, test_transaction_carries_transaction_id)
{
	ZASSERT_SELFTEST(ocpp_selftest_transaction(), "transaction");
}

ZTEST(ocpp_engine, test_offline_transactions_replayed_in_order)
{
	ZASSERT_SELFTEST(ocpp_selftest_offline_replay(), "offline replay");
}

ZTEST(ocpp_engine, test_configuration_fits_send_buffer)
{
	ZASSERT_SELFTEST(ocpp_selftest_configuration_fits(), "GetConfiguration size");
}

#if defined(CONFIG_OCPP_TEST_POWER_CUT)
ZTEST(ocpp_engine, test_power_cut_restores_from_the_store)
{
	ZASSERT_SELFTEST(ocpp_selftest_power_cut(), "power cut");
}
#endif

#if defined(CONFIG_OCPP_PROFILE_REMOTE_TRIG)
ZTEST(ocpp_engine, test_trigger_message_answered_before_triggered_call)
{
	ZASSERT_SELFTEST(ocpp_selftest_remote_trigger(), "remote trigger");
}
#endif

#if defined(CONFIG_OCPP_PROFILE_RESERVATION)
ZTEST(ocpp_engine, test_reservation_holds_connector_until_used_cancelled_or_expired)
{
	ZASSERT_SELFTEST(ocpp_selftest_reservation(), "reservation");
}
#endif

#if defined(CONFIG_OCPP_PROFILE_LOCAL_AUTH_LIST)
ZTEST(ocpp_engine, test_local_list_updates_versions_capacity_and_offline_authorize)
{
	ZASSERT_SELFTEST(ocpp_selftest_local_list(), "local auth list");
}
#endif

#if defined(CONFIG_OCPP_PROFILE_SMART_CHARGE)
ZTEST(ocpp_engine, test_smart_charging_limit_follows_stacked_profiles)
{
	ZASSERT_SELFTEST(ocpp_selftest_smart_charging(), "smart charging");
}
#endif

/* The C API is linked too, and checks its arguments before touching the network. */
ZTEST(ocpp_engine, test_api_init_rejects_null_arguments)
{
	zassert_equal(ocpp_init(NULL, NULL, NULL, NULL), -EINVAL, "ocpp_init(NULL...) must be -EINVAL");
	zassert_false(ocpp_is_online(), "not initialized: not online");
}

ZTEST_SUITE(ocpp_engine, NULL, NULL, NULL, NULL, NULL);
