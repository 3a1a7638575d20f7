/*
 * <zephyr/net/ocpp.h> from C++: it compiles (extern "C", no C-only constructs), and its
 * functions link with C linkage.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <zephyr/net/ocpp.h>

namespace {

int user_cb(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	static_cast<void>(user_data);
	switch (reason) {
	case OCPP_USR_GET_METER_VALUE:
		io->meter_val.val[0] = '0';
		io->meter_val.val[1] = '\0';
		return 0;
	case OCPP_USR_START_CHARGING:
	case OCPP_USR_STOP_CHARGING:
	case OCPP_USR_UNLOCK_CONNECTOR:
		return 0;
	}
	return -1;
}

static_assert(sizeof(union ocpp_io_value) == 60, "union ocpp_io_value");
static_assert(sizeof(struct ocpp_cp_info) == 10 * sizeof(void *), "struct ocpp_cp_info");
static_assert(CISTR50 == 50, "CISTR50");

} // namespace

int main()
{
	ocpp_user_notify_callback_t cb = user_cb;
	ocpp_session_handle_t h = nullptr;
	ocpp_cp_info_t cpi = {};
	ocpp_cs_info_t csi = {};
	struct ocpp_event ev = {};
	ocpp_auth_status_t status = OCPP_AUTH_INVALID;

	static_cast<void>(cb);
	static_cast<void>(cpi);
	static_cast<void>(csi);
	static_cast<void>(status);
	int failures = 0;
	failures += ocpp_session_open(&h) != -EINVAL;
	failures += ocpp_poll_event(&ev, 0) != -EINVAL;
	failures += ocpp_set_connector_status(1, OCPP_CONNECTOR_AVAILABLE, OCPP_CONNECTOR_NO_ERROR) !=
		    -EINVAL;
	failures += ocpp_is_online();
	printf("C++ translation unit: %s\n", failures == 0 ? "ok" : "FAILED");
	return failures;
}
