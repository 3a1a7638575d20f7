//! The OCPP-J frame parser on arbitrary bytes: never panics, and what it accepts is JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocpp::rpc::{parse_frame, recover_call_id, Frame};

fuzz_target!(|data: &[u8]| {
    let _ = recover_call_id(data);
    if let Ok(frame) = parse_frame(data) {
        assert!(
            serde_json::from_slice::<serde_json::Value>(data).is_ok(),
            "accepted a frame strict JSON rejects: {:?}",
            String::from_utf8_lossy(data)
        );
        let payload = match frame {
            Frame::Call { payload, .. } | Frame::CallResult { payload, .. } => payload,
            Frame::CallError { .. } => return,
        };
        assert!(serde_json::from_slice::<serde_json::Value>(payload).is_ok());
    }
});
