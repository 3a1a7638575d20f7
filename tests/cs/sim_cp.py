"""A minimal Python OCPP 1.6J charge point (ocpp.v16.ChargePoint over a real
websocket) used to exercise the dev CS in tests."""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from websockets.asyncio.client import ClientConnection, connect


class SimCP(ChargePoint):
    """Answers a few CS->CP actions; anything else gets the library's
    NotImplemented (known action) or NotSupported (unknown action) CALLERROR."""

    def __init__(self, cp_id: str, ws: ClientConnection):
        super().__init__(cp_id, ws, response_timeout=5)
        self.ws = ws
        self.received: list[tuple[str, dict]] = []

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
