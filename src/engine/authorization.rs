//! Authorization: the application's Authorize command, the authorization cache
//! (AuthorizationCacheEnabled, ClearCache) and the local decisions (LocalPreAuthorize,
//! LocalAuthorizeOffline, AllowOfflineTxForUnknownId).

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CacheEntry {
    pub(super) id_tag: CiString20,
    pub(super) info: IdTagInfo,
}

impl<S: Station> ChargePoint<S> {
    /// Asks whether `id_tag` may charge. The answer comes as [`Event::Authorized`] (at once when
    /// decided locally: LocalPreAuthorize, or offline with LocalAuthorizeOffline /
    /// AllowOfflineTxForUnknownId).
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// # let (mut cp, now) = online();
    /// cp.authorize(now, "TAG-1").unwrap();
    /// assert_eq!(answer(&mut cp, now, r#"{"idTagInfo":{"status":"Blocked"}}"#), "Authorize");
    /// assert!(cp.authorize(now, "a tag longer than the twenty characters idTags have").is_err());
    /// ```
    pub fn authorize(&mut self, now: Instant, id_tag: &str) -> Result<Ticket, CommandError> {
        let tag = tag(id_tag)?;
        self.reserve_answer()?;
        let ticket = self.new_ticket();
        let cached = self.known_tag(now, &tag);
        if self.is_online() {
            if let Some(info) = cached.filter(|i| {
                self.config.LocalPreAuthorize && i.status == AuthorizationStatus::Accepted
            }) {
                self.emit(Event::Authorized {
                    ticket,
                    result: Ok(info),
                });
                return Ok(ticket);
            }
            self.push_outgoing(Outgoing::Authorize {
                ticket: Some(ticket),
                id_tag: tag,
                remote_start_connector: None,
            })?;
            return Ok(ticket);
        }
        let local = match cached {
            Some(info) if self.config.LocalAuthorizeOffline => Some(info),
            None if self.config.AllowOfflineTxForUnknownId => Some(IdTagInfo {
                expiry_date: None,
                parent_id_tag: None,
                status: AuthorizationStatus::Accepted,
            }),
            _ => None,
        };
        match local {
            Some(info) => {
                self.emit(Event::Authorized {
                    ticket,
                    result: Ok(info),
                });
                Ok(ticket)
            }
            None => Err(CommandError::NotReady),
        }
    }

    /// Drops the idTags the Central System confirmed (as ClearCache does).
    pub fn clear_authorization_cache(&mut self) {
        self.auth_cache.clear();
        self.store_changed(Record::AuthorizationCache);
    }

    /// What the charge point knows of `id_tag` without asking: the Local Authorization List
    /// first, then the authorization cache (the spec's order). Expired entries say Expired.
    pub(super) fn known_tag(&self, now: Instant, id_tag: &CiString20) -> Option<IdTagInfo> {
        #[cfg(feature = "local-auth-list")]
        if let Some(info) = self.local_list_entry(now, id_tag) {
            return Some(info);
        }
        self.cached(now, id_tag)
    }

    fn cached(&self, now: Instant, id_tag: &CiString20) -> Option<IdTagInfo> {
        let entry = self
            .auth_cache
            .iter()
            .find(|e| e.id_tag.eq_ignore_case(id_tag))?;
        let mut info = entry.info.clone();
        if self.has_expired(now, &info) {
            info.status = AuthorizationStatus::Expired;
        }
        Some(info)
    }

    /// Past its expiryDate (unknown when the wall clock is not set).
    pub(super) fn has_expired(&self, now: Instant, info: &IdTagInfo) -> bool {
        match (info.expiry_date, self.wall_time(now)) {
            (Some(expiry), Some(wall)) => expiry <= wall,
            _ => false,
        }
    }

    pub(super) fn remember_tag(&mut self, id_tag: &CiString20, info: &IdTagInfo) {
        if !self.config.AuthorizationCacheEnabled {
            return;
        }
        // An idTag of the Local Authorization List is not cached as well.
        #[cfg(feature = "local-auth-list")]
        if self.config.LocalAuthListEnabled && self.local_list.find(id_tag).is_some() {
            return;
        }
        // Unchanged news only refreshes its place: no store write (flash wear).
        // At most one entry per idTag: found once, then moved to the back.
        let found = self
            .auth_cache
            .iter()
            .position(|e| e.id_tag.eq_ignore_case(id_tag));
        let unchanged = found
            .and_then(|i| self.auth_cache.get(i))
            .is_some_and(|e| e.info == *info);
        if let Some(i) = found {
            if unchanged && i + 1 == self.auth_cache.len() {
                return; // already the most recently confirmed
            }
            self.auth_cache.remove(i);
        } else if self.auth_cache.is_full() {
            // Oldest first: the entry least recently confirmed goes.
            self.auth_cache.remove(0);
        }
        let _ = self.auth_cache.push(CacheEntry {
            id_tag: id_tag.clone(),
            info: info.clone(),
        });
        if !unchanged {
            self.store_changed(Record::AuthorizationCache);
        }
    }

    pub(super) fn handle_clear_cache(&mut self, call: Incoming) -> Answer {
        self.answer(call, |cp, _: ClearCacheRequest| {
            cp.clear_authorization_cache();
            cp.emit(Event::CacheCleared);
            ClearCacheResponse {
                status: ClearCacheStatus::Accepted,
            }
        })
    }
}
