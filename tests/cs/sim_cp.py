"""A minimal Python OCPP 1.6J charge point (ocpp.v16.ChargePoint over a real
websocket) used to exercise the dev CS in tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import AsyncIterator

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from websockets.asyncio.client import ClientConnection, connect


# What TriggerMessage can make the sim send; other requests get "NotImplemented".
TRIGGERABLE = ("BootNotification", "Heartbeat", "StatusNotification")
CONNECTORS = (0, 1, 2)  # 0 = the charge point as a whole
NOW_UTC = "2024-05-01T12:00:00.000Z"


class SimCP(ChargePoint):
    """Answers a few CS->CP actions; anything else gets the library's
    NotImplemented (known action) or NotSupported (unknown action) CALLERROR.

    ``received`` holds (action, snake_case kwargs) as the handlers got them;
    ``calls`` holds (action, payload) of every CS->CP CALL exactly as it came
    off the wire, so tests can compare payloads key for key.
    """

    def __init__(self, cp_id: str, ws: ClientConnection):
        super().__init__(cp_id, ws, response_timeout=5)
        self.ws = ws
        self.received: list[tuple[str, dict]] = []
        self.calls: list[tuple[str, dict]] = []
        # Just enough profile state for answers to depend on earlier commands.
        self.reservations: dict[int, dict] = {}  # reservation_id -> ReserveNow kwargs
        self.local_list: dict[str, dict] = {}  # idTag -> idTagInfo (snake_case keys)
        self.local_list_version = 0  # 0 = no list installed (GetLocalListVersion.conf)
        self.profiles: dict[int, dict] = {}  # chargingProfileId -> SetChargingProfile kwargs
        self._tasks: set[asyncio.Task] = set()

    async def route_message(self, raw_msg):
        with contextlib.suppress(ValueError):  # garbage is the library's to report
            msg = json.loads(raw_msg)
            if isinstance(msg, list) and len(msg) == 4 and msg[0] == 2:
                self.calls.append((msg[2], msg[3]))
        await super().route_message(raw_msg)

    @on("RemoteStartTransaction")
    def on_remote_start(self, id_tag, **kwargs):
        self.received.append(("RemoteStartTransaction", {"id_tag": id_tag, **kwargs}))
        return call_result.RemoteStartTransaction(status="Accepted")

    @on("RemoteStopTransaction")
    def on_remote_stop(self, transaction_id, **kwargs):
        self.received.append(("RemoteStopTransaction", {"transaction_id": transaction_id}))
        return call_result.RemoteStopTransaction(status="Rejected")

    @on("GetConfiguration")
    def on_get_configuration(self, key=None, **kwargs):
        self.received.append(("GetConfiguration", {"key": key}))
        return call_result.GetConfiguration(
            configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
        )

    # -- Remote Trigger profile -------------------------------------------------

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message, connector_id=None, **kwargs):
        self.received.append(("TriggerMessage", {"requested_message": requested_message,
                                                 "connector_id": connector_id}))
        if requested_message not in TRIGGERABLE:
            return call_result.TriggerMessage(status="NotImplemented")
        if connector_id is not None and connector_id not in CONNECTORS:
            return call_result.TriggerMessage(status="Rejected")
        return call_result.TriggerMessage(status="Accepted")

    @after("TriggerMessage")
    def after_trigger_message(self, requested_message, connector_id=None, **kwargs):
        # As the spec asks: answer first, then send the requested message.
        if requested_message in TRIGGERABLE and connector_id in CONNECTORS + (None,):
            task = asyncio.get_running_loop().create_task(
                self._send_triggered(requested_message, connector_id))
            self._tasks.add(task)  # the loop only keeps weak references
            task.add_done_callback(self._tasks.discard)

    async def _send_triggered(self, requested_message, connector_id):
        if requested_message == "Heartbeat":
            await self.call(call.Heartbeat())
        elif requested_message == "BootNotification":
            await self.boot()
        else:
            await self.call(call.StatusNotification(
                connector_id=connector_id or 0, error_code="NoError", status="Available"))

    # -- Reservation profile ----------------------------------------------------

    @on("ReserveNow")
    def on_reserve_now(self, connector_id, expiry_date, id_tag, reservation_id, **kwargs):
        args = {"connector_id": connector_id, "expiry_date": expiry_date, "id_tag": id_tag,
                "reservation_id": reservation_id, **kwargs}
        self.received.append(("ReserveNow", args))
        if connector_id not in CONNECTORS:
            return call_result.ReserveNow(status="Rejected")
        taken = any(r["connector_id"] == connector_id and rid != reservation_id
                    for rid, r in self.reservations.items())
        if taken:
            return call_result.ReserveNow(status="Occupied")
        self.reservations[reservation_id] = args  # a known reservationId is replaced
        return call_result.ReserveNow(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id, **kwargs):
        self.received.append(("CancelReservation", {"reservation_id": reservation_id}))
        if self.reservations.pop(reservation_id, None) is None:
            return call_result.CancelReservation(status="Rejected")
        return call_result.CancelReservation(status="Accepted")

    # -- Local Auth List Management profile ---------------------------------------

    @on("SendLocalList")
    def on_send_local_list(self, list_version, update_type, local_authorization_list=None,
                           **kwargs):
        entries = local_authorization_list or []
        self.received.append(("SendLocalList", {"list_version": list_version,
                                                "update_type": update_type,
                                                "local_authorization_list": entries}))
        if update_type == "Full":
            self.local_list = {e["id_tag"]: e["id_tag_info"] for e in entries if "id_tag_info" in e}
        else:
            if list_version <= self.local_list_version:
                return call_result.SendLocalList(status="VersionMismatch")
            for e in entries:
                if "id_tag_info" in e:
                    self.local_list[e["id_tag"]] = e["id_tag_info"]
                else:  # no idTagInfo: delete the entry
                    self.local_list.pop(e["id_tag"], None)
        self.local_list_version = list_version
        return call_result.SendLocalList(status="Accepted")

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **kwargs):
        self.received.append(("GetLocalListVersion", {}))
        return call_result.GetLocalListVersion(list_version=self.local_list_version)

    # -- Smart Charging profile ---------------------------------------------------

    @on("SetChargingProfile")
    def on_set_charging_profile(self, connector_id, cs_charging_profiles, **kwargs):
        if connector_id not in CONNECTORS:
            return call_result.SetChargingProfile(status="Rejected")
        profile = cs_charging_profiles
        self.profiles[profile["charging_profile_id"]] = {"connector_id": connector_id, **profile}
        return call_result.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, id=None, connector_id=None, charging_profile_purpose=None,
                                  stack_level=None, **kwargs):
        def matches(pid, p):
            if id is not None:
                return pid == id
            return ((connector_id is None or p["connector_id"] == connector_id)
                    and (charging_profile_purpose is None
                         or p["charging_profile_purpose"] == charging_profile_purpose)
                    and (stack_level is None or p["stack_level"] == stack_level))
        gone = [pid for pid, p in self.profiles.items() if matches(pid, p)]
        for pid in gone:
            del self.profiles[pid]
        return call_result.ClearChargingProfile(status="Accepted" if gone else "Unknown")

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(self, connector_id, duration, charging_rate_unit=None, **kwargs):
        if connector_id not in CONNECTORS:
            return call_result.GetCompositeSchedule(status="Rejected")
        return call_result.GetCompositeSchedule(
            status="Accepted", connector_id=connector_id, schedule_start=NOW_UTC,
            charging_schedule={"duration": duration, "charging_rate_unit": charging_rate_unit or "A",
                               "charging_schedule_period": [{"start_period": 0, "limit": 16.0}]})

    async def boot(self) -> call_result.BootNotification:
        return await self.call(
            call.BootNotification(charge_point_model="SimModel", charge_point_vendor="SimVendor"),
            suppress=False,
        )


@contextlib.asynccontextmanager
async def connected_cp(url: str, cp_id: str, cls=SimCP) -> AsyncIterator[SimCP]:
    """Open a websocket to `url` (ocpp1.6 subprotocol) and run the CP's
    receive loop in the background for the duration of the block."""
    ws = await connect(url, subprotocols=["ocpp1.6"], open_timeout=5, close_timeout=2)
    cp = cls(cp_id, ws)
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await ws.close()


def run(coro, timeout: float = 30.0):
    """Run one async test body with a hard upper bound."""
    return asyncio.run(asyncio.wait_for(coro, timeout))
