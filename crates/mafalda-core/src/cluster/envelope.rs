//! Messages between instances, signed with the cluster's secret.
//!
//! Redis carries them, but Redis is not trusted to say who sent what: every
//! message carries an HMAC-SHA-256 over its sender, recipient, time, nonce
//! and body. A receiver refuses one with a wrong MAC, one older than
//! [`MAX_AGE_MS`] (or from too far in the future), and one whose nonce it
//! has already seen; who may send at all (a live instance) is checked by
//! the caller, which knows the cluster.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::{HashMap, VecDeque};

/// How old a message may be when it arrives.
pub const MAX_AGE_MS: u64 = 30_000;

/// A message as it travels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// Sender instance id.
    pub from: String,
    /// Recipient instance id.
    pub to: String,
    /// Milliseconds since the Unix epoch when it was sent.
    pub ts: u64,
    /// Unique per message.
    pub nonce: String,
    /// The content (JSON text for the JS layer).
    pub body: String,
    /// Hex HMAC-SHA-256 of the fields above.
    pub mac: String,
}

/// Why a message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not an envelope at all.
    Malformed,
    /// The MAC does not match (wrong secret or altered content).
    BadMac,
    /// Too old, or from the future.
    Stale,
    /// Its nonce was seen before.
    Replayed,
    /// Addressed to another instance.
    Misdirected,
}

fn mac_of(secret: &[u8], from: &str, to: &str, ts: u64, nonce: &str, body: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    for part in [from, to, &ts.to_string(), nonce, body] {
        // Length-prefixed, so that moving bytes between fields changes the MAC.
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    mac
}

/// Seals `body` from `from` to `to` at `ts`.
pub fn seal(secret: &str, from: &str, to: &str, ts: u64, body: String) -> String {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let mac = mac_of(secret.as_bytes(), from, to, ts, &nonce, &body)
        .finalize()
        .into_bytes();
    let envelope = Envelope {
        from: from.to_owned(),
        to: to.to_owned(),
        ts,
        nonce,
        body,
        mac: super::keys::hex(&mac),
    };
    serde_json::to_string(&envelope).expect("an envelope serializes")
}

/// Remembers recent nonces to refuse replays, for as long as a message may
/// be accepted at all.
#[derive(Debug, Default)]
pub struct Opener {
    seen: HashMap<String, u64>,
    order: VecDeque<(u64, String)>,
}

impl Opener {
    /// Checks `text` addressed to `me`, received at `now`; the envelope if
    /// it is authentic, fresh and new.
    pub fn open(&mut self, secret: &str, me: &str, now: u64, text: &str) -> Result<Envelope, Refusal> {
        let envelope: Envelope = serde_json::from_str(text).map_err(|_| Refusal::Malformed)?;
        let Some(mac) = unhex(&envelope.mac) else {
            return Err(Refusal::Malformed);
        };
        mac_of(
            secret.as_bytes(),
            &envelope.from,
            &envelope.to,
            envelope.ts,
            &envelope.nonce,
            &envelope.body,
        )
        .verify_slice(&mac)
        .map_err(|_| Refusal::BadMac)?;
        if envelope.to != me {
            return Err(Refusal::Misdirected);
        }
        if envelope.ts + MAX_AGE_MS < now || envelope.ts > now + MAX_AGE_MS {
            return Err(Refusal::Stale);
        }
        while let Some((ts, _)) = self.order.front() {
            if ts + MAX_AGE_MS * 2 >= now {
                break;
            }
            let (_, nonce) = self.order.pop_front().expect("front exists");
            self.seen.remove(&nonce);
        }
        if self.seen.contains_key(&envelope.nonce) {
            return Err(Refusal::Replayed);
        }
        self.seen.insert(envelope.nonce.clone(), envelope.ts);
        self.order.push_back((now, envelope.nonce.clone()));
        Ok(envelope)
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000;

    #[test]
    fn a_sealed_message_opens_once() {
        let text = seal("s3cret", "a", "b", NOW, "{\"x\":1}".into());
        let mut opener = Opener::default();
        let envelope = opener.open("s3cret", "b", NOW + 10, &text).unwrap();
        assert_eq!(
            (envelope.from.as_str(), envelope.body.as_str()),
            ("a", "{\"x\":1}")
        );
        assert_eq!(
            opener.open("s3cret", "b", NOW + 20, &text).unwrap_err(),
            Refusal::Replayed
        );
    }

    #[test]
    fn refusals() {
        let mut opener = Opener::default();
        let text = seal("s3cret", "a", "b", NOW, "body".into());
        assert_eq!(
            opener.open("other", "b", NOW, &text).unwrap_err(),
            Refusal::BadMac
        );
        assert_eq!(
            opener.open("s3cret", "c", NOW, &text).unwrap_err(),
            Refusal::Misdirected
        );
        assert_eq!(
            opener
                .open("s3cret", "b", NOW + MAX_AGE_MS + 1, &text)
                .unwrap_err(),
            Refusal::Stale
        );
        assert_eq!(
            opener.open("s3cret", "b", NOW, "not json").unwrap_err(),
            Refusal::Malformed
        );
        let altered = text.replace("\"body\":\"body\"", "\"body\":\"bodz\"");
        assert_ne!(altered, text);
        assert_eq!(
            opener.open("s3cret", "b", NOW, &altered).unwrap_err(),
            Refusal::BadMac
        );
        let mut envelope: Envelope = serde_json::from_str(&text).unwrap();
        envelope.from = "mallory".into();
        let forged = serde_json::to_string(&envelope).unwrap();
        assert_eq!(
            opener.open("s3cret", "b", NOW, &forged).unwrap_err(),
            Refusal::BadMac
        );
        assert!(opener.open("s3cret", "b", NOW, &text).is_ok());
    }

    #[test]
    fn old_nonces_are_forgotten_once_their_messages_would_be_stale() {
        let mut opener = Opener::default();
        for i in 0..100 {
            let text = seal("k", "a", "b", NOW + i * 1000, String::new());
            opener.open("k", "b", NOW + i * 1000, &text).unwrap();
        }
        assert!(opener.seen.len() <= 61, "{} nonces kept", opener.seen.len());
    }
}
