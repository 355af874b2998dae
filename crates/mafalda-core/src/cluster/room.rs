//! A room's record in Redis, shared by every instance that uses it: one
//! hash per room (`Keys::room`) holding its codecs, the application
//! instances using it, and where each of its producers lives and which
//! instance made it. Instances that open the same room by id (several
//! signalling processes serving one room) read it to join.

use std::collections::BTreeMap;

/// Field holding the room's media codecs (JSON), written by its first user.
pub const CODECS: &str = "codecs";
const USER: &str = "user:";
const OWNER: &str = "owner:";

/// The field naming `instance` a user of the room.
pub fn user_field(instance: &str) -> String {
    format!("{USER}{instance}")
}

/// The field naming the instance that made `producer` (its owner: the one
/// whose application created it and answers for it).
pub fn owner_field(producer: &str) -> String {
    format!("{OWNER}{producer}")
}

/// Removes instance `ARGV[1]` from the room `KEYS[1]`: its user field and
/// the producers it owns, and the room (`ARGV[2]`) from the set of its
/// rooms `KEYS[2]`; deletes the hash when no user is left. Returns the
/// users left. One script, so that two instances leaving at once cannot
/// both leave the hash behind.
pub const LEAVE_SCRIPT: &str = r"
local key, who = KEYS[1], ARGV[1]
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('HDEL', key, 'user:' .. who)
local all = redis.call('HGETALL', key)
local users = 0
for i = 1, #all, 2 do
  local field, value = all[i], all[i + 1]
  if string.sub(field, 1, 6) == 'owner:' then
    if value == who then redis.call('HDEL', key, field, string.sub(field, 7)) end
  elseif string.sub(field, 1, 5) == 'user:' then
    users = users + 1
  end
end
if users == 0 then redis.call('DEL', key) end
return users
";

/// A room's hash, read.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomRecord {
    /// The media codecs it was created with (JSON text), if recorded.
    pub codecs: Option<String>,
    /// The application instances using it.
    pub users: Vec<String>,
    /// Producer id → instance hosting it.
    pub hosts: BTreeMap<String, String>,
    /// Producer id → instance that made it.
    pub owners: BTreeMap<String, String>,
}

impl RoomRecord {
    /// From the hash's fields (as HGETALL gives them).
    pub fn from_fields(fields: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut record = RoomRecord::default();
        for (field, value) in fields {
            if field == CODECS {
                record.codecs = Some(value);
            } else if let Some(instance) = field.strip_prefix(USER) {
                record.users.push(instance.to_owned());
            } else if let Some(producer) = field.strip_prefix(OWNER) {
                record.owners.insert(producer.to_owned(), value);
            } else {
                record.hosts.insert(field, value);
            }
        }
        record.users.sort();
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(f, v)| (f.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_hash_reads_as_codecs_users_hosts_and_owners() {
        let record = RoomRecord::from_fields(fields(&[
            ("codecs", "[]"),
            ("user:b", "1"),
            ("user:a", "1"),
            ("p1", "node-1"),
            ("owner:p1", "a"),
            ("p2", "node-2"),
        ]));
        assert_eq!(record.codecs.as_deref(), Some("[]"));
        assert_eq!(record.users, vec!["a", "b"]);
        assert_eq!(record.hosts.get("p1").map(String::as_str), Some("node-1"));
        assert_eq!(record.hosts.len(), 2);
        assert_eq!(record.owners.get("p1").map(String::as_str), Some("a"));
    }

    #[test]
    fn field_names_do_not_collide_with_producer_ids() {
        // Producer ids are UUIDs: no ':' in them.
        assert!(user_field("x").contains(':'));
        assert!(owner_field("x").contains(':'));
        assert!(!CODECS.contains('-'));
    }
}
