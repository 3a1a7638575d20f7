//! Requests from the Central System: frames in, the dispatch table from an [`Action`] to its
//! handler, and the CALLRESULT or CALLERROR written into the caller's buffer.

use super::*;

impl<S: Station> ChargePoint<S> {
    /// Handles one received text frame. When it is a CALL, the answer (CALLRESULT or CALLERROR)
    /// is written into `reply` and its length returned: send it before anything else.
    #[must_use]
    pub fn handle_frame(&mut self, now: Instant, frame: &[u8], reply: &mut [u8]) -> Option<usize> {
        match rpc::parse_frame(frame) {
            Ok(Frame::Call {
                id,
                action,
                payload,
            }) => self.handle_call(now, &id, action, payload, reply),
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
                    "CALLERROR for {}: {} {}",
                    id.as_str(),
                    code.map_or("(unknown code)", ErrorCode::as_str),
                    core::str::from_utf8(description).unwrap_or("<non UTF-8>")
                );
                self.handle_result(now, &id, Err(code));
                None
            }
            Err(e) => {
                warn!("bad frame ({}): {}", e.code, e.reason);
                if !e.is_call && e.id.is_some() {
                    // A malformed answer to one of our CALLs: answering it would be a protocol error.
                    return None;
                }
                let id = e.id.unwrap_or_else(MessageId::unknown);
                rpc::write_call_error(reply, &id, e.code, e.reason).ok()
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
        warn!("dropping a frame of {total_len} bytes: larger than the receive buffer");
        match rpc::recover_call_id(prefix) {
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

    #[inline(never)]
    pub(super) fn handle_call(
        &mut self,
        now: Instant,
        id: &MessageId,
        action: &str,
        payload: &[u8],
        reply: &mut [u8],
    ) -> Option<usize> {
        if self.registration == Some(RegistrationStatus::Rejected) {
            // The spec forbids the Central System to send requests to a rejected charge point,
            // and the charge point to send anything until the retry interval expires.
            warn!("ignoring {action} while the registration is Rejected");
            return None;
        }
        let Some(action) = Action::from_name(action) else {
            return rpc::write_call_error(reply, id, ErrorCode::NotImplemented, "unknown action")
                .ok();
        };
        if !action.is_sent_by_central_system() || action.profile() != FeatureProfile::Core {
            return rpc::write_call_error(
                reply,
                id,
                ErrorCode::NotSupported,
                "action not supported",
            )
            .ok();
        }
        let mut scratch = [0u8; UNESCAPE_SCRATCH];
        let scratch = &mut scratch[..];
        let written = match action {
            Action::ChangeAvailability => self.call(payload, scratch, reply, id, |cp, req| {
                cp.on_change_availability(now, req)
            }),
            Action::ChangeConfiguration => {
                self.change_configuration_from_central_system(now, payload, scratch, reply, id)
            }
            Action::ClearCache => {
                self.call(payload, scratch, reply, id, |cp, _: ClearCacheRequest| {
                    cp.auth_cache.clear();
                    cp.emit(Event::CacheCleared);
                    ClearCacheResponse {
                        status: ClearCacheStatus::Accepted,
                    }
                })
            }
            Action::DataTransfer => {
                self.data_transfer_from_central_system(payload, scratch, reply, id)
            }
            Action::GetConfiguration => self.get_configuration(payload, scratch, reply, id),
            Action::RemoteStartTransaction => self.call(payload, scratch, reply, id, |cp, req| {
                cp.on_remote_start(now, req)
            }),
            Action::RemoteStopTransaction => self.call(
                payload,
                scratch,
                reply,
                id,
                |cp, req: RemoteStopTransactionRequest| cp.on_remote_stop(req),
            ),
            Action::Reset => self.call(payload, scratch, reply, id, |cp, req: ResetRequest| {
                cp.on_reset(now, req)
            }),
            Action::UnlockConnector => self.call(payload, scratch, reply, id, |cp, req| {
                cp.on_unlock(now, req)
            }),
            _ => Err(ErrorCode::NotSupported),
        };
        match written {
            Ok(Ok(n)) => Some(n),
            Ok(Err(BufferTooSmall)) => rpc::write_call_error(
                reply,
                id,
                ErrorCode::InternalError,
                "response exceeds the frame size",
            )
            .ok(),
            Err(code) => {
                rpc::write_call_error(reply, id, code, "payload does not match the schema").ok()
            }
        }
    }

    /// Parses a request, runs its handler and writes the CALLRESULT; a payload that does not
    /// match the schema yields the CALLERROR code instead (and the handler does not run).
    // Each request type in its own frame: only the one being answered occupies the stack.
    #[inline(never)]
    pub(super) fn call<'p, Req, Resp>(
        &mut self,
        payload: &'p [u8],
        scratch: &mut [u8],
        reply: &mut [u8],
        id: &MessageId,
        handler: impl FnOnce(&mut Self, Req) -> Resp,
    ) -> Result<Result<usize, BufferTooSmall>, ErrorCode>
    where
        Req: serde::Deserialize<'p>,
        Resp: serde::Serialize,
    {
        let request = parse_payload::<Req>(payload, scratch)?;
        let response = handler(self, request);
        Ok(rpc::write_call_result(reply, id, &response))
    }
}
