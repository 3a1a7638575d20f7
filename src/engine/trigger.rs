//! Remote Trigger (TriggerMessage): the Central System asks for one of the charge point's own
//! messages now. The answer goes first (the handler only queues); the triggered message follows
//! through the ordinary send path, so it is never sent before the CALLRESULT.

use super::*;

impl<S: Station> ChargePoint<S> {
    pub(super) fn handle_trigger_message(&mut self, call: Incoming) -> Answer {
        let now = call.now;
        self.answer(call, |cp, req| cp.on_trigger_message(now, req))
    }

    fn on_trigger_message(
        &mut self,
        now: Instant,
        req: TriggerMessageRequest,
    ) -> TriggerMessageResponse {
        trigger_response(self.trigger(now, req.requested_message, req.connector_id))
    }

    /// The whitepaper's ExtendedTriggerMessage: TriggerMessage's messages (FirmwareStatus-
    /// Notification is a SignedFirmwareStatusNotification with feature `signed-firmware`, else
    /// the plain one), plus LogStatusNotification; SignChargePointCertificate starts a CSR with
    /// feature `certificate-signing` (engine/security/certificate_signing.rs), else is
    /// NotImplemented.
    #[cfg(feature = "security")]
    pub(super) fn handle_extended_trigger_message(&mut self, call: Incoming) -> Answer {
        let now = call.now;
        self.answer(call, |cp, req: ExtendedTriggerMessageRequest| {
            use ExtendedMessageTrigger as E;
            let base = match req.requested_message {
                E::BootNotification => MessageTrigger::BootNotification,
                #[cfg(not(feature = "signed-firmware"))]
                E::FirmwareStatusNotification => MessageTrigger::FirmwareStatusNotification,
                // The whitepaper: the state of the secure firmware update.
                #[cfg(feature = "signed-firmware")]
                E::FirmwareStatusNotification => {
                    let status = match cp.push_outgoing(Outgoing::SignedFirmwareStatus) {
                        Ok(()) => TriggerMessageStatus::Accepted,
                        Err(_) => TriggerMessageStatus::Rejected,
                    };
                    return ExtendedTriggerMessageResponse { status };
                }
                E::Heartbeat => MessageTrigger::Heartbeat,
                E::MeterValues => MessageTrigger::MeterValues,
                E::StatusNotification => MessageTrigger::StatusNotification,
                E::LogStatusNotification => {
                    let status = match cp.push_outgoing(Outgoing::LogStatus) {
                        Ok(()) => TriggerMessageStatus::Accepted,
                        Err(_) => TriggerMessageStatus::Rejected,
                    };
                    return ExtendedTriggerMessageResponse { status };
                }
                #[cfg(feature = "certificate-signing")]
                E::SignChargePointCertificate => {
                    return ExtendedTriggerMessageResponse {
                        status: cp.request_csr(),
                    }
                }
                #[cfg(not(feature = "certificate-signing"))]
                E::SignChargePointCertificate => {
                    return ExtendedTriggerMessageResponse {
                        status: TriggerMessageStatus::NotImplemented,
                    }
                }
            };
            ExtendedTriggerMessageResponse {
                status: cp.trigger(now, base, req.connector_id),
            }
        })
    }

    /// Queues `message` (for `connector_id`, or all connectors) after the answer.
    fn trigger(
        &mut self,
        now: Instant,
        message: MessageTrigger,
        connector_id: Option<u32>,
    ) -> TriggerMessageStatus {
        let connector = match connector_id {
            None => None,
            Some(id) => match u8::try_from(id)
                .ok()
                .filter(|&c| usize::from(c) < self.connectors.len())
            {
                Some(connector) => Some(connector),
                None => return TriggerMessageStatus::Rejected,
            },
        };
        let queued = match message {
            MessageTrigger::BootNotification => self.push_outgoing(Outgoing::Boot).is_ok(),
            MessageTrigger::Heartbeat => self.trigger_heartbeat(),
            MessageTrigger::StatusNotification => {
                self.trigger_status(connector);
                true
            }
            MessageTrigger::MeterValues => self.trigger_meter_values(now, connector),
            MessageTrigger::DiagnosticsStatusNotification => {
                self.push_outgoing(Outgoing::DiagnosticsStatus).is_ok()
            }
            MessageTrigger::FirmwareStatusNotification => {
                self.push_outgoing(Outgoing::FirmwareStatus).is_ok()
            }
        };
        if !queued {
            return TriggerMessageStatus::Rejected;
        }
        self.emit(Event::MessageTriggered { message, connector });
        TriggerMessageStatus::Accepted
    }

    /// What a triggered LogStatusNotification reports (status, requestId): no GetLog upload
    /// runs in this build.
    #[cfg(all(feature = "security", not(feature = "security-log")))]
    pub(super) fn log_status(&self) -> (UploadLogStatus, Option<i32>) {
        (UploadLogStatus::Idle, None)
    }

    /// What a triggered LogStatusNotification reports: the running GetLog upload's status
    /// and requestId, else Idle without a requestId (the whitepaper's only use of Idle).
    #[cfg(feature = "security-log")]
    pub(super) fn log_status(&self) -> (UploadLogStatus, Option<i32>) {
        self.log_upload_status()
    }

    /// A Heartbeat already waiting to be sent answers the trigger too.
    fn trigger_heartbeat(&mut self) -> bool {
        let pending = self.outbox.iter().any(|(_, o)| *o == Outgoing::Heartbeat);
        pending || self.push_outgoing(Outgoing::Heartbeat).is_ok()
    }

    /// The status of `connector` (connector 0 is the charge point), or of every connector, is
    /// sent again at once, changed or not.
    fn trigger_status(&mut self, connector: Option<u8>) {
        let targets = match connector {
            Some(c) => c..=c,
            None => 0..=self.number_of_connectors(),
        };
        for index in targets {
            let seq = self.next_seq();
            if let Some(c) = self.connectors.get_mut(usize::from(index)) {
                c.reported = None;
                c.triggered = true;
                c.seq = seq;
            }
        }
    }

    /// MeterValues of the current MeterValuesSampledData readings, context Trigger, for
    /// `connector` (0: the main meter) or every connector. False when no reading was available.
    fn trigger_meter_values(&mut self, now: Instant, connector: Option<u8>) -> bool {
        let targets = match connector {
            Some(c) => c..=c,
            None => 1..=self.number_of_connectors(),
        };
        let measurands = self.config.MeterValuesSampledData.clone();
        let mut queued = false;
        for index in targets {
            let values = self.sample(index, &measurands, ReadingContext::Trigger);
            if values.is_empty() {
                continue;
            }
            let outgoing = Outgoing::MeterValues {
                connector: index,
                transaction_id: self.transaction_id(index),
                at: self.stamp(now),
            };
            queued |= self.push_meter_values(outgoing, values).is_ok();
        }
        queued
    }

    /// What a triggered DiagnosticsStatusNotification reports: no upload runs in this build.
    #[cfg(not(feature = "firmware-management"))]
    pub(super) fn diagnostics_status(&self) -> DiagnosticsStatus {
        DiagnosticsStatus::Idle
    }

    /// What a triggered FirmwareStatusNotification reports: no update runs in this build.
    #[cfg(not(feature = "firmware-management"))]
    pub(super) fn firmware_status(&self) -> FirmwareStatus {
        FirmwareStatus::Idle
    }
}

fn trigger_response(status: TriggerMessageStatus) -> TriggerMessageResponse {
    TriggerMessageResponse { status }
}
