//! How good the matches are, not how fast: loads the labelled relevance set
//! (`tests/data/matching/relevance.json`: some 80 listings and 30 demands, each with the listings a
//! technology manager would propose) into a fresh service on SQLite through the command path,
//! asks `GET /demands/{id}/matches` over HTTP for every demand, and prints precision@5,
//! recall@5 and MRR against the labels; then the other way round (`GET /listings/{id}/matches`
//! for every labelled listing: recall@5 and MRR). The rankings do not move between runs (scores
//! may, by a few tenths: rarity counts a document's replaced copies until the index merges
//! them), so the figures can be compared across changes of the scorer.
//!
//! Run: `cargo bench --bench matching` (`-- --verbose` lists every demand's first five). The
//! figures do not depend on the build profile: `cargo test --bench matching` (a debug build)
//! prints the same.

use std::time::Duration;

use techmarket::startup::Application;

#[path = "support/mod.rs"]
mod support;

#[path = "../tests/api/matching/relevance.rs"]
mod relevance;

use relevance::{judge, mean, Judged, K};

/// A match alert's default `min_score`: what the service calls a match worth telling about.
const STRONG: f64 = 60.0;

fn line(name: &str, j: Judged) -> String {
    format!(
        "{name}: precision@{K} {:.3}  recall@{K} {:.3}  MRR {:.3}",
        j.precision, j.recall, j.reciprocal_rank
    )
}

#[tokio::main]
async fn main() {
    let verbose = std::env::args().any(|a| a == "--verbose");
    let set = relevance::set();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bench.sqlite?mode=rwc", dir.path().display());
    let app = Application::build(support::settings(url, dir.path()))
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());

    let relevance::Loaded { listings, demands } = relevance::load(&state, &set).await;
    let head = techmarket::store::log::head(&mut state.db.read().await.unwrap().conn())
        .await
        .unwrap();
    assert!(state.search.wait_for(head, Duration::from_secs(60)).await);

    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let address = address.clone();
        async move {
            let r = client.get(format!("{address}{path}")).send().await.unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.json::<serde_json::Value>().await.unwrap()
        }
    };

    let mut judged = Vec::new();
    // What a score says: of the first K, how many relevant and irrelevant pairs reach
    // `STRONG` (a match alert's default threshold), and the best irrelevant score per demand.
    let (mut strong_relevant, mut strong_irrelevant, mut relevant_shown, mut best_wrong) =
        (0, 0, 0, Vec::new());
    for (d, (id, key)) in set.demands.iter().zip(&demands) {
        let v = get(format!("/api/v1/demands/{id}/matches?limit=20")).await;
        let ranked = relevance::ranked(&v, "listing", &listings);
        let j = judge(&ranked, &d.relevant);
        let scores: Vec<f64> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["score"].as_f64().unwrap_or(0.0))
            .collect();
        for (k, s) in ranked.iter().zip(&scores).take(K) {
            let relevant = d.relevant.contains(k);
            relevant_shown += usize::from(relevant);
            match (relevant, *s >= STRONG) {
                (true, true) => strong_relevant += 1,
                (false, true) => strong_irrelevant += 1,
                _ => {}
            }
        }
        best_wrong.push(
            ranked
                .iter()
                .zip(&scores)
                .find(|(k, _)| !d.relevant.contains(k))
                .map_or(0.0, |(_, s)| *s),
        );
        if verbose {
            let top: Vec<String> = ranked
                .iter()
                .zip(v["items"].as_array().unwrap())
                .take(K)
                .map(|(k, i)| {
                    let mark = if d.relevant.contains(k) { "✓" } else { " " };
                    format!("{mark}{k} {:>5.1}", i["score"].as_f64().unwrap_or(0.0))
                })
                .collect();
            println!(
                "{key} {:<16} P@{K} {:.1}  {}",
                d.title,
                j.precision,
                top.join("  ")
            );
        }
        judged.push(j);
    }

    // The other way round: a listing's relevant demands are those that name it.
    let mut reverse = Vec::new();
    for (id, key) in &listings {
        let wanted: Vec<String> = set
            .demands
            .iter()
            .filter(|d| d.relevant.contains(key))
            .map(|d| d.key.clone())
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let v = get(format!("/api/v1/listings/{id}/matches?limit=20")).await;
        reverse.push(judge(&relevance::ranked(&v, "demand", &demands), &wanted));
    }

    println!(
        "relevance set: {} listings, {} demands, {} judged pairs (best precision@{K} the labels allow: {:.3})",
        set.listings.len(),
        set.demands.len(),
        set.demands.iter().map(|d| d.relevant.len()).sum::<usize>(),
        relevance::ideal_precision(&set)
    );
    println!("{}", line("demand → listings", mean(&judged)));
    println!(
        "scores of the first {K}: {strong_relevant} of {relevant_shown} relevant and {strong_irrelevant} of {} irrelevant at {STRONG} or more; best irrelevant {:.1} on average",
        judged.len() * K - relevant_shown,
        best_wrong.iter().sum::<f64>() / best_wrong.len().max(1) as f64
    );
    println!(
        "{}",
        line(
            &format!("listing → demands ({} listings)", reverse.len()),
            mean(&reverse)
        )
    );
}
