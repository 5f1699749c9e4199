//! API tokens: who may use the HTTP API, and as what. A token is 32 random bytes, shown once
//! at creation; the database keeps only its BLAKE3 digest (a random 256-bit secret needs no
//! slow password hash: there is nothing to guess from the digest). Checking a presented token
//! compares its digest with every live token's in constant time.

use crate::cases::{append_audit, db_err, CaseDb};
use crate::{now_rfc3339, StoreError};
use base64::Engine;
use rusqlite::params;
use serde::Serialize;

/// What a token may do. Each role includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Triage: alerts, search, subjects, cases and their moves, takedown requests.
    Analyst,
    /// Also the original posts (evidence) and police-referral packages.
    Investigator,
    /// Also tokens and the audit log.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Investigator => "investigator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "analyst" => Some(Role::Analyst),
            "investigator" => Some(Role::Investigator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A live or revoked token, without its secret.
#[derive(Clone, Debug, Serialize)]
pub struct TokenInfo {
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The live tokens' digests, for checking presented tokens.
#[derive(Clone, Default)]
pub struct TokenSet {
    live: Vec<(blake3::Hash, String, Role)>,
}

const PREFIX: &str = "dxw_";

fn digest(token: &str) -> blake3::Hash {
    blake3::derive_key("doxwatch api token v1", token.as_bytes()).into()
}

impl TokenSet {
    /// The name and role of `presented`, if it is a live token. Every live digest is compared
    /// (`blake3::Hash` equality is constant-time), so the time taken says nothing about which
    /// token came close.
    pub fn check(&self, presented: &str) -> Option<(String, Role)> {
        let d = digest(presented);
        let mut found = None;
        for (h, name, role) in &self.live {
            if *h == d {
                found = Some((name.clone(), *role));
            }
        }
        found
    }

    /// The role of the live token named `name`.
    pub fn role_of(&self, name: &str) -> Option<Role> {
        self.live
            .iter()
            .find(|(_, n, _)| n == name)
            .map(|(_, _, r)| *r)
    }

    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }
}

impl CaseDb {
    /// Creates a token named `name` (unique) with `role` and returns its secret, which is not
    /// stored and cannot be shown again.
    pub fn create_token(
        &mut self,
        name: &str,
        role: Role,
        actor: &str,
    ) -> Result<String, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            return Err(StoreError::Invalid(
                "a token name is 1 to 64 printable characters".into(),
            ));
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)
            .map_err(|e| StoreError::Key(format!("no randomness for a token: {e}")))?;
        let token = format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
        );
        let tx = self.conn.transaction().map_err(db_err)?;
        let taken: bool = tx
            .query_row(
                "SELECT count(*) > 0 FROM tokens WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        if taken {
            return Err(StoreError::Invalid(format!(
                "a token named `{name}` exists"
            )));
        }
        tx.execute(
            "INSERT INTO tokens (name, role, hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                name,
                role.as_str(),
                digest(&token).to_hex().as_str(),
                now_rfc3339()
            ],
        )
        .map_err(db_err)?;
        append_audit(
            &tx,
            actor,
            "token.create",
            &format!("token:{name}"),
            role.as_str(),
        )?;
        tx.commit().map_err(db_err)?;
        Ok(token)
    }

    /// Revokes the token `name`; it stops working at the server's next token refresh.
    pub fn revoke_token(&mut self, name: &str, actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(db_err)?;
        let n = tx
            .execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, now_rfc3339()],
            )
            .map_err(db_err)?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("live token `{name}`")));
        }
        append_audit(&tx, actor, "token.revoke", &format!("token:{name}"), "")?;
        tx.commit().map_err(db_err)
    }

    pub fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT name, role, created_at, revoked_at FROM tokens ORDER BY token_id")
            .map_err(db_err)?;
        let rows = st
            .query_map([], |r| {
                let role: String = r.get(1)?;
                Ok(TokenInfo {
                    name: r.get(0)?,
                    role: Role::parse(&role).unwrap_or(Role::Analyst),
                    created_at: r.get(2)?,
                    revoked_at: r.get(3)?,
                })
            })
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        Ok(rows)
    }

    /// The live tokens, for [`TokenSet::check`].
    pub fn token_set(&self) -> Result<TokenSet, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT hash, name, role FROM tokens WHERE revoked_at IS NULL")
            .map_err(db_err)?;
        let live = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(db_err)?
            .filter_map(|row| {
                let (h, name, role) = row.ok()?;
                Some((blake3::Hash::from_hex(h).ok()?, name, Role::parse(&role)?))
            })
            .collect();
        Ok(TokenSet { live })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_by_digest_and_revocable() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = CaseDb::open(&dir.path().join("c.sqlite")).unwrap();
        let t = db
            .create_token("alice", Role::Investigator, "admin")
            .unwrap();
        assert!(t.starts_with(PREFIX) && t.len() == PREFIX.len() + 43);
        assert!(db.create_token("alice", Role::Analyst, "admin").is_err());
        let set = db.token_set().unwrap();
        assert_eq!(set.check(&t), Some(("alice".into(), Role::Investigator)));
        assert_eq!(set.check("dxw_wrong"), None);
        let stored: String = db
            .conn
            .query_row("SELECT hash FROM tokens", [], |r| r.get(0))
            .unwrap();
        assert!(!stored.contains(&t[PREFIX.len()..]));
        db.revoke_token("alice", "admin").unwrap();
        assert_eq!(db.token_set().unwrap().check(&t), None);
        assert!(db.revoke_token("alice", "admin").is_err());
        assert_eq!(db.verify_audit().unwrap(), 2);
        assert!(Role::Admin > Role::Investigator && Role::Investigator > Role::Analyst);
    }
}
