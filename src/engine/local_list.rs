//! Local Auth List Management (SendLocalList, GetLocalListVersion): the Local Authorization List
//! the Central System installs, consulted before the authorization cache and the Central System.
//!
//! A fixed table of `LOCAL_AUTH_LIST_SIZE` entries (no heap), plain data a store can save with
//! its version. An update is applied whole or not at all: SendLocalList is read twice from the
//! frame, first to check every entry and count what the update would hold, then to apply it.

use heapless::Vec;

use super::*;
use crate::capacity::LOCAL_AUTH_LIST_SIZE;

/// One idTag of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalEntry {
    pub id_tag: CiString20,
    pub info: IdTagInfo,
}

/// The Local Authorization List and its version (0: never set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalAuthList {
    version: i32,
    entries: Vec<LocalEntry, LOCAL_AUTH_LIST_SIZE>,
}

impl LocalAuthList {
    pub fn version(&self) -> i32 {
        self.version
    }

    pub fn entries(&self) -> &[LocalEntry] {
        &self.entries
    }

    pub fn find(&self, id_tag: &str) -> Option<&LocalEntry> {
        self.entries
            .iter()
            .find(|e| e.id_tag.eq_ignore_case(id_tag))
    }

    /// A list read back from the store.
    pub(super) fn restored(version: i32, entries: Vec<LocalEntry, LOCAL_AUTH_LIST_SIZE>) -> Self {
        Self { version, entries }
    }

    /// Adds or replaces (`Some`) or deletes (`None`) one idTag. Err when the list is full.
    fn apply(&mut self, entry: AuthorizationData) -> Result<(), ()> {
        let index = self
            .entries
            .iter()
            .position(|e| e.id_tag.eq_ignore_case(&entry.id_tag));
        match (entry.id_tag_info, index) {
            (Some(info), Some(i)) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.info = info;
                }
                Ok(())
            }
            (Some(info), None) => self
                .entries
                .push(LocalEntry {
                    id_tag: entry.id_tag,
                    info,
                })
                .map_err(|_| ()),
            (None, Some(i)) => {
                self.entries.swap_remove(i);
                Ok(())
            }
            (None, None) => Ok(()),
        }
    }
}

impl<S: Station> ChargePoint<S> {
    /// The Local Authorization List (whether or not LocalAuthListEnabled).
    pub fn local_list(&self) -> &LocalAuthList {
        &self.local_list
    }

    /// GetLocalListVersion's answer: the list's version, -1 when LocalAuthListEnabled is off.
    pub fn local_list_version(&self) -> i32 {
        match self.config.LocalAuthListEnabled {
            true => self.local_list.version,
            false => -1,
        }
    }

    /// The list's entry for `id_tag` when the list is enabled, Expired once its expiryDate passed.
    pub(super) fn local_list_entry(&self, now: Instant, id_tag: &str) -> Option<IdTagInfo> {
        if !self.config.LocalAuthListEnabled {
            return None;
        }
        let mut info = self.local_list.find(id_tag)?.info.clone();
        if self.has_expired(now, &info) {
            info.status = AuthorizationStatus::Expired;
        }
        Some(info)
    }

    /// The status of `id_tag` in the list (Expired past its expiryDate), enabled or not.
    pub fn local_list_status(&self, now: Instant, id_tag: &str) -> Option<AuthorizationStatus> {
        let info = &self.local_list.find(id_tag)?.info;
        match self.has_expired(now, info) {
            true => Some(AuthorizationStatus::Expired),
            false => Some(info.status),
        }
    }

    pub(super) fn handle_get_local_list_version(&mut self, call: Incoming) -> Answer {
        self.answer(call, |cp, _: GetLocalListVersionRequest| {
            GetLocalListVersionResponse {
                list_version: cp.local_list_version(),
            }
        })
    }

    pub(super) fn handle_send_local_list(&mut self, mut call: Incoming) -> Answer {
        // First pass: every entry must match the schema, and the update's effect is counted.
        let list = &self.local_list;
        let (mut with_info, mut added, mut removed) = (0usize, 0usize, 0usize);
        let header = SendLocalListRequest::parse(call.io.payload(), call.scratch, |entry| {
            let known = list.find(&entry.id_tag).is_some();
            match (&entry.id_tag_info, known) {
                (Some(_), false) => added += 1,
                (None, true) => removed += 1,
                _ => {}
            }
            with_info += usize::from(entry.id_tag_info.is_some());
            Ok(())
        })?;
        let max_update = self.config.SendLocalListMaxLength as usize;
        let status = if !self.config.LocalAuthListEnabled {
            UpdateStatus::NotSupported
        } else if header.entries > max_update {
            UpdateStatus::Failed
        } else {
            match header.update_type {
                UpdateType::Full if with_info > LOCAL_AUTH_LIST_SIZE => UpdateStatus::Failed,
                UpdateType::Full => {
                    self.local_list.entries.clear();
                    self.apply_local_list(&header, call.io.payload(), call.scratch)
                }
                UpdateType::Differential if header.list_version <= self.local_list.version => {
                    UpdateStatus::VersionMismatch
                }
                UpdateType::Differential => {
                    let after = (self.local_list.entries.len() + added).saturating_sub(removed);
                    match after > LOCAL_AUTH_LIST_SIZE {
                        true => UpdateStatus::Failed,
                        false => self.apply_local_list(&header, call.io.payload(), call.scratch),
                    }
                }
            }
        };
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &SendLocalListResponse { status },
        ))
    }

    /// Second pass over a checked SendLocalList: applies its entries and version.
    fn apply_local_list(
        &mut self,
        header: &SendLocalListHeader,
        payload: &[u8],
        scratch: &mut [u8],
    ) -> UpdateStatus {
        let list = &mut self.local_list;
        let applied = SendLocalListRequest::parse(payload, scratch, |entry| {
            list.apply(entry)
                .map_err(|()| ErrorCode::OccurenceConstraintViolation)
        });
        if applied.is_err() {
            // Only an idTag deleted and added again in one update can get past the count; what
            // was applied stays (every entry of the list is still valid).
            warn!("local list update overflowed the list");
            return UpdateStatus::Failed;
        }
        list.version = header.list_version;
        self.store_changed(Record::LocalList);
        self.store_changed(Record::AuthorizationCache);
        // idTags of the list are not kept in the authorization cache as well.
        let in_list = |id_tag: &CiString20| self.local_list.find(id_tag).is_some();
        self.auth_cache.retain(|e| !in_list(&e.id_tag));
        self.emit(Event::LocalListUpdated {
            version: header.list_version,
        });
        UpdateStatus::Accepted
    }
}
