//! The statistics cube's cold start: how long the first cut waits after the service starts (or
//! after a rebuild) with a million facts, on both backends; and the process's resident memory.
//!
//! The facts are generated in SQL (varied dimensions, a spread of dates), not registered through
//! the command path: what is measured is reading them into the cube, which does not care where
//! they came from. `cargo bench --bench contracts` registers contracts for real.
//!
//! Run by hand: `cargo bench --bench cube [-- --facts 1000000 --only sqlite]`.

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use chrono::Utc;
use serde_json::json;
use techmarket::projections::contract_stats::cube::Cube;
use techmarket::store::log::{self, LoggedEvent};
use techmarket::store::Db;
use uuid::Uuid;

fn rss_mib() -> f64 {
    support::memory_mib("VmRSS")
}

/// `n` facts, positions 1..=n, then one log entry above them all so the cube reads them.
async fn fill(db: &Db, n: i64) {
    let pg = db.backend() == "postgres";
    let series = if pg {
        format!("SELECT g AS i FROM generate_series(1, {n}) g")
    } else {
        format!("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s")
    };
    let (uuid, time, date) = if pg {
        (
            "md5(i::text)::uuid",
            "timestamptz '2024-01-01' + (i % 900) * interval '1 day'",
            "to_char(date '2024-01-01' + (i % 900), 'YYYY-MM-DD')",
        )
    } else {
        (
            "randomblob(16)",
            "strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2024-01-01', '+' || (i % 900) || ' days')",
            "date('2024-01-01', '+' || (i % 900) || ' days')",
        )
    };
    let sql = format!(
        "INSERT INTO contract_stat_facts (contract_id, seq, part, position, recorded_at, registered_basis, signing_date, \
         count_delta, amount_delta, tech_amount_delta, taxonomy, contract_type, subtype, field, seller_nature, buyer_nature, \
         seller_region, buyer_region, seller_province, buyer_province, seller_zone, buyer_zone, flow, ip_kinds) \
         SELECT {uuid}, 1, 0, i, {time}, {date}, {date}, 1, 100000 + (i % 977) * 1000, 50000 + (i % 311) * 100, \
         'standard', CASE i % 4 WHEN 0 THEN 'development' WHEN 1 THEN 'transfer' WHEN 2 THEN 'consulting' ELSE 'service' END, \
         '', CASE i % 5 WHEN 0 THEN 'new_energy' WHEN 1 THEN 'biomedicine' WHEN 2 THEN 'electronic_information' \
         WHEN 3 THEN 'advanced_manufacturing' ELSE 'new_materials' END, \
         CASE i % 3 WHEN 0 THEN 'university' WHEN 1 THEN 'enterprise' ELSE 'research_institute' END, 'enterprise', \
         CASE i % 7 WHEN 0 THEN '500106' WHEN 1 THEN '510104' WHEN 2 THEN '110105' ELSE '500112' END, \
         CASE i % 11 WHEN 0 THEN '310104' WHEN 1 THEN '500103' ELSE '440305' END, \
         '500000', '440000', '', '', CASE i % 2 WHEN 0 THEN 'outflow' ELSE 'local' END, \
         CASE i % 3 WHEN 0 THEN 'invention_patent' WHEN 1 THEN 'software_copyright;utility_model' ELSE '' END \
         FROM ({series}) s"
    );
    let mut tx = db.begin().await.unwrap();
    tx.conn().execute(&sql, &[]).await.unwrap();
    if !pg {
        // SQLite's positions are dense: start the log past the facts' positions.
        tx.conn()
            .execute(
                &format!("INSERT INTO sqlite_sequence (name, seq) VALUES ('event_log', {n})"),
                &[],
            )
            .await
            .unwrap();
    }
    log::append(
        &mut tx.conn(),
        &LoggedEvent {
            position: 0,
            event_id: Uuid::now_v7(),
            aggregate_type: "probe".into(),
            aggregate_id: Uuid::now_v7(),
            version: 1,
            event_type: "probe".into(),
            actor_id: Uuid::nil(),
            actor_role: "platform_admin".into(),
            recorded_at: Utc::now(),
            payload: serde_json::value::to_raw_value(&json!({})).unwrap(),
            schema_version: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    if !pg {
        // As a service finds its file after a restart: the big write checkpointed out of the WAL.
        db.read()
            .await
            .unwrap()
            .conn()
            .execute("PRAGMA wal_checkpoint(TRUNCATE)", &[])
            .await
            .unwrap();
    }
}

async fn run(name: &str, url: &str, n: i64, dir: &std::path::Path) {
    let db = Db::connect(url).await.unwrap();
    db.migrate().await.unwrap();
    let t = Instant::now();
    fill(&db, n).await;
    println!("{name:<9} {n} facts generated in {:.1?}", t.elapsed());

    let rss = rss_mib();
    let t = Instant::now();
    let cube = Cube::default();
    cube.catch_up(&db).await.unwrap();
    println!(
        "{name:<9} cold start from the database: {:.2?} ({} facts; RSS +{:.0} MiB)",
        t.elapsed(),
        cube.fact_count().await,
        rss_mib() - rss
    );

    let file = dir.join(format!("{name}.cube"));
    let t = Instant::now();
    let bytes = cube.save_snapshot(&file).await.unwrap();
    println!(
        "{name:<9} snapshot written: {:.2?} ({:.1} MiB)",
        t.elapsed(),
        bytes as f64 / 1048576.0
    );
    drop(cube);
    let t = Instant::now();
    let cube = Cube::default();
    let restored = cube.restore_snapshot(&db, &file).await.unwrap();
    cube.catch_up(&db).await.unwrap();
    println!(
        "{name:<9} cold start from the snapshot: {:.2?} (restored: {restored}; {} facts)",
        t.elapsed(),
        cube.fact_count().await
    );
    time_cuts(name, &cube).await;
    db.close().await;
}

/// Cuts straight from the cube, without HTTP: what a cut's pass costs on its own.
async fn time_cuts(name: &str, cube: &Cube) {
    use techmarket::projections::contract_stats::query::{Cut, Dim, Granularity};
    let as_of = "2025-03-01T00:00:00Z".parse().unwrap();
    let cuts = [
        ("by=field", vec![Dim::Field], Granularity::Month, None),
        (
            "by=period (month)",
            vec![Dim::Period],
            Granularity::Month,
            None,
        ),
        (
            "by=type,seller_region",
            vec![Dim::Type, Dim::SellerRegion],
            Granularity::Month,
            None,
        ),
        (
            "by=flow,period (quarter)",
            vec![Dim::Flow, Dim::Period],
            Granularity::Quarter,
            None,
        ),
        (
            "by=ip_kind,field",
            vec![Dim::IpKind, Dim::Field],
            Granularity::Month,
            None,
        ),
        (
            "by=field as_of",
            vec![Dim::Field],
            Granularity::Month,
            Some(as_of),
        ),
        (
            "by=type,seller_region as_of",
            vec![Dim::Type, Dim::SellerRegion],
            Granularity::Month,
            Some(as_of),
        ),
    ];
    for (what, by, granularity, as_of) in cuts {
        let cut = Cut {
            by,
            granularity,
            as_of,
            ..Cut::default()
        };
        let mut times = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            let (lines, _) = cube.run(&cut).await.unwrap();
            times.push(t.elapsed());
            assert!(!lines.is_empty());
        }
        times.sort();
        println!(
            "{name:<9} cut {what:<28} p50 {:>8.2?}  p99 {:>8.2?}",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
}

#[tokio::main]
async fn main() {
    let n: i64 = support::number("--facts", 1_000_000);
    let only = support::flag("--only");
    let dir = tempfile::tempdir().unwrap();
    if only.as_deref() != Some("postgres") {
        let url = format!("sqlite://{}/cube.sqlite?mode=rwc", dir.path().display());
        run("sqlite", &url, n, dir.path()).await;
    }
    if only.as_deref() != Some("sqlite") {
        let path = dir.path().to_path_buf();
        support::with_scratch_postgres(|url| async move { run("postgres", &url, n, &path).await })
            .await;
    }
}
