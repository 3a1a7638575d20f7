//! Local Auth List Management: SendLocalList, GetLocalListVersion, and the list deciding.

use super::*;
use crate::capacity::LOCAL_AUTH_LIST_SIZE;
use crate::engine::CommandError;

/// (i) SendLocalList Full fills the list to LOCAL_AUTH_LIST_SIZE; one more entry Fails and
/// changes nothing; a Full update of several entries replaces it; a Differential one with a
/// stale version is VersionMismatch, with a newer one adds, updates and deletes; the version
/// is that of GetLocalListVersion. Offline, the list decides (before the cache).
#[no_mangle]
pub extern "C" fn ocpp_selftest_local_list() -> i32 {
    run(1, local_list)
}

/// Writes text and JSON values into a byte buffer (the Central System's frame).
struct FrameText<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl FrameText<'_> {
    fn json<T: Serialize>(&mut self, value: &T) -> Result<(), Failure> {
        let rest = take!(self.buf.get_mut(self.len..));
        self.len += take!(serde_json_core::to_slice(value, rest).ok());
        Ok(())
    }
}

impl core::fmt::Write for FrameText<'_> {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        let end = self.len + text.len();
        let space = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        space.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Sends a SendLocalList of `count` entries, entry `i` made by `entry(i)`, written one by
/// one into the receive buffer (the request is never held whole, as in the engine);
/// returns the answer's status.
fn send_local_list(
    h: &mut Harness<'_>,
    version: i32,
    update_type: UpdateType,
    count: usize,
    entry: impl Fn(usize) -> Option<AuthorizationData>,
) -> Result<UpdateStatus, Failure> {
    let id = h.next_cs_id();
    let mut frame = FrameText {
        buf: h.cs.as_mut_slice(),
        len: 0,
    };
    let head = write!(
        frame,
        r#"[2,"{}","SendLocalList",{{"listVersion":{version},"updateType":"{update_type}","localAuthorizationList":["#,
        id.as_str()
    );
    check!(head.is_ok());
    for i in 0..count {
        if i > 0 {
            check!(frame.write_str(",").is_ok());
        }
        frame.json(&take!(entry(i)))?;
    }
    check!(frame.write_str("]}]").is_ok());
    let len = frame.len;
    if count > LOCAL_AUTH_LIST_SIZE {
        log::info!("SendLocalList of {count} entries: {len} of {FRAME_CAPACITY} bytes");
    }
    let reply = h.receive(len);
    let answer: SendLocalListResponse = h.result(&id, reply)?;
    Ok(answer.status)
}

fn listed(
    id_tag: &str,
    status: Option<AuthorizationStatus>,
    expiry_date: Option<DateTime>,
) -> Option<AuthorizationData> {
    Some(AuthorizationData {
        id_tag: CiString::try_from_str(id_tag).ok()?,
        id_tag_info: status.map(|status| IdTagInfo {
            expiry_date,
            parent_id_tag: None,
            status,
        }),
    })
}

/// A short idTag `<prefix><i>` (Accepted), so that a list longer than the capacity fits
/// the receive buffer.
fn numbered(prefix: char, i: usize) -> Option<AuthorizationData> {
    let mut id_tag = CiString::new();
    write!(id_tag, "{prefix}{i}").ok()?;
    Some(AuthorizationData {
        id_tag,
        id_tag_info: Some(accepted()),
    })
}

fn version(h: &mut Harness<'_>) -> Result<i32, Failure> {
    Ok(h.call(&GetLocalListVersionRequest {})?.list_version)
}

/// The status an offline Authorize of `id_tag` is decided with at once (None: not decided).
fn offline_status(
    h: &mut Harness<'_>,
    id_tag: &str,
) -> Result<Option<AuthorizationStatus>, Failure> {
    let ticket = match h.cp.authorize(h.now, id_tag) {
        Ok(ticket) => ticket,
        Err(CommandError::NotReady) => return Ok(None),
        Err(_) => return Err(line!()),
    };
    let Some(Event::Authorized {
        ticket: decided,
        result: Ok(info),
    }) = h.cp.poll_event()
    else {
        return Err(line!());
    };
    check!(decided == ticket && h.cp.poll_event().is_none());
    Ok(Some(info.status))
}

fn status_of(h: &Harness<'_>, id_tag: &str) -> Option<AuthorizationStatus> {
    h.cp.local_list().find(id_tag).map(|e| e.info.status)
}

fn local_list(h: &mut Harness<'_>) -> Outcome {
    // The list below holds 4 idTags (CONFIG_OCPP_LOCAL_AUTH_LIST_SIZE >= 4), and a list of
    // one idTag more than the capacity must fit the receive buffer (~51 bytes an entry).
    check!(LOCAL_AUTH_LIST_SIZE >= 4);
    h.online()?;
    check!(version(h)? == 0);
    // The Central System accepts CACHED: the authorization cache remembers it.
    take!(h.cp.authorize(h.now, "CACHED").ok());
    let (id, _) = h.expect::<AuthorizeRequest>(Action::Authorize)?;
    h.answer(
        &id,
        &AuthorizeResponse {
            id_tag_info: accepted(),
        },
    )?;
    let _ = h.saw(&Event::Disconnected);

    // The list at its capacity, then one entry more: Failed, and the list unchanged.
    let full = send_local_list(h, 1, UpdateType::Full, LOCAL_AUTH_LIST_SIZE, |i| {
        numbered('T', i)
    })?;
    check!(full == UpdateStatus::Accepted);
    check!(h.cp.local_list().entries().len() == LOCAL_AUTH_LIST_SIZE);
    check!(h.saw(&Event::LocalListUpdated { version: 1 }));
    let over = send_local_list(h, 2, UpdateType::Full, LOCAL_AUTH_LIST_SIZE + 1, |i| {
        numbered('U', i)
    })?;
    check!(over == UpdateStatus::Failed);
    check!(version(h)? == 1);
    let entries = h.cp.local_list().entries();
    check!(entries.len() == LOCAL_AUTH_LIST_SIZE);
    check!(entries.iter().all(|e| e.id_tag.as_str().starts_with('T')));
    check!(h.cp.poll_event().is_none());

    // A Full update of several entries replaces the list.
    let an_hour_ago = DateTime::from_unix_secs(CS_TIME.unix_secs() - 3_600);
    let several = |i: usize| match i {
        0 => listed("A", Some(AuthorizationStatus::Accepted), None),
        1 => listed("B", Some(AuthorizationStatus::Accepted), None),
        2 => listed("CACHED", Some(AuthorizationStatus::Blocked), None),
        3 => listed(
            "OLD",
            Some(AuthorizationStatus::Accepted),
            Some(an_hour_ago),
        ),
        _ => None,
    };
    check!(send_local_list(h, 3, UpdateType::Full, 4, several)? == UpdateStatus::Accepted);
    check!(h.saw(&Event::LocalListUpdated { version: 3 }));
    check!(h.cp.local_list().entries().len() == 4 && version(h)? == 3);

    // A differential update must raise the version.
    let add_c = |_| listed("C", Some(AuthorizationStatus::Accepted), None);
    for stale in [2, 3] {
        let stale = send_local_list(h, stale, UpdateType::Differential, 1, add_c)?;
        check!(stale == UpdateStatus::VersionMismatch);
    }
    check!(h.cp.local_list().find("C").is_none() && version(h)? == 3);
    // Adds C, updates b (case-insensitively), deletes A; deleting Z, unknown, is harmless.
    let changes = |i: usize| match i {
        0 => listed("C", Some(AuthorizationStatus::Accepted), None),
        1 => listed("b", Some(AuthorizationStatus::Blocked), None),
        2 => listed("A", None, None),
        3 => listed("Z", None, None),
        _ => None,
    };
    let diff = send_local_list(h, 4, UpdateType::Differential, 4, changes)?;
    check!(diff == UpdateStatus::Accepted);
    check!(version(h)? == 4 && h.cp.local_list().version() == 4);
    check!(h.cp.local_list().entries().len() == 4);
    check!(status_of(h, "A").is_none());
    check!(status_of(h, "B") == Some(AuthorizationStatus::Blocked));
    check!(status_of(h, "C") == Some(AuthorizationStatus::Accepted));
    check!(h.saw(&Event::LocalListUpdated { version: 4 }));

    // Offline (LocalAuthorizeOffline), the list decides at once, over the cache.
    h.cp.handle_disconnected(h.now);
    check!(h.saw(&Event::Disconnected));
    check!(offline_status(h, "C")? == Some(AuthorizationStatus::Accepted));
    check!(offline_status(h, "c")? == Some(AuthorizationStatus::Accepted));
    check!(offline_status(h, "B")? == Some(AuthorizationStatus::Blocked));
    check!(offline_status(h, "CACHED")? == Some(AuthorizationStatus::Blocked));
    check!(offline_status(h, "OLD")? == Some(AuthorizationStatus::Expired));
    // Deleted from the list and never cached; unknown: not decided offline.
    check!(offline_status(h, "A")?.is_none());
    check!(offline_status(h, "UNKNOWN")?.is_none());
    h.nothing_sent()
}
