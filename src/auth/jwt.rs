//! HS256 access tokens. The key comes from `APP_JWT_SECRET`, or is generated once and kept in
//! the data directory so tokens survive a restart.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Actor, Role};

const ISSUER: &str = "techmarket";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    role: Role,
    #[serde(default)]
    org: Option<Uuid>,
    /// The account's token version when issued: a change that must end older tokens (role,
    /// membership removed, disabled, new password) bumps the account's version.
    #[serde(default)]
    ver: i64,
    iat: i64,
    exp: i64,
    iss: String,
}

#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl_seconds: i64,
}

impl Tokens {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_seconds,
        }
    }

    pub fn issue(&self, actor: &Actor, version: i64, now: DateTime<Utc>) -> anyhow::Result<String> {
        self.issue_with_expiry(actor, version, now, now.timestamp() + self.ttl_seconds)
    }

    pub fn issue_with_expiry(
        &self,
        actor: &Actor,
        version: i64,
        now: DateTime<Utc>,
        exp: i64,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: actor.user_id,
            role: actor.role,
            org: actor.organization_id,
            ver: version,
            iat: now.timestamp(),
            exp,
            iss: ISSUER.into(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// `None` for anything but a well-signed, unexpired HS256 token of ours. The actor is as the
    /// token says; whether the account still agrees is for the caller to check.
    pub fn verify(&self, token: &str) -> Option<Verified> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_required_spec_claims(&["exp", "iss", "sub"]);
        v.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &v).ok()?;
        Some(Verified {
            actor: Actor {
                user_id: data.claims.sub,
                role: data.claims.role,
                organization_id: data.claims.org,
            },
            version: data.claims.ver,
        })
    }
}

/// What a valid token says: who, and the account version it was issued under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub actor: Actor,
    pub version: i64,
}

/// The configured secret, or the one kept in `data_dir/jwt_secret`, created on first use.
pub fn load_or_create_secret(
    configured: Option<&SecretString>,
    data_dir: &Path,
) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = configured {
        anyhow::ensure!(
            s.expose_secret().len() >= 32,
            "APP_JWT_SECRET must be at least 32 characters"
        );
        return Ok(s.expose_secret().as_bytes().to_vec());
    }
    let path = data_dir.join("jwt_secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        anyhow::ensure!(
            existing.len() >= 64,
            "{} is too short; delete it to generate a new one",
            path.display()
        );
        return Ok(existing.as_bytes().to_vec());
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut f) => f.write_all(secret.as_bytes())?,
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Ok(std::fs::read_to_string(&path)?.trim().as_bytes().to_vec())
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(path = %path.display(), "generated a new token signing secret");
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            role: Role::Researcher,
            organization_id: None,
        }
    }

    #[test]
    fn a_token_round_trips_and_a_forged_or_expired_one_does_not() {
        let tokens = Tokens::new(b"0123456789abcdef0123456789abcdef", 3600);
        let a = actor();
        let t = tokens.issue(&a, 7, Utc::now()).unwrap();
        assert_eq!(
            tokens.verify(&t),
            Some(Verified {
                actor: a,
                version: 7
            })
        );
        let other = Tokens::new(b"another-secret-another-secret-xx", 3600);
        assert_eq!(other.verify(&t), None);
        let expired = tokens
            .issue_with_expiry(&a, 0, Utc::now(), Utc::now().timestamp() - 60)
            .unwrap();
        assert_eq!(tokens.verify(&expired), None);
        assert_eq!(tokens.verify("not.a.token"), None);
    }

    #[test]
    fn the_generated_secret_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_secret(None, dir.path()).unwrap();
        let second = load_or_create_secret(None, dir.path()).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 96);
    }
}
