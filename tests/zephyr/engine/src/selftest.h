/*
 * The engine self-tests of zephyr-ocpp (src/selftest.rs, CONFIG_OCPP_SELFTEST). They are not
 * part of <zephyr/net/ocpp.h>: only this test declares them.
 *
 * Each runs one scenario on the Rust engine with a virtual clock and returns 0, or minus the
 * line of src/selftest.rs whose check failed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef OCPP_SELFTEST_H_
#define OCPP_SELFTEST_H_

/** A new charge point with CONFIG_OCPP_MAX_CONNECTORS connectors: offline, idle, silent. */
int ocpp_selftest_new(void);
/** Valid, padded, malformed, invalid and oversized frames: CALLRESULT or the right CALLERROR. */
int ocpp_selftest_framing(void);
/** BootNotification Pending, retried, Accepted; heartbeats at the Central System's interval. */
int ocpp_selftest_boot(void);
/** Authorize, StartTransaction, periodic MeterValues, StopTransaction with its transactionId. */
int ocpp_selftest_transaction(void);
/** Transactions started and stopped offline are replayed in order with the assigned ids. */
int ocpp_selftest_offline_replay(void);
/** GetConfiguration of every key fits CONFIG_OCPP_SEND_BUFFER_SIZE, at the longest values too. */
int ocpp_selftest_configuration_fits(void);
/** The transaction queue's bytes restore into the same records; a torn write loses one. */
int ocpp_selftest_power_cut(void);

/* The optional profiles' self-tests exist when the profile is built (CONFIG_OCPP_PROFILE_*). */
#if defined(CONFIG_OCPP_PROFILE_REMOTE_TRIG)
/** TriggerMessage StatusNotification/MeterValues Accepted, sent after the answer; bad connector. */
int ocpp_selftest_remote_trigger(void);
#endif
#if defined(CONFIG_OCPP_PROFILE_RESERVATION)
/** ReserveNow, another idTag refused, CancelReservation, expiry, Occupied, holder's start. */
int ocpp_selftest_reservation(void);
#endif
#if defined(CONFIG_OCPP_PROFILE_LOCAL_AUTH_LIST)
/** SendLocalList Full/Differential, versions, capacity + 1 Failed, offline decision by the list. */
int ocpp_selftest_local_list(void);
#endif
#if defined(CONFIG_OCPP_PROFILE_SMART_CHARGE)
/** Charging profiles stacked and capped, the limit event at a boundary, composite, over capacity. */
int ocpp_selftest_smart_charging(void);
#endif

#endif /* OCPP_SELFTEST_H_ */
