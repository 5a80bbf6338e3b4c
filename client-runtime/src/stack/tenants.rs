//! Tenants: what a runtime keeps per host and credential, so that one tenant of a multi-tenant service cannot
//! starve the others. Each has its own rate governor (its own view of its account's window), its own retry
//! tokens and its own share of the in-flight bound.
//!
//! A tenant is named by a keyed hash of the origin and the credential (the process's own random key): the secret
//! itself is never stored here, and the hash means nothing outside the process.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::governor::{Governor, PacingPolicy};
use crate::Credential;
use crate::retry::RetryBudget;

/// One tenant's share of the runtime.
#[derive(Debug)]
pub(crate) struct Tenant {
    pub(crate) governor: Arc<Governor>,
    pub(crate) budget: RetryBudget,
    pub(crate) slots: Arc<Semaphore>,
    last_used: Mutex<Instant>,
}

/// The settings every tenant starts from.
#[derive(Debug, Clone)]
pub(crate) struct TenantSettings {
    pub(crate) pacing: PacingPolicy,
    pub(crate) retry_budget: u32,
    pub(crate) slots: usize,
}

/// Tenants kept at most (idle ones are forgotten first).
const MAX_TENANTS: usize = 4096;
/// A tenant unused this long may be forgotten when the table is full.
const IDLE: Duration = Duration::from_secs(600);

/// The runtime's tenants.
#[derive(Debug)]
pub(crate) struct Tenants {
    settings: TenantSettings,
    keys: std::collections::hash_map::RandomState,
    table: Mutex<HashMap<u64, Arc<Tenant>>>,
}

impl Tenants {
    pub(crate) fn new(settings: TenantSettings) -> Self {
        Self {
            settings,
            keys: std::collections::hash_map::RandomState::new(),
            table: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self, origin: &str, credential: Option<&Credential>) -> u64 {
        let mut hasher = self.keys.build_hasher();
        origin.hash(&mut hasher);
        match credential {
            Some(credential) => {
                credential.is_bearer().hash(&mut hasher);
                credential.expose().hash(&mut hasher);
            }
            None => 0u8.hash(&mut hasher),
        }
        hasher.finish()
    }

    /// The tenant of `credential` at `origin`, made on first use.
    pub(crate) fn get(&self, origin: &str, credential: Option<&Credential>) -> Arc<Tenant> {
        let key = self.key(origin, credential);
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tenant) = table.get(&key) {
            *tenant
                .last_used
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Instant::now();
            return tenant.clone();
        }
        if table.len() >= MAX_TENANTS {
            table.retain(|_, tenant| {
                Arc::strong_count(tenant) > 1
                    || tenant
                        .last_used
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .elapsed()
                        < IDLE
            });
        }
        let tenant = Arc::new(Tenant {
            governor: Arc::new(Governor::new(self.settings.pacing.clone())),
            budget: RetryBudget::new(self.settings.retry_budget),
            slots: Arc::new(Semaphore::new(self.settings.slots)),
            last_used: Mutex::new(Instant::now()),
        });
        table.insert(key, tenant.clone());
        tenant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenants() -> Tenants {
        Tenants::new(TenantSettings {
            pacing: PacingPolicy::default(),
            retry_budget: 10,
            slots: 2,
        })
    }

    #[test]
    fn each_credential_and_origin_is_its_own_tenant() {
        let tenants = tenants();
        let a = Credential::api_key("tenant-a");
        let b = Credential::api_key("tenant-b");
        let origin = "https://api.eu.bronto.io";
        assert!(Arc::ptr_eq(
            &tenants.get(origin, Some(&a)),
            &tenants.get(origin, Some(&Credential::api_key("tenant-a")))
        ));
        assert!(!Arc::ptr_eq(
            &tenants.get(origin, Some(&a)),
            &tenants.get(origin, Some(&b))
        ));
        assert!(!Arc::ptr_eq(
            &tenants.get(origin, Some(&a)),
            &tenants.get("https://api.us.bronto.io", Some(&a))
        ));
        assert!(!Arc::ptr_eq(
            &tenants.get(origin, Some(&a)),
            &tenants.get(origin, Some(&Credential::bearer("tenant-a")))
        ));
        // The spending of one tenant's retry tokens leaves the other's whole.
        assert!(tenants.get(origin, Some(&a)).budget.take(10));
        assert_eq!(tenants.get(origin, Some(&b)).budget.available(), 10);
    }

    #[test]
    fn the_table_never_shows_a_secret() {
        let tenants = tenants();
        let _ = tenants.get("https://h", Some(&Credential::api_key("sk-hidden-1")));
        assert!(!format!("{tenants:?}").contains("sk-hidden-1"));
    }
}
