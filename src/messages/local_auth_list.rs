//! Local Auth List Management profile messages (OCPP 1.6 GetLocalListVersion and SendLocalList):
//! the Central System keeps a list of idTags on the Charge Point, so it can authorize offline.
//! Compiled with feature `local-auth-list`.

use serde::Serialize;

use super::core_profile::{request, Request};
use super::parse_payload;
use super::types::IdTagInfo;
use super::{ocpp_enum, ocpp_message};
use crate::cistring::CiString20;
use crate::rpc::ErrorCode;

ocpp_enum! {
    /// Whether a SendLocalList.req replaces the list or changes some of its entries.
    UpdateType { Differential = "Differential", Full = "Full" }
}

ocpp_enum! {
    UpdateStatus {
        Accepted = "Accepted",
        Failed = "Failed",
        NotSupported = "NotSupported",
        VersionMismatch = "VersionMismatch",
    }
}

ocpp_message! {
    /// One entry of the local authorization list. In a differential update, an entry without
    /// `id_tag_info` removes its idTag from the list.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AuthorizationData {
        "idTag" pub id_tag: CiString20,
        "idTagInfo" pub id_tag_info: Option<IdTagInfo>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetLocalListVersionRequest {}
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetLocalListVersionResponse {
        /// The version of the list held; 0: no list, -1: the profile is not supported.
        "listVersion" pub list_version: i32,
    }
}
request!(GetLocalListVersionRequest => GetLocalListVersionResponse, GetLocalListVersion);

/// A SendLocalList.req can carry hundreds of entries, and there is no heap: it is never held
/// whole. [`SendLocalListRequest::parse`] returns its [`SendLocalListHeader`] and hands the
/// entries over one at a time. Outside tests the type carries nothing; in tests it holds a
/// short list, to write frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendLocalListRequest {
    #[cfg(test)]
    pub list_version: i32,
    #[cfg(test)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_authorization_list: Option<heapless::Vec<AuthorizationData, 4>>,
    #[cfg(test)]
    pub update_type: UpdateType,
}

/// The members of a SendLocalList.req besides its list, and how many entries the list held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLocalListHeader {
    pub list_version: i32,
    pub update_type: UpdateType,
    /// Entries handed over (0 when `localAuthorizationList` is absent or empty).
    pub entries: usize,
}

impl SendLocalListRequest {
    /// Parses a SendLocalList.req payload (syntax-checked by the framing), calling `entry` for
    /// each element of `localAuthorizationList` in order, each parsed by serde as
    /// [`AuthorizationData`] (the CALLERROR codes are those of any other payload).
    ///
    /// The header (listVersion, updateType) is checked before the first entry is handed over.
    /// An entry that does not match the schema stops the parse with its code, and an error from
    /// `entry` stops it and is returned as is; either way the entries already handed over belong
    /// to a request that fails as a whole, so nothing should be applied before `Ok`. A caller
    /// that cannot stage entries can parse twice: once to check (and count) them, once to apply.
    pub fn parse(
        payload: &[u8],
        scratch: &mut [u8],
        mut entry: impl FnMut(AuthorizationData) -> Result<(), ErrorCode>,
    ) -> Result<SendLocalListHeader, ErrorCode> {
        let mut list_version = None;
        let mut update_type = None;
        let mut list = None;
        crate::json::for_each_member(
            payload,
            ErrorCode::TypeConstraintViolation,
            |name, value| {
                match name {
                    b"listVersion" => list_version = Some(parse_payload::<i32>(value, scratch)?),
                    b"updateType" => {
                        update_type = Some(parse_payload::<UpdateType>(value, scratch)?)
                    }
                    // Read once the header is known; `null` is an absent list, as for serde.
                    b"localAuthorizationList" => list = Some(value).filter(|v| *v != b"null"),
                    _ => {}
                }
                Ok(())
            },
        )?;
        let (Some(list_version), Some(update_type)) = (list_version, update_type) else {
            return Err(ErrorCode::OccurenceConstraintViolation);
        };
        let mut entries = 0;
        if let Some(list) = list {
            crate::json::for_each_element(list, ErrorCode::TypeConstraintViolation, |element| {
                entry(parse_payload::<AuthorizationData>(element, scratch)?)?;
                entries += 1;
                Ok(())
            })?;
        }
        Ok(SendLocalListHeader {
            list_version,
            update_type,
            entries,
        })
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SendLocalListResponse {
        "status" pub status: UpdateStatus,
    }
}
request!(SendLocalListRequest => SendLocalListResponse, SendLocalList);

#[cfg(test)]
mod tests {
    //! GetLocalListVersion, and SendLocalList with no list, an empty one, one entry and three
    //! (with and without idTagInfo), answered with every status; the frames go to
    //! `target/frames/unit-messages-local-auth-list.jsonl`.
    use std::vec::Vec;

    use super::*;
    use crate::messages::test_support::*;
    use crate::messages::{Action, AuthorizationStatus, FeatureProfile};

    fn entry(id_tag: &str, status: Option<AuthorizationStatus>) -> AuthorizationData {
        AuthorizationData {
            id_tag: text(id_tag),
            id_tag_info: status.map(|status| IdTagInfo {
                expiry_date: Some(time()),
                parent_id_tag: Some(text("PARENT")),
                status,
            }),
        }
    }

    /// Parses with [`SendLocalListRequest::parse`], collecting the entries.
    fn parse(payload: &[u8]) -> Result<(SendLocalListHeader, Vec<AuthorizationData>), ErrorCode> {
        let mut entries = Vec::new();
        let header = SendLocalListRequest::parse(payload, &mut [0u8; 600], |e| {
            entries.push(e);
            Ok(())
        })?;
        assert_eq!(header.entries, entries.len());
        Ok((header, entries))
    }

    #[test]
    fn central_system_requests_and_the_answers_to_them() {
        for action in [
            GetLocalListVersionRequest::ACTION,
            SendLocalListRequest::ACTION,
        ] {
            assert_eq!(action.profile(), FeatureProfile::LocalAuthListManagement);
        }
        let mut frames = Frames::new("unit-messages-local-auth-list");

        let payload = round_trip(&GetLocalListVersionRequest {}, serde_parse);
        assert_eq!(payload, "{}");
        for list_version in [0, 7, -1] {
            let answer = GetLocalListVersionResponse { list_version };
            round_trip(&answer, serde_parse);
            frames.answer(Action::GetLocalListVersion, &payload, &answer);
        }

        let one = [entry("TAG-1", Some(AuthorizationStatus::Accepted))];
        let three = [
            entry("TAG-1", Some(AuthorizationStatus::Blocked)),
            entry("TAG-2", None),
            AuthorizationData {
                id_tag: text("TAG-3"),
                id_tag_info: Some(IdTagInfo {
                    expiry_date: None,
                    parent_id_tag: None,
                    status: AuthorizationStatus::ConcurrentTx,
                }),
            },
        ];
        let lists: [(Option<&[AuthorizationData]>, UpdateType); 5] = [
            (None, UpdateType::Full),
            (Some(&[]), UpdateType::Full),
            (Some(&one), UpdateType::Full),
            (Some(&three), UpdateType::Differential),
            (Some(&[entry("TAG-2", None)]), UpdateType::Differential),
        ];
        let statuses = UpdateStatus::ALL.iter().cycle();
        for ((version, (list, update_type)), &status) in (1..).zip(lists).zip(statuses) {
            let request = SendLocalListRequest {
                list_version: version,
                local_authorization_list: list.map(|list| heapless::Vec::from_slice(list).unwrap()),
                update_type,
            };
            let payload = json(&request);
            let (header, entries) = parse(payload.as_bytes()).unwrap();
            assert_eq!(
                header,
                SendLocalListHeader {
                    list_version: version,
                    update_type,
                    entries: list.map_or(0, <[_]>::len),
                },
                "{payload}"
            );
            assert_eq!(entries, list.unwrap_or_default(), "{payload}");
            let answer = SendLocalListResponse { status };
            round_trip(&answer, serde_parse);
            frames.answer(Action::SendLocalList, &payload, &answer);
        }
        assert_eq!(
            json(&entry("TAG-2", None)),
            r#"{"idTag":"TAG-2"}"#,
            "an entry without idTagInfo has no idTagInfo member"
        );
    }

    #[test]
    fn send_local_list_members_in_any_order() {
        let payload = br#" { "localAuthorizationList" : [ {"idTag":"A\/1"} , { "idTagInfo":
            {"status":"Expired"}, "idTag": "B" } ], "vendor": {"x": [1]},
            "updateType" : "Differential" , "listVersion" : 3 } "#;
        let (header, entries) = parse(payload).unwrap();
        assert_eq!(
            header,
            SendLocalListHeader {
                list_version: 3,
                update_type: UpdateType::Differential,
                entries: 2,
            }
        );
        assert_eq!(entries[0], entry("A/1", None), "escapes are undone");
        assert_eq!(entries[1].id_tag.as_str(), "B");
        assert_eq!(
            entries[1].id_tag_info.as_ref().map(|info| info.status),
            Some(AuthorizationStatus::Expired)
        );
        assert_eq!(
            parse(br#"{"listVersion":1,"updateType":"Full","localAuthorizationList":null}"#)
                .map(|(header, _)| header.entries),
            Ok(0),
            "null is an absent list"
        );
    }

    #[test]
    fn payloads_that_do_not_match_the_schema() {
        use ErrorCode::*;
        let tag21 = "T".repeat(21);
        let list = |entries: &str| {
            format!(
                r#"{{"listVersion":1,"updateType":"Full","localAuthorizationList":[{entries}]}}"#
            )
        };
        for (payload, code) in [
            (
                r#"{"updateType":"Full"}"#.into(),
                OccurenceConstraintViolation,
            ),
            (r#"{"listVersion":1}"#.into(), OccurenceConstraintViolation),
            (r#"{}"#.into(), OccurenceConstraintViolation),
            (
                r#"{"listVersion":"1","updateType":"Full"}"#.into(),
                TypeConstraintViolation,
            ),
            (
                r#"{"listVersion":1.5,"updateType":"Full"}"#.into(),
                TypeConstraintViolation,
            ),
            (
                r#"{"listVersion":null,"updateType":"Full"}"#.into(),
                TypeConstraintViolation,
            ),
            (
                r#"{"listVersion":1,"updateType":1}"#.into(),
                TypeConstraintViolation,
            ),
            (
                r#"{"listVersion":1,"updateType":"Partial"}"#.into(),
                PropertyConstraintViolation,
            ),
            (
                r#"{"listVersion":1,"updateType":"full"}"#.into(),
                PropertyConstraintViolation,
            ),
            (
                r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":{}}"#.into(),
                TypeConstraintViolation,
            ),
            (
                r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":"A"}"#.into(),
                TypeConstraintViolation,
            ),
            (r#"[]"#.into(), TypeConstraintViolation),
            (list("5"), TypeConstraintViolation),
            (list(r#"{}"#), OccurenceConstraintViolation),
            (
                list(r#"{"idTagInfo":{"status":"Accepted"}}"#),
                OccurenceConstraintViolation,
            ),
            (list(r#"{"idTag":5}"#), TypeConstraintViolation),
            (
                list(&format!(r#"{{"idTag":"{tag21}"}}"#)),
                PropertyConstraintViolation,
            ),
            (
                list(r#"{"idTag":"A","idTagInfo":{}}"#),
                OccurenceConstraintViolation,
            ),
            (
                list(r#"{"idTag":"A","idTagInfo":"Accepted"}"#),
                TypeConstraintViolation,
            ),
            (
                list(r#"{"idTag":"A","idTagInfo":{"status":"Allowed"}}"#),
                PropertyConstraintViolation,
            ),
            (
                list(&format!(
                    r#"{{"idTag":"A","idTagInfo":{{"status":"Accepted","parentIdTag":"{tag21}"}}}}"#
                )),
                PropertyConstraintViolation,
            ),
            (
                list(r#"{"idTag":"A","idTagInfo":{"status":"Accepted","expiryDate":"soon"}}"#),
                PropertyConstraintViolation,
            ),
        ] {
            assert_eq!(parse(payload.as_bytes()), Err(code), "{payload}");
        }
        let tag20 = "T".repeat(20);
        assert!(
            parse(list(&format!(r#"{{"idTag":"{tag20}"}}"#)).as_bytes()).is_ok(),
            "20 characters fit"
        );

        // The header is checked first: a bad one hands over no entry, wherever it stands.
        let mut calls = 0;
        let r = SendLocalListRequest::parse(
            br#"{"localAuthorizationList":[{"idTag":"A"}],"listVersion":1}"#,
            &mut [0u8; 64],
            |_| {
                calls += 1;
                Ok(())
            },
        );
        assert_eq!((r, calls), (Err(OccurenceConstraintViolation), 0));
        // A bad entry stops the parse after the good ones before it.
        let mut calls = 0;
        let r = SendLocalListRequest::parse(
            list(&format!(
                r#"{{"idTag":"A"}},{{"idTag":"{tag21}"}},{{"idTag":"C"}}"#
            ))
            .as_bytes(),
            &mut [0u8; 64],
            |_| {
                calls += 1;
                Ok(())
            },
        );
        assert_eq!((r, calls), (Err(PropertyConstraintViolation), 1));

        assert_eq!(
            serde_parse::<SendLocalListResponse>(br#"{"status":"Rejected"}"#),
            Err(PropertyConstraintViolation)
        );
        assert_eq!(
            serde_parse::<GetLocalListVersionResponse>(br#"{"listVersion":"1"}"#),
            Err(TypeConstraintViolation)
        );
    }

    const LIST_OF_THREE: &[u8] = br#"{"listVersion":2,"updateType":"Differential",
        "localAuthorizationList":[{"idTag":"A"},{"idTag":"B"},{"idTag":"C"}]}"#;

    #[test]
    fn a_callback_error_stops_the_parse() {
        let mut seen = Vec::new();
        let r = SendLocalListRequest::parse(LIST_OF_THREE, &mut [0u8; 64], |e| {
            if seen.len() == 2 {
                return Err(ErrorCode::GenericError);
            }
            seen.push(e.id_tag);
            Ok(())
        });
        assert_eq!(
            r,
            Err(ErrorCode::GenericError),
            "the callback's error as is"
        );
        assert_eq!(seen, [text::<20>("A"), text("B")], "nothing after it");

        let mut calls = 0;
        let r = SendLocalListRequest::parse(LIST_OF_THREE, &mut [0u8; 64], |_| {
            calls += 1;
            Err(ErrorCode::OccurenceConstraintViolation)
        });
        assert_eq!(
            (r, calls),
            (Err(ErrorCode::OccurenceConstraintViolation), 1)
        );
    }
}
