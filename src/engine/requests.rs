//! Requests to the Central System: the outbox, the one CALL in flight, picking what is sent next,
//! serializing it into the caller's buffer and routing the answer back to its feature.

use super::*;

/// Non-transaction requests waiting to be sent. Small (no readings inside): it is moved from
/// the outbox into the CALL in flight, and its readings would be copied each time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outgoing {
    Heartbeat,
    Authorize {
        ticket: Option<Ticket>,
        id_tag: CiString20,
        remote_start_connector: Option<u8>,
    },
    /// The request itself waits in `ChargePoint::data_transfer_request` (one at a time).
    DataTransfer {
        ticket: Ticket,
    },
    /// Readings outside the transaction queue (not held offline): clock-aligned ones of a
    /// connector without a transaction, or triggered ones.
    MeterValues {
        connector: u8,
        /// Only triggered readings are sent during a transaction outside its queue.
        #[cfg(feature = "remote-trigger")]
        transaction_id: Option<i32>,
        /// Its readings wait in `ChargePoint::meter_readings`, in the outbox's order.
        at: Stamp,
    },
    /// A BootNotification the Central System asked for while registered (TriggerMessage).
    #[cfg(feature = "remote-trigger")]
    Boot,
    #[cfg(feature = "remote-trigger")]
    DiagnosticsStatus,
    #[cfg(feature = "remote-trigger")]
    FirmwareStatus,
    /// A LogStatusNotification the Central System asked for (ExtendedTriggerMessage).
    #[cfg(feature = "security")]
    LogStatus,
    /// SignCertificate.req: its CSR waits in the certificate-signing state.
    #[cfg(feature = "certificate-signing")]
    SignCertificate,
    /// A SignedFirmwareStatusNotification the Central System asked for (ExtendedTriggerMessage).
    #[cfg(feature = "signed-firmware")]
    SignedFirmwareStatus,
    /// The front of the Firmware Management notifications (it stays queued until answered).
    #[cfg(feature = "firmware-management")]
    Notice(firmware::Notice),
}

/// What the CALL awaiting an answer was.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    Boot,
    Status {
        connector: u8,
        sent: (ChargePointStatus, ChargePointErrorCode),
    },
    /// The head of the transaction queue.
    Transaction,
    Outbox(Outgoing),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InFlight {
    pub(super) id: MessageId,
    pub(super) origin: Origin,
    pub(super) deadline: Instant,
    pub(super) sent_at: Instant,
    /// The deadline passed once in silence and the link is being probed (keepalive).
    pub(super) probed: bool,
}

impl<S: Station> ChargePoint<S> {
    pub(super) fn fail_outgoing(&mut self, outgoing: Outgoing, error: RequestError) {
        match outgoing {
            #[cfg(feature = "firmware-management")]
            Outgoing::Notice(_) => self.notice_done(Some(error)),
            Outgoing::Authorize {
                ticket: Some(ticket),
                ..
            } => self.emit(Event::Authorized {
                ticket,
                result: Err(error),
            }),
            Outgoing::DataTransfer { ticket } => {
                self.data_transfer_request = None;
                self.emit(Event::DataTransferred {
                    ticket,
                    result: Err(error),
                })
            }
            #[cfg(feature = "certificate-signing")]
            Outgoing::SignCertificate => self.sign_certificate_failed(error),
            _ => {}
        }
    }

    /// Queues MeterValues with their readings (both queues, or neither).
    pub(super) fn push_meter_values(
        &mut self,
        outgoing: Outgoing,
        values: Vec<SampledValue, MAX_SAMPLED_VALUES>,
    ) -> Result<(), CommandError> {
        self.meter_readings
            .push_back(values)
            .map_err(|_| CommandError::QueueFull)?;
        self.push_outgoing(outgoing).inspect_err(|_| {
            self.meter_readings.pop_back();
        })
    }

    /// Requests other than transaction messages waiting to be sent (at most OUTBOX_DEPTH).
    pub fn queued_requests(&self) -> usize {
        self.outbox.len()
    }

    pub(super) fn push_outgoing(&mut self, outgoing: Outgoing) -> Result<(), CommandError> {
        let seq = self.next_seq();
        self.outbox
            .push_back((seq, outgoing))
            .map_err(|_| CommandError::QueueFull)
    }

    /// Writes the next frame to send into `buf` (give it FRAME_CAPACITY bytes) and returns its
    /// length. Call until it returns None. A request that cannot fit any buffer is dropped and
    /// reported ([`RequestError::TooLarge`]).
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// # let (mut cp, now) = online();
    /// cp.authorize(now, "TAG-1").unwrap();
    /// let mut buf = [0u8; 512];
    /// let n = cp.poll_transmit(now, &mut buf).unwrap();
    /// assert!(core::str::from_utf8(&buf[..n]).unwrap().contains(r#""Authorize",{"idTag":"TAG-1"}"#));
    /// assert_eq!(cp.poll_transmit(now, &mut buf), None, "one CALL in flight at a time");
    /// ```
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        if !self.connected || self.in_flight.is_some() {
            return None;
        }
        if self.registration != Some(RegistrationStatus::Accepted) {
            if self.next_boot_at.is_some_and(|t| t <= now) {
                self.next_boot_at = None;
                let boot = self.boot_info.clone();
                return self.send(now, buf, Origin::Boot, &boot);
            }
            return None;
        }
        loop {
            let origin = self.next_origin(now)?;
            if let Some(n) = self.transmit(now, buf, origin) {
                return Some(n);
            }
        }
    }

    /// Picks the oldest due message among status changes, the outbox and the transaction queue.
    pub(super) fn next_origin(&mut self, now: Instant) -> Option<Origin> {
        let min_duration = u64::from(self.config.MinimumStatusDuration) * 1000;
        let status = self
            .connectors
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.reported != Some((c.status, c.error_code))
                    && (c.is_triggered() || c.since.plus_millis(min_duration) <= now)
            })
            .min_by_key(|(_, c)| c.seq)
            .map(|(i, c)| (c.seq, i as u8, (c.status, c.error_code)));
        let outbox = self.outbox.front().map(|(seq, _)| *seq);
        #[cfg(feature = "firmware-management")]
        let notice = self.notice_seq();
        #[cfg(not(feature = "firmware-management"))]
        let notice = None;
        let tx = self
            .transactions
            .front_seq()
            .filter(|_| self.transactions.head_not_before().is_none_or(|t| t <= now));
        let best = [status.map(|s| s.0), outbox, tx, notice]
            .into_iter()
            .flatten()
            .min()?;
        if let Some((seq, connector, sent)) = status {
            if seq == best {
                #[cfg(feature = "remote-trigger")]
                if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
                    c.triggered = false;
                }
                return Some(Origin::Status { connector, sent });
            }
        }
        #[cfg(feature = "firmware-management")]
        if notice == Some(best) {
            if let Some((_, n)) = self.firmware_front_notice() {
                return Some(Origin::Outbox(Outgoing::Notice(n)));
            }
        }
        if outbox == Some(best) {
            return self.outbox.pop_front().map(|(_, o)| Origin::Outbox(o));
        }
        Some(Origin::Transaction)
    }

    /// Serializes one message; None when it was dropped (and reported) instead. Each kind in
    /// a frame of its own (the transaction queue's records, the outbox's requests): only the
    /// request being written occupies the stack.
    #[inline(never)]
    pub(super) fn transmit(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        origin: Origin,
    ) -> Option<usize> {
        match origin {
            Origin::Boot => None,
            Origin::Status { connector, sent } => self.transmit_status(now, buf, connector, sent),
            #[cfg(feature = "firmware-management")]
            Origin::Outbox(Outgoing::Notice(_)) => self.transmit_notice(now, buf),
            Origin::Outbox(outgoing) => self.transmit_outgoing(now, buf, outgoing),
            Origin::Transaction => self.transmit_transaction(now, buf),
        }
    }

    #[inline(never)]
    fn transmit_outgoing(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        outgoing: Outgoing,
    ) -> Option<usize> {
        let origin = Origin::Outbox(outgoing);
        match &origin {
            Origin::Outbox(Outgoing::Heartbeat) => {
                self.send(now, buf, origin, &HeartbeatRequest {})
            }
            Origin::Outbox(Outgoing::Authorize { id_tag, .. }) => {
                let request = AuthorizeRequest {
                    id_tag: id_tag.clone(),
                };
                self.send(now, buf, origin, &request)
            }
            Origin::Outbox(Outgoing::DataTransfer { .. }) => {
                let request = self.data_transfer_request.clone()?;
                self.send(now, buf, origin, &request)
            }
            Origin::Outbox(Outgoing::MeterValues {
                connector,
                #[cfg(feature = "remote-trigger")]
                transaction_id,
                at,
            }) => {
                #[cfg(not(feature = "remote-trigger"))]
                let transaction_id = &None;
                let values = self.meter_readings.pop_front().unwrap_or_default();
                let request =
                    meter_values_request(*connector, *transaction_id, self.resolve(*at), values);
                self.send(now, buf, origin, &request)
            }
            #[cfg(feature = "remote-trigger")]
            Origin::Outbox(Outgoing::Boot) => {
                let boot = self.boot_info.clone();
                self.send(now, buf, Origin::Boot, &boot)
            }
            #[cfg(feature = "remote-trigger")]
            Origin::Outbox(Outgoing::DiagnosticsStatus) => {
                let request = DiagnosticsStatusNotificationRequest {
                    status: self.diagnostics_status(),
                };
                self.send(now, buf, origin, &request)
            }
            #[cfg(feature = "remote-trigger")]
            Origin::Outbox(Outgoing::FirmwareStatus) => {
                let request = FirmwareStatusNotificationRequest {
                    status: self.firmware_status(),
                };
                self.send(now, buf, origin, &request)
            }
            #[cfg(feature = "security")]
            Origin::Outbox(Outgoing::LogStatus) => {
                let (status, request_id) = self.log_status();
                let request = LogStatusNotificationRequest { status, request_id };
                self.send(now, buf, origin, &request)
            }
            #[cfg(feature = "signed-firmware")]
            Origin::Outbox(Outgoing::SignedFirmwareStatus) => {
                let (status, request_id) = self.signed_firmware_status();
                let request =
                    crate::messages::SignedFirmwareStatusNotificationRequest { status, request_id };
                self.send(now, buf, origin, &request)
            }
            #[cfg(feature = "certificate-signing")]
            Origin::Outbox(Outgoing::SignCertificate) => self.transmit_sign_certificate(now, buf),
            #[cfg(feature = "firmware-management")]
            Origin::Outbox(Outgoing::Notice(_)) => None,
            Origin::Boot | Origin::Status { .. } | Origin::Transaction => None,
        }
    }

    #[inline(never)]
    pub(super) fn send<T: Request + crate::codec::EncodeFields>(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        origin: Origin,
        request: &T,
    ) -> Option<usize> {
        self.send_action(now, buf, origin, T::ACTION, request)
    }

    /// [`Self::send`]'s body, once for every message type (monomorphized, it was ~280 B each).
    fn send_action(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        origin: Origin,
        action: Action,
        request: &dyn crate::codec::EncodeFields,
    ) -> Option<usize> {
        let id = MessageId::from_counter(self.next_message_id);
        match crate::codec::write_call(buf, &id, action.as_str(), request) {
            Ok(n) => {
                self.next_message_id = self.next_message_id.wrapping_add(1);
                self.in_flight = Some(InFlight {
                    id,
                    origin,
                    deadline: now.plus_millis(self.options.response_timeout_ms.into()),
                    sent_at: now,
                    probed: false,
                });
                let interval = self.config.HeartbeatInterval;
                if self.is_online() && interval > 0 {
                    self.next_heartbeat_at = Some(now.plus_secs(interval));
                }
                Some(n)
            }
            Err(BufferTooSmall) => {
                warn!(action, " does not fit in ", buf.len(), " bytes; dropped");
                match origin {
                    Origin::Boot => {
                        self.next_boot_at = Some(now.plus_secs(self.options.boot_retry_secs))
                    }
                    Origin::Status { connector, sent } => {
                        if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
                            c.reported = Some(sent);
                        }
                    }
                    Origin::Transaction => {
                        let connector = self
                            .transactions
                            .front()
                            .map_or(0, |q| q.message.connector());
                        self.discard_transaction_head(connector, action);
                    }
                    Origin::Outbox(outgoing) => {
                        self.fail_outgoing(outgoing, RequestError::TooLarge)
                    }
                }
                None
            }
        }
    }

    #[inline(never)]
    pub(super) fn handle_result(
        &mut self,
        now: Instant,
        id: &MessageId,
        result: Result<&[u8], Option<ErrorCode>>,
    ) {
        if self.in_flight.as_ref().is_none_or(|f| f.id != *id) {
            info!(
                "ignoring an answer to unknown or late message ",
                id.as_str()
            );
            return;
        }
        let Some(flight) = self.in_flight.take() else {
            return;
        };
        let payload = match result {
            Ok(payload) => payload,
            Err(code) => {
                return self.request_failed(now, flight.origin, RequestError::CallError(code))
            }
        };
        let mut scratch = [0u8; UNESCAPE_SCRATCH];
        match flight.origin {
            Origin::Boot => {
                match parse_payload::<BootNotificationResponse>(payload, &mut scratch) {
                    Ok(conf) => self.on_boot_response(now, conf),
                    Err(_) => self.request_failed(now, Origin::Boot, RequestError::BadResponse),
                }
            }
            Origin::Status { connector, sent } => {
                if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
                    c.reported = Some(sent);
                }
            }
            Origin::Outbox(Outgoing::Heartbeat) => {
                if let Ok(conf) = parse_payload::<HeartbeatResponse>(payload, &mut scratch) {
                    self.set_time_from_central_system(now, conf.current_time);
                }
            }
            // Nothing to learn from these answers (empty payloads).
            Origin::Outbox(Outgoing::MeterValues { .. }) => {}
            #[cfg(feature = "firmware-management")]
            Origin::Outbox(Outgoing::Notice(_)) => self.notice_done(None),
            #[cfg(feature = "remote-trigger")]
            Origin::Outbox(
                Outgoing::Boot | Outgoing::DiagnosticsStatus | Outgoing::FirmwareStatus,
            ) => {}
            #[cfg(feature = "security")]
            Origin::Outbox(Outgoing::LogStatus) => {}
            #[cfg(feature = "certificate-signing")]
            Origin::Outbox(Outgoing::SignCertificate) => {
                self.on_sign_certificate_response(payload, &mut scratch)
            }
            #[cfg(feature = "signed-firmware")]
            Origin::Outbox(Outgoing::SignedFirmwareStatus) => {}
            Origin::Outbox(Outgoing::Authorize {
                ticket,
                id_tag,
                remote_start_connector,
            }) => {
                let result = parse_payload::<AuthorizeResponse>(payload, &mut scratch)
                    .map(|conf| conf.id_tag_info)
                    .map_err(|_| RequestError::BadResponse);
                if let Ok(info) = &result {
                    self.remember_tag(&id_tag, info);
                    if let Some(connector) = remote_start_connector {
                        if info.status == AuthorizationStatus::Accepted
                            && !self.has_transaction(connector)
                        {
                            let _ = self.station.remote_start(connector, &id_tag);
                        }
                    }
                }
                if let Some(ticket) = ticket {
                    self.emit(Event::Authorized { ticket, result });
                }
            }
            Origin::Outbox(Outgoing::DataTransfer { ticket }) => {
                self.data_transfer_request = None;
                let result = match parse_payload::<DataTransferResponse>(payload, &mut scratch) {
                    Ok(conf) => {
                        let status = conf.status;
                        self.data_transfer_response = Some((ticket, conf));
                        Ok(status)
                    }
                    Err(_) => Err(RequestError::BadResponse),
                };
                self.emit(Event::DataTransferred { ticket, result });
            }
            Origin::Transaction => self.on_transaction_confirmed(now, payload, &mut scratch),
        }
    }

    pub(super) fn request_failed(&mut self, now: Instant, origin: Origin, error: RequestError) {
        match origin {
            Origin::Boot => self.next_boot_at = Some(now.plus_secs(self.options.boot_retry_secs)),
            // Retried on the next poll: `reported` is unchanged.
            Origin::Status { .. } => {}
            Origin::Outbox(outgoing) => self.fail_outgoing(outgoing, error),
            Origin::Transaction => self.transaction_failed(now, error),
        }
    }

    /// When the CALL in flight is given up.
    pub(super) fn request_deadline(&self) -> Option<Instant> {
        self.in_flight.as_ref().map(|f| f.deadline)
    }

    pub(super) fn request_timeout(&mut self, now: Instant) {
        if self.link_dead() {
            // The platform drops the connection; handle_disconnected takes the CALL in flight.
            return;
        }
        let silent = self.in_flight.as_ref().is_some_and(|f| {
            f.deadline <= now
                && f.origin == Origin::Transaction
                && self.keepalive.silent_since(f.sent_at)
        });
        if silent {
            let probed = self.in_flight.as_ref().is_some_and(|f| f.probed);
            if probed {
                // Not even a pong since the message was sent: it never was on a live link.
                warn!("no sign of the Central System since the transaction message: link dead");
                self.declare_link_dead();
                return;
            }
            if self.probe_link(now) {
                let wait = self.pong_timeout_ms();
                if let Some(f) = self.in_flight.as_mut() {
                    f.probed = true;
                    f.deadline = now.plus_millis(wait);
                }
                return;
            }
        }
        if let Some(flight) = self.in_flight.as_ref().filter(|f| f.deadline <= now) {
            warn!("no answer to message ", flight.id.as_str(), " in time");
            if let Some(flight) = self.in_flight.take() {
                self.request_failed(now, flight.origin, RequestError::Timeout);
            }
        }
    }
}
