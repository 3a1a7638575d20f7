//! Configuration from the Central System and the application: GetConfiguration,
//! ChangeConfiguration and what a changed key does at once. The keys themselves are in `config`.

use super::*;

impl<S: Station> ChargePoint<S> {
    pub fn configuration(&self) -> &Configuration {
        &self.config
    }

    /// Changes a configuration key locally, as a ChangeConfiguration would.
    pub fn change_configuration(
        &mut self,
        now: Instant,
        key: &str,
        value: &str,
    ) -> ConfigurationStatus {
        #[cfg(feature = "security-profiles")]
        let before = {
            if Configuration::find(key) == Some(ConfigKey::SecurityProfile)
                && !self.security_profile_allowed(value)
            {
                return ConfigurationStatus::Rejected;
            }
            (
                self.config.SecurityProfile,
                self.config.AuthorizationKey.clone(),
            )
        };
        let (status, changed) = self.config.change(key, value);
        if let Some(key) = changed {
            #[cfg(feature = "security-profiles")]
            self.credentials_changed(key, before);
            // The whitepaper's ReconfigurationOfSecurityParameters, for the keys of the
            // Security Profiles (techInfo: the key; never the AuthorizationKey's value).
            #[cfg(all(feature = "security-profiles", feature = "security"))]
            if matches!(
                key,
                ConfigKey::SecurityProfile | ConfigKey::AuthorizationKey
            ) {
                let _ = self.record_security_event(
                    now,
                    crate::messages::SecurityEventType::ReconfigurationOfSecurityParameters,
                    Some(key.as_str()),
                );
            }
            self.apply_configuration(now, key);
        }
        status
    }

    pub(super) fn apply_configuration(&mut self, now: Instant, key: ConfigKey) {
        match key {
            ConfigKey::HeartbeatInterval if self.is_online() => {
                let interval = self.config.HeartbeatInterval;
                self.next_heartbeat_at = (interval > 0).then(|| now.plus_secs(interval));
            }
            ConfigKey::MeterValueSampleInterval => {
                let interval = self.config.MeterValueSampleInterval;
                for tx in self
                    .connectors
                    .iter_mut()
                    .filter_map(|c| c.transaction.as_mut())
                {
                    tx.next_sample_at = (interval > 0).then(|| now.plus_secs(interval));
                }
            }
            ConfigKey::ClockAlignedDataInterval => self.schedule_aligned(now),
            ConfigKey::AuthorizationCacheEnabled if !self.config.AuthorizationCacheEnabled => {
                self.clear_authorization_cache()
            }
            _ => {}
        }
        self.store_changed(Record::Configuration);
        self.emit(Event::ConfigurationChanged(key));
    }

    /// ChangeConfiguration from the Central System (its 500-byte value in this frame only).
    #[inline(never)]
    pub(super) fn handle_change_configuration(&mut self, mut call: Incoming) -> Answer {
        let mut request = <ChangeConfigurationRequest as crate::codec::Member>::EMPTY;
        crate::messages::parse_payload_into(call.io.payload(), call.scratch, &mut request)?;
        let response = self.on_change_configuration(call.now, &request);
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &response,
        ))
    }

    /// GetConfiguration.conf, streamed from the configuration into `reply`. The request is read
    /// key by key ([`KeySelection::parse`]) rather than into a GetConfigurationRequest: serde
    /// would hold several copies of its 16-key list on the stack.
    #[inline(never)]
    pub(super) fn handle_get_configuration(&mut self, mut call: Incoming) -> Answer {
        let mut selection = KeySelection::All;
        selection.parse_into(call.io.payload(), call.scratch)?;
        let view = ConfigurationView {
            config: &self.config,
            selection: &selection,
        };
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &view,
        ))
    }

    pub(super) fn on_change_configuration(
        &mut self,
        now: Instant,
        req: &ChangeConfigurationRequest,
    ) -> ChangeConfigurationResponse {
        let status = self.change_configuration(now, &req.key, &req.value);
        ChangeConfigurationResponse { status }
    }
}
