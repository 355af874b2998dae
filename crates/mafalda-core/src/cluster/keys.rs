//! Where a cluster keeps things in Redis. Every key and channel of one
//! cluster shares a prefix derived from its secret, so clusters with
//! different secrets can share a Redis without seeing each other (the
//! secret itself is never written).

use sha2::{Digest, Sha256};

/// The names of one cluster's keys and channels.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// The names for the cluster whose shared secret is `secret`.
    pub fn new(secret: &str) -> Self {
        let digest = Sha256::digest(format!("mafalda-cluster-namespace\n{secret}").as_bytes());
        Self {
            prefix: format!("mafalda:{}", hex(&digest[..8])),
        }
    }

    /// An instance's announcement (its load), live while the key is.
    pub fn instance(&self, id: &str) -> String {
        format!("{}:instance:{id}", self.prefix)
    }

    /// The pattern every announcement matches.
    pub fn instances_pattern(&self) -> String {
        format!("{}:instance:*", self.prefix)
    }

    /// The channel an instance receives its messages on.
    pub fn inbox(&self, id: &str) -> String {
        format!("{}:inbox:{id}", self.prefix)
    }

    /// A room's record (`cluster::room`): its codecs, users, and where
    /// each producer lives.
    pub fn room(&self, room: &str) -> String {
        format!("{}:room:{room}", self.prefix)
    }

    /// The set of the rooms an instance uses, so that the survivors of
    /// its death find them without scanning every room.
    pub fn rooms_of(&self, instance: &str) -> String {
        format!("{}:rooms-of:{instance}", self.prefix)
    }

    /// The pattern every set of rooms matches.
    pub fn rooms_of_pattern(&self) -> String {
        self.rooms_of("*")
    }

    /// Whose set of rooms `key` is, if it is one.
    pub fn rooms_of_instance<'a>(&self, key: &'a str) -> Option<&'a str> {
        key.strip_prefix(&self.prefix)?.strip_prefix(":rooms-of:")
    }
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_with_different_secrets_do_not_share_names() {
        let a = Keys::new("one");
        let b = Keys::new("two");
        assert_ne!(a.instance("x"), b.instance("x"));
        assert_eq!(a.instance("x"), Keys::new("one").instance("x"));
        assert!(!a.instance("x").contains("one"), "the secret is not written");
        assert!(a
            .instance("x")
            .starts_with(a.instances_pattern().trim_end_matches('*')));
        assert_eq!(a.rooms_of_instance(&a.rooms_of("x")), Some("x"));
        assert_eq!(a.rooms_of_instance(&b.rooms_of("x")), None);
        assert_eq!(a.rooms_of_instance(&a.instance("x")), None);
    }
}
