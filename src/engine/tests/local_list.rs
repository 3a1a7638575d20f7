//! Local Auth List Management: Full and Differential updates, versions, capacity, atomicity and
//! the authorization order (local list, then cache, then the Central System).

use super::*;
use crate::capacity::LOCAL_AUTH_LIST_SIZE;

fn send(h: &mut Harness, version: i32, update: &str, entries: Value) -> Value {
    let payload =
        json!({"listVersion": version, "updateType": update, "localAuthorizationList": entries});
    h.cs_call("SendLocalList", payload)["status"].clone()
}

fn version(h: &mut Harness) -> Value {
    h.cs_call("GetLocalListVersion", json!({}))["listVersion"].clone()
}

fn entry(tag: &str, status: &str) -> Value {
    json!({"idTag": tag, "idTagInfo": {"status": status}})
}

fn tags(h: &Harness) -> StdVec<String> {
    let mut tags: StdVec<String> =
        h.cp.local_list()
            .entries()
            .iter()
            .map(|e| e.id_tag.as_str().to_string())
            .collect();
    tags.sort();
    tags
}

#[test]
fn full_and_differential_updates_with_versions() {
    let mut h = Harness::new("local-list-updates", 1);
    h.online();
    assert_eq!(version(&mut h), 0, "empty, never set");
    let full = json!([entry("A", "Accepted"), entry("B", "Blocked"), {"idTag": "IGNORED"}]);
    assert_eq!(send(&mut h, 3, "Full", full), "Accepted");
    assert_eq!(version(&mut h), 3);
    assert_eq!(tags(&h), ["A", "B"]);
    assert_eq!(h.events(), [Event::LocalListUpdated { version: 3 }]);
    // A differential update must raise the version.
    for stale in [2, 3] {
        assert_eq!(
            send(
                &mut h,
                stale,
                "Differential",
                json!([entry("C", "Accepted")])
            ),
            "VersionMismatch"
        );
    }
    assert_eq!(tags(&h), ["A", "B"]);
    // Adds C, updates B, deletes A (no idTagInfo), deleting an unknown tag is harmless.
    let diff =
        json!([entry("C", "Accepted"), entry("b", "Accepted"), {"idTag": "A"}, {"idTag": "Z"}]);
    assert_eq!(send(&mut h, 4, "Differential", diff), "Accepted");
    assert_eq!(tags(&h), ["B", "C"]);
    let b = h.cp.local_list().find("B").unwrap();
    assert_eq!(b.info.status, AuthorizationStatus::Accepted);
    assert_eq!(version(&mut h), 4);
    // A full update replaces everything, whatever its version.
    assert_eq!(
        send(&mut h, 1, "Full", json!([entry("D", "Accepted")])),
        "Accepted"
    );
    assert_eq!(tags(&h), ["D"]);
    assert_eq!(send(&mut h, 2, "Full", json!([])), "Accepted");
    assert!(tags(&h).is_empty());
    assert_eq!(version(&mut h), 2);
    let no_list = json!({"listVersion": 5, "updateType": "Full"});
    assert_eq!(h.cs_call("SendLocalList", no_list)["status"], "Accepted");
    assert_eq!(version(&mut h), 5);
}

#[test]
fn disabled_list_answers_not_supported_and_minus_one() {
    let mut h = Harness::new("local-list-disabled", 1);
    h.online();
    assert_eq!(
        send(&mut h, 1, "Full", json!([entry("A", "Accepted")])),
        "Accepted"
    );
    assert_eq!(
        h.cs_call(
            "ChangeConfiguration",
            json!({"key": "LocalAuthListEnabled", "value": "false"})
        )["status"],
        "Accepted"
    );
    assert_eq!(version(&mut h), -1);
    assert_eq!(send(&mut h, 2, "Full", json!([])), "NotSupported");
    // Offline, a disabled list is not consulted.
    h.cp.handle_disconnected(h.now);
    h.events();
    assert_eq!(h.cp.authorize(h.now, "A"), Err(CommandError::NotReady));
    // The read-only length keys say the capacity.
    for key in ["LocalAuthListMaxLength", "SendLocalListMaxLength"] {
        assert_eq!(
            h.cp.change_configuration(h.now, key, "1"),
            ConfigurationStatus::Rejected
        );
        assert_eq!(
            h.cp.configuration()
                .render(Configuration::find(key).unwrap())
                .as_str(),
            LOCAL_AUTH_LIST_SIZE.to_string()
        );
    }
}

#[test]
fn updates_beyond_capacity_fail_and_change_nothing() {
    let mut h = Harness::new("local-list-capacity", 1);
    h.online();
    let many = |prefix: &str, n: usize| -> Value {
        (0..n)
            .map(|i| entry(&format!("{prefix}{i}"), "Accepted"))
            .collect()
    };
    assert_eq!(
        send(&mut h, 1, "Full", many("A", LOCAL_AUTH_LIST_SIZE)),
        "Accepted"
    );
    assert_eq!(tags(&h).len(), LOCAL_AUTH_LIST_SIZE);
    assert_eq!(
        send(&mut h, 2, "Full", many("B", LOCAL_AUTH_LIST_SIZE + 1)),
        "Failed"
    );
    assert_eq!(send(&mut h, 2, "Differential", many("C", 1)), "Failed");
    assert_eq!(version(&mut h), 1);
    assert_eq!(tags(&h).len(), LOCAL_AUTH_LIST_SIZE);
    assert!(tags(&h).iter().all(|t| t.starts_with('A')));
    // Deleting one makes room for one.
    let swap = json!([{"idTag": "A0"}, entry("C0", "Accepted")]);
    assert_eq!(send(&mut h, 2, "Differential", swap), "Accepted");
    assert!(h.cp.local_list().find("C0").is_some());
    // A payload error in the middle of the list: CALLERROR, and nothing applied.
    let bad = r#"{"listVersion":3,"updateType":"Full","localAuthorizationList":[{"idTag":"X","idTagInfo":{"status":"Accepted"}},{"idTag":"123456789012345678901"}]}"#;
    assert_eq!(
        h.cs_call_error("SendLocalList", bad),
        "PropertyConstraintViolation"
    );
    let bad = r#"{"listVersion":3,"updateType":"Full","localAuthorizationList":[{"idTagInfo":{"status":"Accepted"}}]}"#;
    assert_eq!(
        h.cs_call_error("SendLocalList", bad),
        "OccurenceConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error(
            "SendLocalList",
            r#"{"listVersion":"3","updateType":"Full"}"#
        ),
        "TypeConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("SendLocalList", r#"{"listVersion":3,"updateType":"Some"}"#),
        "PropertyConstraintViolation"
    );
    assert_eq!(version(&mut h), 2);
    assert!(h.cp.local_list().find("X").is_none());
}

#[test]
fn authorization_order_list_then_cache_then_central_system() {
    let mut h = Harness::new("local-list-authorization", 1);
    h.online();
    // The cache learns PLAIN and BLOCKLISTED as Accepted from the Central System.
    for tag in ["PLAIN", "LISTED"] {
        h.cp.authorize(h.now, tag).unwrap();
        h.answer("Authorize", json!({"idTagInfo": {"status": "Accepted"}}));
    }
    h.events();
    let list = json!([
        entry("LISTED", "Blocked"),
        entry("GOOD", "Accepted"),
        {"idTag": "OLD", "idTagInfo": {"status": "Accepted", "expiryDate": "2026-11-21T09:00:00.000Z"}},
    ]);
    assert_eq!(send(&mut h, 1, "Full", list), "Accepted");
    h.events();
    // Listed idTags leave the cache (the list is consulted first anyway).
    assert!(h
        .cp
        .auth_cache
        .iter()
        .all(|e| e.id_tag.as_str() != "LISTED"));

    // Online with LocalPreAuthorize: a valid list entry answers at once; others ask the CS.
    h.cp.change_configuration(h.now, "LocalPreAuthorize", "true");
    h.events();
    let ticket = h.cp.authorize(h.now, "GOOD").unwrap();
    h.nothing_sent();
    assert!(
        matches!(&h.events()[..], [Event::Authorized { ticket: t, result: Ok(info) }]
        if *t == ticket && info.status == AuthorizationStatus::Accepted)
    );
    h.cp.authorize(h.now, "OLD").unwrap();
    h.answer("Authorize", json!({"idTagInfo": {"status": "Accepted"}}));
    h.events();
    assert!(
        h.cp.auth_cache.iter().all(|e| e.id_tag.as_str() != "OLD"),
        "listed: not cached"
    );

    // Offline with LocalAuthorizeOffline: the list decides, even against the cache.
    h.cp.handle_disconnected(h.now);
    h.events();
    let decided = |h: &mut Harness, tag: &str| -> AuthorizationStatus {
        h.cp.authorize(h.now, tag).unwrap();
        match &h.events()[..] {
            [Event::Authorized {
                result: Ok(info), ..
            }] => info.status,
            other => panic!("{tag}: {other:?}"),
        }
    };
    assert_eq!(decided(&mut h, "GOOD"), AuthorizationStatus::Accepted);
    assert_eq!(decided(&mut h, "LISTED"), AuthorizationStatus::Blocked);
    assert_eq!(decided(&mut h, "OLD"), AuthorizationStatus::Expired);
    assert_eq!(
        decided(&mut h, "PLAIN"),
        AuthorizationStatus::Accepted,
        "from the cache"
    );
    assert_eq!(
        h.cp.authorize(h.now, "UNKNOWN"),
        Err(CommandError::NotReady)
    );
    // An offline start of a listed idTag is queued and replayed.
    h.start(1, "GOOD", 5);
    assert!(matches!(
        &h.events()[..],
        [Event::TransactionStarted {
            result: Ok(StartOutcome::Queued),
            ..
        }]
    ));
}
