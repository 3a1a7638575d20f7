"""The dev CS's security whitepaper handlers (tools/dev_cs_security.py): the charge point's
whitepaper messages are answered with schema-valid results and logged."""

from __future__ import annotations

from ocpp.v16 import call

from sim_cp import connected_cp, run


def test_security_whitepaper_notifications_are_answered_and_logged(dev_cs):
    url = f"ws://127.0.0.1:{dev_cs.ws_port}/sec"

    async def body():
        async with connected_cp(url, "sec") as cp:
            await cp.boot()
            await cp.call(call.SecurityEventNotification(
                type="StartupOfTheDevice", timestamp="2026-12-02T15:00:00.000Z",
                tech_info="boot"), suppress=False)
            await cp.call(call.LogStatusNotification(status="Idle", request_id=1), suppress=False)
            await cp.call(call.SignedFirmwareStatusNotification(status="Idle", request_id=1),
                          suppress=False)

    run(body())
    actions = [m["action"] for m in dev_cs.messages("sec")]
    assert actions == ["BootNotification", "SecurityEventNotification",
                       "LogStatusNotification", "SignedFirmwareStatusNotification"]
    event = dev_cs.messages("sec", action="SecurityEventNotification")[0]["payload"]
    assert event == {"type": "StartupOfTheDevice", "timestamp": "2026-12-02T15:00:00.000Z",
                     "techInfo": "boot"}
