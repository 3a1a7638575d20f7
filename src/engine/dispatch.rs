//! Requests from the Central System: frames in, the dispatch table from an [`Action`] to its
//! handler, and the CALLRESULT or CALLERROR written into the caller's buffer.

use super::*;

impl<S: Station> ChargePoint<S> {
    /// Handles one received text frame. When it is a CALL, the answer (CALLRESULT or CALLERROR)
    /// is written into `reply` and its length returned: send it before anything else.
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// # let (mut cp, now) = online();
    /// let mut reply = [0u8; 512];
    /// let n = cp.handle_frame(now, br#"[2,"42","ClearCache",{}]"#, &mut reply).unwrap();
    /// assert_eq!(&reply[..n], br#"[3,"42",{"status":"Accepted"}]"#); // the id echoed
    /// let n = cp.handle_frame(now, br#"[2,"43","NoSuchAction",{}]"#, &mut reply).unwrap();
    /// assert!(reply[..n].starts_with(br#"[4,"43","NotImplemented""#));
    /// ```
    #[must_use]
    pub fn handle_frame(&mut self, now: Instant, frame: &[u8], reply: &mut [u8]) -> Option<usize> {
        self.handle_frame_bytes(now, FrameBytes::Split { frame, reply })
    }

    /// [`Self::handle_frame`] with one buffer: the frame is `buf[..len]` and the answer, when
    /// there is one, overwrites it (written after the request is read) in at most `max_reply`
    /// bytes. A platform that sends each answer before it reads the next frame needs no
    /// separate reply buffer.
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// # let (mut cp, now) = online();
    /// let mut buf = [0u8; 512];
    /// let frame = br#"[2,"42","ClearCache",{}]"#;
    /// buf[..frame.len()].copy_from_slice(frame);
    /// let n = cp.handle_frame_in_place(now, &mut buf, frame.len(), 512).unwrap();
    /// assert_eq!(&buf[..n], br#"[3,"42",{"status":"Accepted"}]"#);
    /// ```
    #[must_use]
    pub fn handle_frame_in_place(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        len: usize,
        max_reply: usize,
    ) -> Option<usize> {
        let len = len.min(buf.len());
        self.handle_frame_bytes(
            now,
            FrameBytes::Shared {
                buf,
                len,
                max_reply,
            },
        )
    }

    fn handle_frame_bytes(&mut self, now: Instant, mut bytes: FrameBytes<'_>) -> Option<usize> {
        self.heard(now);
        let frame = bytes.frame();
        match rpc::parse_frame(frame) {
            Ok(Frame::Call {
                id,
                action,
                payload,
            }) => {
                if self.registration == Some(RegistrationStatus::Rejected) {
                    // The spec forbids the Central System to send requests to a rejected charge
                    // point, and the charge point to send anything until the retry interval
                    // expires.
                    warn!("ignoring ", action, " while the registration is Rejected");
                    return None;
                }
                let action = Action::from_name(action);
                // The payload is a part of the frame: kept as its place, so that the answer can
                // overwrite the frame once the request is read.
                let start = (payload.as_ptr() as usize).wrapping_sub(frame.as_ptr() as usize);
                let payload = start..start + payload.len();
                let call = CallBytes { bytes, payload };
                self.handle_call(now, &id, action, call)
            }
            Ok(Frame::CallResult { id, payload }) => {
                self.handle_result(now, &id, Ok(payload));
                None
            }
            Ok(Frame::CallError {
                id,
                code,
                description,
            }) => {
                warn!(
                    "CALLERROR for ",
                    id.as_str(),
                    ": ",
                    code.map_or("(unknown code)", ErrorCode::as_str)
                );
                // The description is the peer's text, a part of the frame: debug level only.
                debug!(
                    "CALLERROR description: ",
                    core::str::from_utf8(description).unwrap_or("<non UTF-8>")
                );
                self.handle_result(now, &id, Err(code));
                None
            }
            Err(e) => {
                warn!("bad frame (", e.code, "): ", e.reason);
                if e.is_answer || (!e.is_call && e.id.is_some()) {
                    // A malformed answer to one of our CALLs: answering it would be a protocol error.
                    return None;
                }
                let id = e.id.unwrap_or_else(MessageId::unknown);
                rpc::write_call_error(bytes.reply(), &id, e.code, e.reason).ok()
            }
        }
    }

    /// A frame larger than the receive buffer arrived; `prefix` is its beginning. Answers it
    /// with a CALLERROR when it was a CALL whose id could be read (never truncates silently).
    #[must_use]
    pub fn handle_oversized_frame(
        &mut self,
        prefix: &[u8],
        total_len: usize,
        reply: &mut [u8],
    ) -> Option<usize> {
        self.oversized(rpc::recover_call_id(prefix), total_len, reply)
    }

    /// [`Self::handle_oversized_frame`] with one buffer: `buf` holds the prefix, and the
    /// CALLERROR overwrites it (in at most `max_reply` bytes).
    #[must_use]
    pub fn handle_oversized_frame_in_place(
        &mut self,
        buf: &mut [u8],
        total_len: usize,
        max_reply: usize,
    ) -> Option<usize> {
        let recovered = rpc::recover_call_id(buf);
        let cap = max_reply.min(buf.len());
        self.oversized(recovered, total_len, buf.get_mut(..cap).unwrap_or_default())
    }

    fn oversized(
        &mut self,
        recovered: (Option<MessageId>, bool),
        total_len: usize,
        reply: &mut [u8],
    ) -> Option<usize> {
        warn!(
            "dropping a frame of ",
            total_len, " bytes: larger than the receive buffer"
        );
        match recovered {
            (Some(id), true) => rpc::write_call_error(
                reply,
                &id,
                ErrorCode::GenericError,
                "frame exceeds the receive buffer",
            )
            .ok(),
            _ => None,
        }
    }

    /// The dispatch table: the Central System requests this build answers, each with its
    /// handler. A profile adds its rows here; a request without a row is answered NotSupported.
    fn dispatch(&mut self, action: Action, call: Incoming) -> Option<Answer> {
        Some(match action {
            Action::ChangeAvailability => self.handle_change_availability(call),
            Action::ChangeConfiguration => self.handle_change_configuration(call),
            Action::ClearCache => self.handle_clear_cache(call),
            Action::DataTransfer => self.handle_data_transfer(call),
            Action::GetConfiguration => self.handle_get_configuration(call),
            #[cfg(not(feature = "smart-charging"))]
            Action::RemoteStartTransaction => self.handle_remote_start(call),
            #[cfg(feature = "smart-charging")]
            Action::RemoteStartTransaction => self.handle_remote_start_with_profile(call),
            Action::RemoteStopTransaction => self.handle_remote_stop(call),
            Action::Reset => self.handle_reset(call),
            Action::UnlockConnector => self.handle_unlock_connector(call),
            #[cfg(feature = "remote-trigger")]
            Action::TriggerMessage => self.handle_trigger_message(call),
            #[cfg(feature = "security")]
            Action::ExtendedTriggerMessage => self.handle_extended_trigger_message(call),
            #[cfg(feature = "certificates")]
            Action::InstallCertificate => self.handle_install_certificate(call),
            #[cfg(feature = "certificates")]
            Action::GetInstalledCertificateIds => self.handle_get_installed_certificate_ids(call),
            #[cfg(feature = "certificates")]
            Action::DeleteCertificate => self.handle_delete_certificate(call),
            #[cfg(feature = "certificate-signing")]
            Action::CertificateSigned => self.handle_certificate_signed(call),
            #[cfg(feature = "reservation")]
            Action::ReserveNow => self.handle_reserve_now(call),
            #[cfg(feature = "reservation")]
            Action::CancelReservation => self.handle_cancel_reservation(call),
            #[cfg(feature = "local-auth-list")]
            Action::SendLocalList => self.handle_send_local_list(call),
            #[cfg(feature = "local-auth-list")]
            Action::GetLocalListVersion => self.handle_get_local_list_version(call),
            #[cfg(feature = "smart-charging")]
            Action::SetChargingProfile => self.handle_set_charging_profile(call),
            #[cfg(feature = "smart-charging")]
            Action::ClearChargingProfile => self.handle_clear_charging_profile(call),
            #[cfg(feature = "smart-charging")]
            Action::GetCompositeSchedule => self.handle_get_composite_schedule(call),
            #[cfg(feature = "firmware-management")]
            Action::UpdateFirmware => self.handle_update_firmware(call),
            #[cfg(feature = "firmware-management")]
            Action::GetDiagnostics => self.handle_get_diagnostics(call),
            #[cfg(feature = "security-log")]
            Action::GetLog => self.handle_get_log(call),
            #[cfg(feature = "signed-firmware")]
            Action::SignedUpdateFirmware => self.handle_signed_update_firmware(call),
            _ => return None,
        })
    }

    #[inline(never)]
    pub(super) fn handle_call(
        &mut self,
        now: Instant,
        id: &MessageId,
        action: Option<Action>,
        mut io: CallBytes<'_>,
    ) -> Option<usize> {
        let Some(action) = action else {
            return rpc::write_call_error(
                io.reply(),
                id,
                ErrorCode::NotImplemented,
                "unknown action",
            )
            .ok();
        };
        let mut scratch = [0u8; UNESCAPE_SCRATCH];
        let call = Incoming {
            now,
            id,
            scratch: &mut scratch,
            io: io.reborrow(),
        };
        let Some(answer) = self.dispatch(action, call) else {
            // Sent by the Charge Point only, or of a profile this build leaves out.
            return rpc::write_call_error(
                io.reply(),
                id,
                ErrorCode::NotSupported,
                "action not supported",
            )
            .ok();
        };
        match answer {
            Ok(Ok(n)) => Some(n),
            Ok(Err(BufferTooSmall)) => rpc::write_call_error(
                io.reply(),
                id,
                ErrorCode::InternalError,
                "response exceeds the frame size",
            )
            .ok(),
            Err(code) => {
                rpc::write_call_error(io.reply(), id, code, "payload does not match the schema")
                    .ok()
            }
        }
    }

    /// Parses a request, runs its handler and writes the CALLRESULT; a payload that does not
    /// match the schema yields the CALLERROR code instead (and the handler does not run).
    // Each request type in its own frame: only the one being answered occupies the stack.
    #[inline(never)]
    pub(super) fn answer<'p, Req, Resp>(
        &mut self,
        call: Incoming<'p, '_>,
        handler: impl FnOnce(&mut Self, Req) -> Resp,
    ) -> Answer
    where
        Req: crate::codec::Member,
        Resp: crate::codec::EncodeFields,
    {
        let mut io = call.io;
        let request = parse_payload::<Req>(io.payload(), call.scratch)?;
        let response = handler(self, request);
        Ok(crate::codec::write_call_result(
            io.reply(),
            call.id,
            &response,
        ))
    }
}

/// A request from the Central System, handed to its handler with the buffers for the answer.
pub(super) struct Incoming<'p, 'b> {
    pub now: Instant,
    pub id: &'b MessageId,
    /// Where payload strings are unescaped.
    pub scratch: &'b mut [u8],
    /// The request's payload (syntax-checked by the framing) and where the CALLRESULT goes.
    pub io: CallBytes<'p>,
}

/// The received frame and where its answer goes: two buffers, or one that the answer
/// overwrites ([`ChargePoint::handle_frame_in_place`]).
pub(super) enum FrameBytes<'b> {
    Split {
        frame: &'b [u8],
        reply: &'b mut [u8],
    },
    Shared {
        buf: &'b mut [u8],
        len: usize,
        max_reply: usize,
    },
}

impl FrameBytes<'_> {
    fn frame(&self) -> &[u8] {
        match self {
            FrameBytes::Split { frame, .. } => frame,
            FrameBytes::Shared { buf, len, .. } => buf.get(..*len).unwrap_or_default(),
        }
    }

    fn reply(&mut self) -> &mut [u8] {
        match self {
            FrameBytes::Split { reply, .. } => reply,
            FrameBytes::Shared { buf, max_reply, .. } => {
                let cap = (*max_reply).min(buf.len());
                buf.get_mut(..cap).unwrap_or_default()
            }
        }
    }
}

/// A CALL's payload, by its place in the frame, and the answer's buffer. A handler reads the
/// payload first: the borrow checker sees to it that nothing read from it is still borrowed
/// when the answer is written (with one buffer, the answer overwrites the frame).
pub(super) struct CallBytes<'b> {
    bytes: FrameBytes<'b>,
    payload: core::ops::Range<usize>,
}

impl CallBytes<'_> {
    pub fn payload(&self) -> &[u8] {
        self.bytes
            .frame()
            .get(self.payload.clone())
            .unwrap_or_default()
    }

    pub fn reply(&mut self) -> &mut [u8] {
        self.bytes.reply()
    }

    fn reborrow(&mut self) -> CallBytes<'_> {
        let bytes = match &mut self.bytes {
            FrameBytes::Split { frame, reply } => FrameBytes::Split { frame, reply },
            FrameBytes::Shared {
                buf,
                len,
                max_reply,
            } => FrameBytes::Shared {
                buf,
                len: *len,
                max_reply: *max_reply,
            },
        };
        CallBytes {
            bytes,
            payload: self.payload.clone(),
        }
    }
}

/// The CALLRESULT's length; or its payload did not fit; or the CALLERROR code for the request.
pub(super) type Answer = Result<Result<usize, BufferTooSmall>, ErrorCode>;
