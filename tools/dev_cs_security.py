"""The security whitepaper's side of the development Central System (tools/dev_cs.py).

``SecurityHandlers`` is mixed into the dev CS's charge point class: it answers the
whitepaper's charge-point-initiated requests (SecurityEventNotification,
LogStatusNotification, SignedFirmwareStatusNotification) with the ``ocpp`` package's
call results, so they are logged and schema-checked like every other frame.  The
whitepaper's CS-initiated requests (ExtendedTriggerMessage, InstallCertificate, GetLog,
...) are sent with the generic ``POST /call``, which validates them against the
package's v16 schemas.
"""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

# The whitepaper's requests sent by the Central System, for the help text and tests.
CS_REQUESTS = (
    "CertificateSigned",
    "DeleteCertificate",
    "ExtendedTriggerMessage",
    "GetInstalledCertificateIds",
    "GetLog",
    "InstallCertificate",
    "SignedUpdateFirmware",
)


class SecurityHandlers:
    """@on handlers of the whitepaper's charge-point-initiated messages."""

    @on(Action.security_event_notification)
    def on_security_event_notification(self, **kwargs):
        return call_result.SecurityEventNotification()

    @on(Action.log_status_notification)
    def on_log_status_notification(self, **kwargs):
        return call_result.LogStatusNotification()

    @on(Action.signed_firmware_status_notification)
    def on_signed_firmware_status_notification(self, **kwargs):
        return call_result.SignedFirmwareStatusNotification()
