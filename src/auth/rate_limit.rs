//! Brute-force limits on login, registration and password reset: per account and per client
//! address, counted in the database (shared by every instance), answered with 429 and
//! `Retry-After` once spent.

use actix_web::HttpRequest;
use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::error::AppError;
use crate::store::{rate_limit, Db};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Failed logins and wrong current passwords, by e-mail address.
    LoginAccount,
    /// Failed logins, by client address.
    LoginAddress,
    /// Registrations, by client address.
    RegisterAddress,
    /// Failed password resets, by client address.
    ResetAddress,
}

impl Bucket {
    fn name(self) -> &'static str {
        match self {
            Bucket::LoginAccount => "login_account",
            Bucket::LoginAddress => "login_address",
            Bucket::RegisterAddress => "register_address",
            Bucket::ResetAddress => "reset_address",
        }
    }

    /// `(max, window in ms)`; a max of 0 means no limit.
    fn limit(self, s: &Settings) -> (i64, i64) {
        let (max, secs) = match self {
            Bucket::LoginAccount => (s.login_max_failures_per_account, s.login_window_seconds),
            Bucket::LoginAddress => (s.login_max_failures_per_address, s.login_window_seconds),
            Bucket::RegisterAddress => (s.register_max_per_address, s.register_window_seconds),
            Bucket::ResetAddress => (
                s.password_reset_max_per_address,
                s.password_reset_window_seconds,
            ),
        };
        (max as i64, (secs as i64).saturating_mul(1000))
    }

    fn refusal(self, retry_after_ms: i64) -> AppError {
        let detail = match self {
            Bucket::LoginAccount => "too many failed sign-ins for this account",
            Bucket::LoginAddress => "too many failed sign-ins from this address",
            Bucket::RegisterAddress => "too many registrations from this address",
            Bucket::ResetAddress => "too many failed password resets from this address",
        };
        // Whole seconds, rounded up, and never 0: "retry now" would invite a tight loop.
        let secs = ((retry_after_ms.max(0) + 999) / 1000).max(1) as u64;
        AppError::TooManyRequests {
            detail: format!("{detail}; try again in {secs} s"),
            retry_after_secs: secs,
        }
    }
}

/// 429 when `subject` has spent its budget in `bucket`; counts nothing.
pub async fn check(
    db: &Db,
    settings: &Settings,
    bucket: Bucket,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (max, window) = bucket.limit(settings);
    if max == 0 {
        return Ok(());
    }
    let now_ms = now.timestamp_millis();
    let mut rc = db.read().await?;
    match rate_limit::current(&mut rc.conn(), bucket.name(), subject, window, now_ms).await? {
        Some((hits, start)) if hits >= max => Err(bucket.refusal(start + window - now_ms)),
        _ => Ok(()),
    }
}

/// Counts one hit for `subject` in `bucket`.
pub async fn hit(
    db: &Db,
    settings: &Settings,
    bucket: Bucket,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (max, window) = bucket.limit(settings);
    if max == 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    rate_limit::hit(
        &mut tx.conn(),
        bucket.name(),
        subject,
        window,
        now.timestamp_millis(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Counts one hit and refuses it when it goes over the budget: for limits on every attempt
/// (registrations) rather than on failures.
pub async fn consume(
    db: &Db,
    settings: &Settings,
    bucket: Bucket,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (max, window) = bucket.limit(settings);
    if max == 0 {
        return Ok(());
    }
    let now_ms = now.timestamp_millis();
    let mut tx = db.begin().await?;
    let (hits, start) =
        rate_limit::hit(&mut tx.conn(), bucket.name(), subject, window, now_ms).await?;
    tx.commit().await?;
    if hits > max {
        return Err(bucket.refusal(start + window - now_ms));
    }
    Ok(())
}

/// Forgets `subject`'s failures in `bucket` (a successful login clears its account's count).
pub async fn clear(db: &Db, bucket: Bucket, subject: &str) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    rate_limit::clear(&mut tx.conn(), bucket.name(), subject).await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets spent windows now and then: a window older than the longest limit's can no longer
/// refuse anything, and without this the table would keep one row per address ever seen.
pub async fn prune_forever(
    state: actix_web::web::Data<crate::state::AppState>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let s = &state.settings;
    let longest = [
        s.login_window_seconds,
        s.register_window_seconds,
        s.password_reset_window_seconds,
    ]
    .into_iter()
    .max()
    .unwrap_or(0) as i64;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(600)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        let before = state.clock.now().timestamp_millis() - longest.saturating_mul(1000);
        let pruned = async {
            let mut tx = state.db.begin().await?;
            let n = rate_limit::prune(&mut tx.conn(), before).await?;
            tx.commit().await?;
            Ok::<_, crate::store::StoreError>(n)
        };
        match pruned.await {
            Ok(n) if n > 0 => tracing::debug!(pruned = n, "spent rate-limit windows forgotten"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "pruning rate-limit windows failed; will retry"),
        }
    }
}

/// The client's address: the peer, or what a trusted proxy says it forwarded.
pub fn client_address(req: &HttpRequest, settings: &Settings) -> String {
    if settings.trust_forwarded_for {
        if let Some(ip) = req.connection_info().realip_remote_addr() {
            return ip.to_string();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_whole_seconds_rounded_up_and_never_zero() {
        for (ms, secs) in [(0, 1), (1, 1), (999, 1), (1000, 1), (1001, 2), (-5, 1)] {
            let AppError::TooManyRequests {
                retry_after_secs, ..
            } = Bucket::LoginAccount.refusal(ms)
            else {
                panic!()
            };
            assert_eq!(retry_after_secs, secs, "{ms} ms");
        }
    }

    #[test]
    fn limits_come_from_the_settings() {
        let s = Settings {
            login_max_failures_per_account: 3,
            login_window_seconds: 2,
            register_max_per_address: 0,
            ..Settings::default()
        };
        assert_eq!(Bucket::LoginAccount.limit(&s), (3, 2000));
        assert_eq!(Bucket::RegisterAddress.limit(&s).0, 0);
        assert_eq!(
            Bucket::LoginAddress.limit(&Settings::default()),
            (20, 60_000)
        );
    }
}
