//! Authorization: online, offline, the cache.

use super::*;

#[test]
fn authorize_online_updates_cache_and_reports_status() {
    let mut h = Harness::new("authorize", 1);
    h.online();
    let ticket = h.cp.authorize(h.now, "TAG1").unwrap();
    assert_eq!(
        h.answer("Authorize", json!({"idTagInfo": {"status": "Accepted"}}))["idTag"],
        "TAG1"
    );
    let accepted = IdTagInfo {
        expiry_date: None,
        parent_id_tag: None,
        status: AuthorizationStatus::Accepted,
    };
    assert_eq!(
        h.events(),
        [Event::Authorized {
            ticket,
            result: Ok(accepted.clone())
        }]
    );
    for status in ["Invalid", "Blocked", "Expired", "ConcurrentTx"] {
        let ticket = h.cp.authorize(h.now, "OTHER").unwrap();
        h.answer("Authorize", json!({"idTagInfo": {"status": status}}));
        let Event::Authorized {
            ticket: t,
            result: Ok(info),
        } = &h.events()[0]
        else {
            panic!()
        };
        assert_eq!((*t, info.status.as_str()), (ticket, status));
    }
    // LocalPreAuthorize answers from the cache without a message.
    h.cp.change_configuration(h.now, "LocalPreAuthorize", "true");
    h.events();
    let ticket = h.cp.authorize(h.now, "tag1").unwrap();
    h.nothing_sent();
    assert_eq!(
        h.events(),
        [Event::Authorized {
            ticket,
            result: Ok(accepted)
        }]
    );
    assert_eq!(
        h.cp.authorize(h.now, ""),
        Err(CommandError::InvalidArgument)
    );
    assert_eq!(
        h.cp.authorize(h.now, "123456789012345678901"),
        Err(CommandError::InvalidArgument)
    );
}

#[test]
fn authorize_offline_uses_cache_or_refuses() {
    let mut h = Harness::new("authorize-offline", 1);
    assert_eq!(h.cp.authorize(h.now, "NEW"), Err(CommandError::NotReady));
    h.online();
    let _ = h.cp.authorize(h.now, "KNOWN").unwrap();
    h.answer(
        "Authorize",
        json!({"idTagInfo": {"status": "Accepted", "expiryDate": "2026-11-21T11:00:00Z"}}),
    );
    h.events();
    h.cp.handle_disconnected(h.now);
    h.events();
    let ticket = h.cp.authorize(h.now, "KNOWN").unwrap();
    let Event::Authorized {
        ticket: t,
        result: Ok(info),
    } = h.events().remove(0)
    else {
        panic!()
    };
    assert_eq!((t, info.status), (ticket, AuthorizationStatus::Accepted));
    assert_eq!(
        h.cp.authorize(h.now, "UNKNOWN"),
        Err(CommandError::NotReady)
    );
    h.advance(3_600_000); // past the expiry date
    let _ = h.cp.authorize(h.now, "KNOWN").unwrap();
    let Event::Authorized {
        result: Ok(info), ..
    } = h.events().remove(0)
    else {
        panic!()
    };
    assert_eq!(info.status, AuthorizationStatus::Expired);
    h.cp.change_configuration(h.now, "AllowOfflineTxForUnknownId", "true");
    let _ = h.cp.authorize(h.now, "UNKNOWN").unwrap();
    assert!(matches!(
        h.events()[1],
        Event::Authorized {
            result: Ok(IdTagInfo {
                status: AuthorizationStatus::Accepted,
                ..
            }),
            ..
        }
    ));
    h.cp.change_configuration(h.now, "LocalAuthorizeOffline", "false");
    h.cp.change_configuration(h.now, "AllowOfflineTxForUnknownId", "false");
    assert_eq!(h.cp.authorize(h.now, "KNOWN"), Err(CommandError::NotReady));
    // ClearCache empties it.
    h.online();
    assert_eq!(h.cs_call("ClearCache", json!({}))["status"], "Accepted");
    h.cp.handle_disconnected(h.now);
    h.cp.change_configuration(h.now, "LocalAuthorizeOffline", "true");
    assert_eq!(h.cp.authorize(h.now, "KNOWN"), Err(CommandError::NotReady));
}
