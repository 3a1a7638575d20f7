//! Set-up shared by the API's doc examples (hidden from the docs; host builds only): a
//! charge point registered with a scripted Central System that answers each CALL.

use crate::engine::{ChargePoint, Options, Station};
use crate::messages::BootNotificationRequest;
use crate::{CiString, Instant};

/// A station whose hardware answers with the defaults.
pub struct Hardware;
impl Station for Hardware {}

/// The identity a doc example's charge point registers with.
pub fn boot_info() -> BootNotificationRequest {
    BootNotificationRequest {
        charge_point_vendor: CiString::try_from_str("zephyr-ocpp").unwrap_or_default(),
        charge_point_model: CiString::try_from_str("doc-example").unwrap_or_default(),
        ..BootNotificationRequest::default()
    }
}

/// Answers the next CALL with `payload` (a CALLRESULT echoing its id); returns its action.
pub fn answer(cp: &mut ChargePoint<Hardware>, now: Instant, payload: &str) -> String {
    let mut out = [0u8; 1024];
    let Some(n) = cp.poll_transmit(now, &mut out) else {
        return String::new();
    };
    // [2,"<id>","<Action>",{...}]: the ids and actions we send need no JSON escapes.
    let frame = String::from_utf8_lossy(out.get(..n).unwrap_or_default()).into_owned();
    let mut quoted = frame.split('"').skip(1).step_by(2);
    let (id, action) = (quoted.next().unwrap_or(""), quoted.next().unwrap_or(""));
    let reply = format!(r#"[3,"{id}",{payload}]"#);
    let _ = cp.handle_frame(now, reply.as_bytes(), &mut out);
    action.to_owned()
}

/// A two-connector charge point, connected and registered, its StatusNotifications answered
/// and its events drained.
pub fn online() -> (ChargePoint<Hardware>, Instant) {
    let now = Instant::from_millis(0);
    let Ok(mut cp) = ChargePoint::new(boot_info(), 2, Hardware, Options::default(), now) else {
        unreachable!("two connectors fit every build")
    };
    cp.handle_connected(now);
    answer(
        &mut cp,
        now,
        r#"{"status":"Accepted","currentTime":"2026-01-01T00:00:00Z","interval":300}"#,
    );
    while answer(&mut cp, now, "{}") == "StatusNotification" {}
    while cp.poll_event().is_some() {}
    (cp, now)
}
