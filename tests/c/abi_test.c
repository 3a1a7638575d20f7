/*
 * ABI of <zephyr/net/ocpp.h> against Zephyr 4.3's header: sizes, offsets, enum values and
 * function types. Built 64-bit (LP64) and 32-bit (-m32, ILP32) and linked with the staticlib
 * of the same target, whose Rust side asserts the same sizes at compile time (src/ffi.rs).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdalign.h>
#include <stddef.h>

#include <zephyr/net/ocpp.h>

#include "check.h"

#define PTR ((long long)sizeof(void *))

/* Zephyr's anonymous union members, spelled the way applications access them. */
typedef union ocpp_io_value io_t;

static void io_value_layout(void)
{
	CHECK_EQ(CISTR50, 50);
	CHECK_EQ(sizeof(union ocpp_io_value), 60);
	CHECK_EQ(alignof(union ocpp_io_value), 4);
	CHECK_EQ(offsetof(io_t, meter_val.id_con), 0);
	CHECK_EQ(offsetof(io_t, meter_val.mes), 4);
	CHECK_EQ(offsetof(io_t, meter_val.val), 8);
	CHECK_EQ(sizeof(((io_t *)0)->meter_val.val), 50);
	CHECK_EQ(sizeof(((io_t *)0)->meter_val), 60);
	CHECK_EQ(offsetof(io_t, start_charge.idtag), 0);
	CHECK_EQ(sizeof(((io_t *)0)->start_charge.idtag), 50);
	CHECK_EQ(offsetof(io_t, start_charge.id_con), 52);
	CHECK_EQ(sizeof(((io_t *)0)->start_charge), 56);
	CHECK_EQ(offsetof(io_t, stop_charge.id_con), 0);
	CHECK_EQ(offsetof(io_t, unlock_con.id_con), 0);
	CHECK_EQ(sizeof(enum ocpp_meter_measurand), 4);
}

static void cp_info_layout(void)
{
	CHECK_EQ(sizeof(struct ocpp_cp_info), 10 * PTR);
	CHECK_EQ(sizeof(struct ocpp_cp_info), PTR == 8 ? 80 : 40);
	CHECK_EQ(offsetof(struct ocpp_cp_info, model), 0);
	CHECK_EQ(offsetof(struct ocpp_cp_info, vendor), PTR);
	CHECK_EQ(offsetof(struct ocpp_cp_info, num_of_con), 2 * PTR);
	CHECK_EQ(offsetof(struct ocpp_cp_info, sl_no), 3 * PTR);
	CHECK_EQ(offsetof(struct ocpp_cp_info, box_sl_no), 4 * PTR);
	CHECK_EQ(offsetof(struct ocpp_cp_info, fw_ver), 5 * PTR);
	CHECK_EQ(offsetof(struct ocpp_cp_info, iccid), 6 * PTR);
	CHECK_EQ(offsetof(struct ocpp_cp_info, imsi), 7 * PTR);
	CHECK_EQ(offsetof(struct ocpp_cp_info, meter_sl_no), 8 * PTR);
	CHECK_EQ(offsetof(struct ocpp_cp_info, meter_type), 9 * PTR);
	CHECK_EQ(sizeof(((struct ocpp_cp_info *)0)->num_of_con), sizeof(int));
}

static void cs_info_layout(void)
{
	CHECK_EQ(sizeof(struct ocpp_cs_info), PTR == 8 ? 24 : 16);
	CHECK_EQ(offsetof(struct ocpp_cs_info, cs_ip), 0);
	CHECK_EQ(offsetof(struct ocpp_cs_info, ws_url), PTR);
	CHECK_EQ(offsetof(struct ocpp_cs_info, port), 2 * PTR);
	CHECK_EQ(offsetof(struct ocpp_cs_info, sa_family), 2 * PTR + 4);
	CHECK_EQ(sizeof(sa_family_t), 2);
	CHECK_EQ(sizeof(ocpp_session_handle_t), PTR);
}

static void enum_values(void)
{
	CHECK_EQ(OCPP_AUTH_INVALID, 0);
	CHECK_EQ(OCPP_AUTH_ACCEPTED, 1);
	CHECK_EQ(OCPP_AUTH_BLOCKED, 2);
	CHECK_EQ(OCPP_AUTH_EXPIRED, 3);
	CHECK_EQ(OCPP_AUTH_CONCURRENT_TX, 4);

	CHECK_EQ(OCPP_USR_GET_METER_VALUE, 0);
	CHECK_EQ(OCPP_USR_START_CHARGING, 1);
	CHECK_EQ(OCPP_USR_STOP_CHARGING, 2);
	CHECK_EQ(OCPP_USR_UNLOCK_CONNECTOR, 3);

	CHECK_EQ(OCPP_OMM_CURRENT_FROM_EV, 0);
	CHECK_EQ(OCPP_OMM_CURRENT_TO_EV, 1);
	CHECK_EQ(OCPP_OMM_CURRENT_MAX_OFFERED_TO_EV, 2);
	CHECK_EQ(OCPP_OMM_ACTIVE_ENERGY_FROM_EV, 3);
	CHECK_EQ(OCPP_OMM_ACTIVE_ENERGY_TO_EV, 4);
	CHECK_EQ(OCPP_OMM_REACTIVE_ENERGY_FROM_EV, 5);
	CHECK_EQ(OCPP_OMM_REACTIVE_ENERGY_TO_EV, 6);
	CHECK_EQ(OCPP_OMM_ACTIVE_POWER_FROM_EV, 7);
	CHECK_EQ(OCPP_OMM_ACTIVE_POWER_TO_EV, 8);
	CHECK_EQ(OCPP_OMM_REACTIVE_POWER_FROM_EV, 9);
	CHECK_EQ(OCPP_OMM_REACTIVE_POWER_TO_EV, 10);
	CHECK_EQ(OCPP_OMM_POWERLINE_FREQ, 11);
	CHECK_EQ(OCPP_OMM_POWER_FACTOR, 12);
	CHECK_EQ(OCPP_OMM_POWER_MAX_OFFERED_TO_EV, 13);
	CHECK_EQ(OCPP_OMM_FAN_SPEED, 14);
	CHECK_EQ(OCPP_OMM_CHARGING_PERCENT, 15);
	CHECK_EQ(OCPP_OMM_TEMPERATURE, 16);
	CHECK_EQ(OCPP_OMM_VOLTAGE_AC_RMS, 17);
	CHECK_EQ(OCPP_OMM_END, 18);
}

/* A switch over each of Zephyr's enums without default: -Wswitch(-enum) -Werror fails the
 * build if an enumerator was added. */
static int reason_switch(enum ocpp_notify_reason r)
{
	switch (r) {
	case OCPP_USR_GET_METER_VALUE:
	case OCPP_USR_START_CHARGING:
	case OCPP_USR_STOP_CHARGING:
	case OCPP_USR_UNLOCK_CONNECTOR:
		return 1;
	}
	return 0;
}

static int auth_switch(enum ocpp_auth_status s)
{
	switch (s) {
	case OCPP_AUTH_INVALID:
	case OCPP_AUTH_ACCEPTED:
	case OCPP_AUTH_BLOCKED:
	case OCPP_AUTH_EXPIRED:
	case OCPP_AUTH_CONCURRENT_TX:
		return 1;
	}
	return 0;
}

static int user_cb(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	(void)io;
	(void)user_data;
	return reason_switch(reason);
}

static void function_types(void)
{
	/* The exact prototypes of Zephyr's header: an incompatible one is a build error. */
	int (*init)(struct ocpp_cp_info *, struct ocpp_cs_info *, ocpp_user_notify_callback_t,
		    void *) = ocpp_init;
	int (*open)(ocpp_session_handle_t *) = ocpp_session_open;
	void (*close)(ocpp_session_handle_t) = ocpp_session_close;
	int (*authorize)(ocpp_session_handle_t, char *, enum ocpp_auth_status *, uint32_t) =
		ocpp_authorize;
	int (*start)(ocpp_session_handle_t, int, uint8_t, uint32_t) = ocpp_start_transaction;
	int (*stop)(ocpp_session_handle_t, int, uint32_t) = ocpp_stop_transaction;
	int (*cb)(enum ocpp_notify_reason, union ocpp_io_value *, void *) = user_cb;
	ocpp_user_notify_callback_t typed = cb;

	/* The typedef names of Zephyr's documentation. */
	ocpp_cp_info_t cpi = {0};
	ocpp_cs_info_t csi = {0};
	ocpp_io_value_t io = {0};
	ocpp_notify_reason_t reason = OCPP_USR_STOP_CHARGING;
	ocpp_auth_status_t status = OCPP_AUTH_ACCEPTED;

	CHECK(init && open && close && authorize && start && stop && typed, "function pointers");
	CHECK_EQ(typed(reason, &io, NULL), 1);
	CHECK_EQ(auth_switch(status), 1);
	CHECK_EQ(sizeof(cpi) + sizeof(csi), sizeof(struct ocpp_cp_info) + sizeof(struct ocpp_cs_info));
}

static void links_and_runs(void)
{
	ocpp_session_handle_t h = NULL;

	/* The staticlib of this very target is linked: calls before ocpp_init fail cleanly. */
	CHECK_EQ(ocpp_session_open(&h), -EINVAL);
	CHECK(h == NULL, "handle untouched");
	CHECK_EQ(ocpp_deinit(), -EINVAL);
	CHECK(!ocpp_is_online(), "not online");
	printf("    sizes (%d-bit): ocpp_io_value %zu, ocpp_cp_info %zu, ocpp_cs_info %zu, "
	       "ocpp_event %zu, ocpp_transaction_info %zu\n",
	       (int)(8 * sizeof(void *)), sizeof(union ocpp_io_value), sizeof(struct ocpp_cp_info),
	       sizeof(struct ocpp_cs_info), sizeof(struct ocpp_event),
	       sizeof(struct ocpp_transaction_info));
}

int main(void)
{
	RUN(io_value_layout);
	RUN(cp_info_layout);
	RUN(cs_info_layout);
	RUN(enum_values);
	RUN(function_types);
	RUN(links_and_runs);
	return finish();
}
