//! The rebuild of every read model from the log, over a million events, on both backends:
//! events per second and the process's resident memory while it runs (sampled every 50 ms).
//!
//! The log is written through the service's own event store ([`support::write_listing_log`]),
//! so every event is a real one and the catalogue's projection does real work on each.
//!
//! Run by hand: `cargo bench --bench rebuild [-- --events 1000000 --only sqlite]`.

#[path = "support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use techmarket::projections::rebuild::rebuild;
use techmarket::projections::Projections;
use techmarket::store::Db;

fn rss_mib() -> f64 {
    support::memory_mib("VmRSS")
}

async fn run(name: &str, url: &str, events: usize) {
    let db = Db::connect(url).await.unwrap();
    db.migrate().await.unwrap();
    let projections = Projections::standard();
    let t = Instant::now();
    support::write_listing_log(&db, &projections, events).await;
    println!(
        "{name:<9} log written: {events} events in {:.1?} ({:.0} events/s)",
        t.elapsed(),
        events as f64 / t.elapsed().as_secs_f64()
    );

    let before = rss_mib();
    let peak = Arc::new(std::sync::Mutex::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let now = rss_mib();
                let mut p = peak.lock().unwrap();
                *p = p.max(now);
                drop(p);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let t = Instant::now();
    let report = rebuild(&db, &projections).await.unwrap();
    let took = t.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let peak = *peak.lock().unwrap();
    println!(
        "{name:<9} rebuild: {} events in {took:.1?} ({:.0} events/s); RSS {before:.0} MiB before, peak {peak:.0} MiB",
        report.events,
        report.events as f64 / took.as_secs_f64()
    );
    db.close().await;
}

#[tokio::main]
async fn main() {
    let events: usize = support::number("--events", 1_000_000);
    let only = support::flag("--only");
    if only.as_deref() != Some("postgres") {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/rebuild.sqlite?mode=rwc", dir.path().display());
        run("sqlite", &url, events).await;
    }
    if only.as_deref() != Some("sqlite") {
        support::with_scratch_postgres(|url| async move { run("postgres", &url, events).await })
            .await;
    }
}
