//! The seed's aggregate table (SPEC §2 steps 8–9), built to be merged:
//! partial aggregates from many machines or chunks combine into exactly the
//! aggregate of all their input.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::detect::Finding;
use crate::event::Event;

/// At most this many distinct values are kept per list column.
pub const MAX_DISTINCT: usize = 100;

/// A sorted set of at most [`MAX_DISTINCT`] strings that keeps the smallest
/// ones. Keeping the smallest (not the first seen) makes the cap
/// order-independent and merge-consistent: the smallest 100 of a union are
/// among the smallest 100 of its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CappedSet(BTreeSet<String>);

impl CappedSet {
    /// Adds a value, dropping the largest if over the cap.
    pub fn insert(&mut self, value: &str) {
        if self.0.contains(value) {
            return;
        }
        if self.0.len() >= MAX_DISTINCT {
            match self.0.last() {
                Some(last) if value.as_bytes() < last.as_bytes() => {
                    self.0.pop_last();
                }
                _ => return,
            }
        }
        self.0.insert(value.to_string());
    }

    /// Adds every value of another set.
    pub fn merge(&mut self, other: &CappedSet) {
        for v in &other.0 {
            self.insert(v);
        }
    }

    /// The values in byte order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Number of values kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no value is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One row of the aggregate: everything seen from one (src_ip, user).
/// Field order is the seed's column order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Client address (`null` when missing).
    pub src_ip: Option<String>,
    /// User (`null` when missing).
    pub user: Option<String>,
    /// Number of findings.
    pub requests: u64,
    /// Sum of upload bytes (saturating).
    pub total_bytes_uploaded: u64,
    /// Earliest event time, epoch ms.
    pub first_seen: Option<i64>,
    /// Latest event time, epoch ms.
    pub last_seen: Option<i64>,
    /// Distinct normalized AI hosts.
    pub ai_services: CappedSet,
    /// Distinct API paths.
    pub endpoint_paths: CappedSet,
    /// Distinct user agents.
    pub user_agents: CappedSet,
    /// Highest suspicion score.
    pub max_suspicion_score: u32,
}

impl Group {
    fn add(&mut self, ev: &Event<'_>, f: &Finding<'_>) {
        self.requests += 1;
        self.total_bytes_uploaded = self.total_bytes_uploaded.saturating_add(f.bytes_uploaded);
        if let Some(t) = ev.time_ms {
            self.first_seen = Some(self.first_seen.map_or(t, |x| x.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |x| x.max(t)));
        }
        if let Some(h) = ev.host.as_deref() {
            self.ai_services.insert(h);
        }
        if let Some(p) = ev.path.as_deref() {
            self.endpoint_paths.insert(p);
        }
        if let Some(u) = ev.user_agent.as_deref() {
            self.user_agents.insert(u);
        }
        self.max_suspicion_score = self.max_suspicion_score.max(f.score);
    }

    fn merge(&mut self, other: &Group) {
        self.requests += other.requests;
        self.total_bytes_uploaded = self.total_bytes_uploaded.saturating_add(other.total_bytes_uploaded);
        self.first_seen = min_opt(self.first_seen, other.first_seen, i64::min);
        self.last_seen = min_opt(self.last_seen, other.last_seen, i64::max);
        self.ai_services.merge(&other.ai_services);
        self.endpoint_paths.merge(&other.endpoint_paths);
        self.user_agents.merge(&other.user_agents);
        self.max_suspicion_score = self.max_suspicion_score.max(other.max_suspicion_score);
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>, pick: fn(i64, i64) -> i64) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(pick(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Step 9: bytes descending, then requests descending, then src_ip and user
/// ascending by bytes (missing as the empty string).
pub fn seed_order(a: &Group, b: &Group) -> Ordering {
    b.total_bytes_uploaded
        .cmp(&a.total_bytes_uploaded)
        .then(b.requests.cmp(&a.requests))
        .then_with(|| a.src_ip.as_deref().unwrap_or("").as_bytes().cmp(b.src_ip.as_deref().unwrap_or("").as_bytes()))
        .then_with(|| a.user.as_deref().unwrap_or("").as_bytes().cmp(b.user.as_deref().unwrap_or("").as_bytes()))
        // Only a missing value and an empty one could still tie; put missing first.
        .then_with(|| a.src_ip.is_some().cmp(&b.src_ip.is_some()))
        .then_with(|| a.user.is_some().cmp(&b.user.is_some()))
}

type Key = (Option<String>, Option<String>);

/// Groups of findings keyed by (src_ip, user), with a cap on the number of
/// groups so memory stays bounded on hostile input.
#[derive(Debug, Clone)]
pub struct Aggregate {
    groups: HashMap<Key, Group>,
    max_groups: usize,
    /// Findings not aggregated because the group cap was reached.
    dropped: u64,
}

impl Aggregate {
    /// An empty aggregate that keeps at most `max_groups` groups.
    pub fn new(max_groups: usize) -> Aggregate {
        Aggregate { groups: HashMap::new(), max_groups, dropped: 0 }
    }

    /// Adds one finding.
    pub fn add(&mut self, ev: &Event<'_>, f: &Finding<'_>) {
        // Look up by borrowed key first: the common case is an existing group.
        let key = (ev.src_ip.as_deref().map(str::to_string), ev.user.as_deref().map(str::to_string));
        if let Some(g) = self.groups.get_mut(&key) {
            g.add(ev, f);
            return;
        }
        if self.groups.len() >= self.max_groups {
            self.dropped += 1;
            return;
        }
        let mut g = Group { src_ip: key.0.clone(), user: key.1.clone(), ..Group::default() };
        g.add(ev, f);
        self.groups.insert(key, g);
    }

    /// Adds every group of another aggregate (or of a state file).
    pub fn merge_groups<'g>(&mut self, groups: impl IntoIterator<Item = &'g Group>, dropped: u64) {
        self.dropped += dropped;
        for other in groups {
            let key = (other.src_ip.clone(), other.user.clone());
            if let Some(g) = self.groups.get_mut(&key) {
                g.merge(other);
            } else if self.groups.len() >= self.max_groups {
                self.dropped += other.requests;
            } else {
                self.groups.insert(key, other.clone());
            }
        }
    }

    /// Findings that were counted but not aggregated because of the group cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The groups in the seed's order.
    pub fn sorted(&self) -> Vec<&Group> {
        let mut v: Vec<&Group> = self.groups.values().collect();
        v.sort_by(|a, b| seed_order(a, b));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_set_keeps_the_smallest_values() {
        let mut a = CappedSet::default();
        for i in (0..250).rev() {
            a.insert(&format!("{i:03}"));
        }
        assert_eq!(a.len(), MAX_DISTINCT);
        assert_eq!(a.iter().next(), Some("000"));
        assert_eq!(a.iter().last(), Some("099"));
    }

    #[test]
    fn order_is_bytes_then_requests_then_keys() {
        let g = |ip: Option<&str>, user: Option<&str>, b: u64, r: u64| Group { src_ip: ip.map(Into::into), user: user.map(Into::into), total_bytes_uploaded: b, requests: r, ..Group::default() };
        let mut v = [g(Some("10.0.0.2"), None, 5, 1), g(Some("10.0.0.1"), Some("b"), 5, 1), g(None, Some("a"), 5, 1), g(Some("10.0.0.9"), None, 5, 2), g(Some("10.0.0.3"), None, 9, 1)];
        v.sort_by(seed_order);
        let order: Vec<_> = v.iter().map(|g| (g.src_ip.as_deref(), g.user.as_deref())).collect();
        assert_eq!(order, [(Some("10.0.0.3"), None), (Some("10.0.0.9"), None), (None, Some("a")), (Some("10.0.0.1"), Some("b")), (Some("10.0.0.2"), None)]);
    }
}
