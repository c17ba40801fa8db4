//! Ownership grants (职务科技成果赋权) at scale: N grants (default 20,000) over 50 institutions,
//! teams of 1–5 drawn from 2,000 researchers, ownership shares (term optional) and usage rights
//! (10–20 years), applied for over five years, run through the real command path on SQLite:
//! application, review, public notice, grant after the notice, ~10% extended, two payments
//! distributed per grant. Then p50/p99 of the register's reports over HTTP (cap table for all,
//! one institution, one researcher, as of mid-load; terms expiring; revenue; CSV), the rebuild
//! time and peak memory.
//!
//! Each grant's life is run at once, in one task, with its own command times: the application
//! at the service clock (which starts five years back and moves on as grants are applied for),
//! the review a few days later, the grant when the notice has run, payments later in the term;
//! nothing after today, so applications of the last weeks are still in notice.
//!
//! Run by hand: `cargo bench --bench grants` (or `-- 2000` for a smaller load).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use secrecy::SecretString;
use techmarket::config::Settings;
use techmarket::domain::calendar::china_date;
use techmarket::domain::contract::{ContractStatus, Payment};
use techmarket::domain::organization::{NewOrganization, OrganizationInput};
use techmarket::domain::ownership_grant::{
    years_after, ContractPayment, GrantAction, GrantData, GrantKind, GrantTerms, IncomeSplit,
    ListingFacts, TeamMember, STATUTORY_TEAM_INCOME_BP,
};
use techmarket::domain::{Actor, Command, Role};
use techmarket::projections::doc;
use techmarket::projections::ownership_register::query::{self as grant_query, Scope};
use techmarket::startup::Application;
use techmarket::state::AppState;
use techmarket::store::accounts::{self, NewUserRow};
use techmarket::store::aggregates::CommandError;
use techmarket::store::sql::Arg;
use techmarket::store::StoreError;
use tokio::sync::Semaphore;
use uuid::Uuid;

const INSTITUTIONS: usize = 50;
const RESEARCHERS: usize = 2_000;
/// Five years of applications.
const SPAN_DAYS: i64 = 1826;
const REQUESTS: usize = 50;

/// Researchers: (user id, display name, institution index).
struct People {
    institutions: Vec<Uuid>,
    /// The technology-transfer office's user id at each institution.
    offices: Vec<Uuid>,
    researchers: Vec<(Uuid, String, usize)>,
    by_institution: Vec<Vec<usize>>,
}

/// One grant's commands, in time order.
struct Plan {
    id: Uuid,
    steps: Vec<(Actor, DateTime<Utc>, GrantAction)>,
    granted: bool,
    extended: bool,
    distributions: usize,
}

/// 10:00 in China on day `d`.
fn at_day(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(2, 0, 0).unwrap().and_utc()
}

/// `n` shares in basis points, each at least 1%, summing to 100%.
fn split_bp(rng: &mut StdRng, n: usize) -> Vec<u32> {
    let mut cuts: Vec<u32> = (0..n - 1).map(|_| rng.gen_range(1..100)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    if cuts.len() < n - 1 {
        // Rare: two cuts fell on the same percent; spread them again.
        cuts = (1..n as u32).map(|k| k * 100 / n as u32).collect();
    }
    let mut out = Vec::with_capacity(n);
    let mut prev = 0;
    for c in cuts.into_iter().chain([100]) {
        out.push((c - prev) * 100);
        prev = c;
    }
    out
}

fn plan(rng: &mut StdRng, people: &People, t0: DateTime<Utc>, cap: DateTime<Utc>) -> Plan {
    let id = Uuid::now_v7();
    let inst = rng.gen_range(0..INSTITUTIONS);
    let institution_id = people.institutions[inst];
    let applicant_ix = *people.by_institution[inst].choose(rng).unwrap();
    let applicant = Actor {
        user_id: people.researchers[applicant_ix].0,
        role: Role::Researcher,
        organization_id: Some(institution_id),
    };
    let office = Actor {
        user_id: people.offices[inst],
        role: Role::InstitutionAdmin,
        organization_id: Some(institution_id),
    };
    // The applicant and 0–4 others, from anywhere in the pool.
    let size = rng.gen_range(1..=5);
    let mut members = vec![applicant_ix];
    while members.len() < size {
        let m = rng.gen_range(0..RESEARCHERS);
        if !members.contains(&m) {
            members.push(m);
        }
    }
    members.shuffle(rng);
    let team: Vec<TeamMember> = members
        .iter()
        .zip(split_bp(rng, size))
        .map(|(&m, share_bp)| TeamMember {
            user_id: people.researchers[m].0,
            name: people.researchers[m].1.clone(),
            share_bp,
        })
        .collect();
    let extend = rng.gen_bool(0.1);
    let (kind, institution_share_bp, term_years) = if rng.gen_bool(0.4) {
        (GrantKind::UsageRight, 10_000, Some(rng.gen_range(10..=20)))
    } else {
        let inst_bp = rng.gen_range(20..=80) * 100;
        let term = (extend || rng.gen_bool(0.5)).then(|| rng.gen_range(3..=20));
        (GrantKind::OwnershipShare, inst_bp, term)
    };
    let income = if rng.gen_bool(0.6) {
        IncomeSplit {
            team_bp: rng.gen_range(50..=90) * 100,
            agreed: true,
        }
    } else {
        IncomeSplit {
            team_bp: STATUTORY_TEAM_INCOME_BP,
            agreed: false,
        }
    };
    let terms = GrantTerms {
        kind,
        institution_share_bp,
        team_share_bp: 10_000 - institution_share_bp,
        term_years,
        team,
        income,
        statement: None,
    };
    let listing = ListingFacts {
        listing_id: Uuid::now_v7(),
        title: format!("职务科技成果 {}", id.simple()),
        job_related: true,
        institution_id: Some(institution_id),
        owner_id: applicant.user_id,
        inventor_user_ids: terms.team.iter().map(|m| m.user_id).collect(),
        withdrawn: false,
    };
    let listing_id = listing.listing_id;
    let mut steps = vec![(applicant, t0, GrantAction::Apply { listing, terms })];
    let mut out = Plan {
        id,
        steps: Vec::new(),
        granted: false,
        extended: false,
        distributions: 0,
    };
    let reviewed = t0 + TimeDelta::days(rng.gen_range(1..=10));
    let days: u32 = rng.gen_range(15..=30);
    let granted_at = reviewed + TimeDelta::days(i64::from(days) + rng.gen_range(0..=5));
    if reviewed <= cap {
        steps.push((
            office,
            reviewed,
            GrantAction::Review {
                approve: true,
                note: None,
                reasons: vec![],
            },
        ));
        steps.push((
            office,
            reviewed,
            GrantAction::StartNotice { days, shortest: 1 },
        ));
    }
    if granted_at <= cap {
        out.granted = true;
        steps.push((office, granted_at, GrantAction::Grant));
        let granted_on = china_date(granted_at);
        let term_end = term_years.map(|y| years_after(granted_on, y));
        if extend {
            let when = (granted_at + TimeDelta::days(rng.gen_range(30..=180))).min(cap);
            let y = term_years.expect("an extended grant has a term");
            steps.push((
                office,
                when,
                GrantAction::Extend {
                    until: years_after(granted_on, y + 5),
                    reason: "成果转化尚未完成，延长期限".into(),
                },
            ));
            out.extended = true;
        }
        // Two payments received while the original term runs, none after today.
        let last = term_end
            .unwrap_or(NaiveDate::MAX)
            .min(china_date(cap))
            .max(granted_on);
        let span = (last - granted_on).num_days();
        let mut received: Vec<NaiveDate> = (0..2)
            .map(|_| granted_on + TimeDelta::days(rng.gen_range(0..=span)))
            .collect();
        received.sort();
        let contract_id = Uuid::now_v7();
        for on in received {
            let amount_fen = (10f64.powf(rng.gen_range(6.0..8.699)) as i64).max(1_000_000);
            let costs_fen = if rng.gen_bool(0.5) {
                amount_fen / rng.gen_range(10..=50)
            } else {
                0
            };
            let payment_id = Uuid::now_v7();
            let when = (at_day(on) + TimeDelta::days(rng.gen_range(1..=30)))
                .min(cap)
                .max(granted_at);
            steps.push((
                office,
                when,
                GrantAction::Distribute {
                    distribution_id: Uuid::now_v7(),
                    payment: ContractPayment {
                        contract_id,
                        contract_status: ContractStatus::Registered,
                        listing_id: Some(listing_id),
                        payment_id,
                        payment: Some(Payment {
                            id: payment_id,
                            amount_fen,
                            received_on: on,
                            note: None,
                        }),
                    },
                    costs_fen,
                    note: None,
                },
            ));
            out.distributions += 1;
        }
    }
    // Stable: the application, review and notice keep their order at equal times.
    steps.sort_by_key(|(_, t, _)| *t);
    out.steps = steps;
    out
}

/// Runs one command; the expiry sweep appends to grants as well, so a lost race is retried.
async fn run(state: &AppState, id: Uuid, actor: Actor, now: DateTime<Utc>, action: GrantAction) {
    let mut attempt = 0;
    loop {
        let command = Command::new(actor, now, action.clone());
        match state
            .aggregates
            .ownership_grants
            .execute(id, None, command)
            .await
        {
            Ok(_) => return,
            Err(CommandError::Store(StoreError::Conflict)) if attempt < 10 => attempt += 1,
            Err(e) => panic!("grant {id}: {} failed: {e:?}", action_name(&action)),
        }
    }
}

fn action_name(a: &GrantAction) -> &'static str {
    match a {
        GrantAction::Apply { .. } => "apply",
        GrantAction::Review { .. } => "review",
        GrantAction::StartNotice { .. } => "start_notice",
        GrantAction::Grant => "grant",
        GrantAction::Extend { .. } => "extend",
        GrantAction::Distribute { .. } => "distribute",
        _ => "other",
    }
}

async fn people(state: &AppState) -> People {
    let now = Utc::now();
    let mut tx = state.db.begin().await.unwrap();
    let mut institutions = Vec::with_capacity(INSTITUTIONS);
    for k in 0..INSTITUTIONS {
        let org = NewOrganization::parse(
            OrganizationInput {
                name: format!("重庆第{k}研究院"),
                party_nature: if k % 2 == 0 { "021" } else { "022" }.into(),
                region: "500106".into(),
                zone: None,
            },
            &state.refs,
        )
        .unwrap();
        institutions.push(
            accounts::insert_organization(&mut tx.conn(), &org, now)
                .await
                .unwrap()
                .id,
        );
    }
    let mut researchers = Vec::with_capacity(RESEARCHERS);
    let mut by_institution = vec![Vec::new(); INSTITUTIONS];
    for k in 0..RESEARCHERS {
        let inst = k % INSTITUTIONS;
        let name = format!("研究员{k:04}");
        let user = accounts::insert_user(
            &mut tx.conn(),
            NewUserRow {
                email: &format!("researcher{k}@example.cn"),
                // Nobody logs in as them: no hash is needed, only a row for names.
                password_hash: "-",
                display_name: &name,
                role: Role::Researcher,
                organization_id: Some(institutions[inst]),
                organization_admin: false,
            },
            now,
        )
        .await
        .unwrap()
        .unwrap();
        by_institution[inst].push(researchers.len());
        researchers.push((user.id, name, inst));
    }
    tx.commit().await.unwrap();
    People {
        offices: (0..INSTITUTIONS).map(|_| Uuid::now_v7()).collect(),
        institutions,
        researchers,
        by_institution,
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0)
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn pct(xs: &mut [Duration], q: f64) -> Duration {
    xs.sort();
    xs[((xs.len() as f64 - 1.0) * q).round() as usize]
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: Some(SecretString::from(format!(
            "sqlite://{}/bench.sqlite?mode=rwc",
            dir.path().display()
        ))),
        data_dir: dir.path().to_path_buf(),
        jwt_secret: Some(SecretString::from(
            "bench-secret-bench-secret-bench-secret-00".to_string(),
        )),
        ..Settings::default()
    };
    let app = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let state: web::Data<AppState> = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let people = people(&state).await;

    // Applications over five years: start the clock five years back and move it on by the day.
    state.clock.advance(TimeDelta::days(-SPAN_DAYS));
    let mut moved = 0;
    let mut rng = StdRng::seed_from_u64(20261121);
    let permits = Arc::new(Semaphore::new(16));
    let (mut commands, mut granted, mut extended, mut distributions) = (0, 0, 0, 0);
    let mut mid_load = None;
    let started = Instant::now();
    let mut tasks: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    for i in 0..n {
        let day = i as i64 * SPAN_DAYS / n as i64;
        if day > moved {
            state.clock.advance(TimeDelta::days(day - moved));
            moved = day;
        }
        if i == n / 2 {
            mid_load = Some(state.clock.now());
        }
        let p = plan(&mut rng, &people, state.clock.now(), Utc::now());
        commands += p.steps.len();
        granted += usize::from(p.granted);
        extended += usize::from(p.extended);
        distributions += p.distributions;
        let (state, permit) = (
            state.clone(),
            permits.clone().acquire_owned().await.unwrap(),
        );
        tasks.push(tokio::spawn(async move {
            for (actor, now, action) in p.steps {
                run(&state, p.id, actor, now, action).await;
            }
            drop(permit);
        }));
        if i % 5_000 == 4_999 {
            eprintln!(
                "  {} grants applied for, {:.0}/s",
                i + 1,
                (i + 1) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let took = started.elapsed();
    // The clock back at the present.
    state.clock.advance(TimeDelta::days(SPAN_DAYS - moved));
    let secs = took.as_secs_f64();
    println!(
        "loaded {n} grants in {took:.1?} ({granted} granted, {} still in notice, {extended} extended, \
         {distributions} distributions): {commands} commands",
        n - granted
    );
    println!(
        "  {:.0} commands/s, {:.0} grants/s through the command path",
        commands as f64 / secs,
        n as f64 / secs
    );
    let load_rss = peak_rss_kib();

    let client = reqwest::Client::new();
    let token = {
        let admin = techmarket::domain::user::RegistrationInput {
            email: "stat@example.cn".into(),
            password: SecretString::from("correct horse battery".to_string()),
            display_name: "统计".into(),
            role: Role::Statistician,
            organization_id: None,
        };
        techmarket::accounts::create_user(
            &state.db,
            techmarket::domain::user::NewUser::parse(admin, false).unwrap(),
            false,
            techmarket::accounts::OPERATOR,
        )
        .await
        .unwrap();
        let r: serde_json::Value = client
            .post(format!("{address}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": "stat@example.cn", "password": "correct horse battery"}))
            .send().await.unwrap().json().await.unwrap();
        r["access_token"].as_str().unwrap().to_string()
    };

    let today = china_date(state.clock.now());
    let mid = mid_load.unwrap();
    let mid_at = mid.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let inst = |k: usize| people.institutions[k % INSTITUTIONS];
    let researcher = |k: usize| people.researchers[(k * 41 + 7) % RESEARCHERS].0;
    type Query<'a> = Box<dyn Fn(usize) -> String + 'a>;
    // (label, report, as CSV, the rest of the query string for request k)
    let reports: Vec<(&str, &str, bool, Query)> = vec![
        (
            "cap_table, all",
            "cap_table",
            false,
            Box::new(|_| "".into()),
        ),
        (
            "cap_table, one institution",
            "cap_table",
            false,
            Box::new(|k| format!("&institution_id={}", inst(k))),
        ),
        (
            "cap_table, one researcher",
            "cap_table",
            false,
            Box::new(|k| format!("&researcher_id={}", researcher(k))),
        ),
        (
            "cap_table, on+as_of mid-load",
            "cap_table",
            false,
            Box::new(|_| format!("&on={}&as_of={mid_at}", china_date(mid))),
        ),
        (
            "expiring within 365 days",
            "expiring",
            false,
            Box::new(|_| "&within_days=365".into()),
        ),
        (
            "revenue, all, last year",
            "revenue",
            false,
            Box::new(|_| format!("&from={}&to={today}", today - TimeDelta::days(365))),
        ),
        (
            "revenue, one researcher, all time",
            "revenue",
            false,
            Box::new(|k| format!("&researcher_id={}", researcher(k))),
        ),
        (
            "cap_table, all, CSV",
            "cap_table",
            true,
            Box::new(|_| "".into()),
        ),
    ];
    println!();
    println!(
        "{:<36} {:>9} {:>10} {:>10} {:>10}",
        "report over HTTP (50 requests)", "rows", "KiB", "p50", "p99"
    );
    for (name, report, csv, q) in &reports {
        let mut times = Vec::with_capacity(REQUESTS);
        let (mut rows, mut bytes) = (0usize, 0usize);
        for k in 0..REQUESTS {
            let url = format!(
                "{address}/api/v1/stats/ownership-grants?report={report}{}",
                q(k)
            );
            let mut req = client.get(&url).bearer_auth(&token);
            if *csv {
                req = req.header("Accept", "text/csv");
            }
            let t = Instant::now();
            let r = req.send().await.unwrap();
            let status = r.status();
            let body = r.bytes().await.unwrap();
            times.push(t.elapsed());
            assert!(
                status.is_success(),
                "{url}: {status} {}",
                String::from_utf8_lossy(&body)
            );
            bytes += body.len();
            // Counted without parsing the body here: the client shares the process, and
            // its memory would count in the peak RSS.
            rows += if *csv {
                // The header; the cap table has no total row.
                body.iter().filter(|b| **b == b'\n').count() - 1
            } else if *report == "revenue" {
                occurrences(&body, b"\"holder_type\":")
            } else {
                occurrences(&body, b"\"grant_id\":")
            };
        }
        println!(
            "{name:<36} {:>9} {:>10.0} {:>10.2?} {:>10.2?}",
            rows / REQUESTS,
            bytes as f64 / REQUESTS as f64 / 1024.0,
            pct(&mut times, 0.50),
            pct(&mut times, 0.99)
        );
    }

    // Where the cap table's and the expiry report's time goes: both read every grant ever
    // granted in scope, document and all, and filter in memory.
    println!();
    {
        let mut rc = state.db.read().await.unwrap();
        let t = Instant::now();
        let rows = rc
            .conn()
            .fetch_all(
                "SELECT id, version, doc FROM ownership_grant_view WHERE status IN \
                 ('granted', 'registry_changed', 'expired', 'revoked') ORDER BY id",
                &[],
            )
            .await
            .unwrap();
        let fetched = t.elapsed();
        let t = Instant::now();
        let docs: Vec<doc::DocRow<GrantData>> =
            rows.iter().map(|r| doc::from_row(r).unwrap()).collect();
        let parsed = t.elapsed();
        let doc_bytes: usize = docs
            .iter()
            .map(|d| serde_json::to_vec(&d.data).unwrap().len())
            .sum();
        println!(
            "granted documents read by cap_table/expiring: {} docs, {:.1} MiB of JSON; \
             SQL fetch {fetched:.2?}, parse {parsed:.2?}",
            docs.len(),
            doc_bytes as f64 / (1024.0 * 1024.0)
        );
        let in_force = docs
            .iter()
            .filter(|d| d.data.in_force_on(today, None))
            .count();
        let horizon = today + TimeDelta::days(365);
        let expiring = docs
            .iter()
            .filter(|d| {
                d.data.in_force_on(today, None) && d.data.term_end.is_some_and(|e| e <= horizon)
            })
            .count();
        println!("  of which in force today {in_force}, ending within 365 days {expiring}");
        let mut direct = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            grant_query::cap_table(&mut rc.conn(), Scope::default(), today, None)
                .await
                .unwrap();
            direct.push(t.elapsed());
        }
        let mut exp = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            grant_query::expiring(&mut rc.conn(), Scope::default(), today, 365, None)
                .await
                .unwrap();
            exp.push(t.elapsed());
        }
        let mut rev = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            grant_query::revenue(
                &mut rc.conn(),
                Scope::default(),
                Some(today - TimeDelta::days(365)),
                Some(today),
                None,
            )
            .await
            .unwrap();
            rev.push(t.elapsed());
        }
        println!(
            "  query functions without HTTP (p50 of 10): cap_table all {:.2?}, expiring 365 {:.2?}, \
             revenue last year {:.2?}",
            pct(&mut direct, 0.5),
            pct(&mut exp, 0.5),
            pct(&mut rev, 0.5)
        );
    }
    // The revenue report looks up each member's display name one query at a time, and
    // `ownership_distribution_parts` has an index on `received_on` only.
    {
        let mut rc = state.db.read().await.unwrap();
        let parts = rc
            .conn()
            .fetch_all(
                "SELECT COUNT(*) AS n \
                 FROM ownership_distribution_parts",
                &[],
            )
            .await
            .unwrap();
        let year = rc
            .conn()
            .fetch_all(
                "SELECT DISTINCT holder_id FROM ownership_distribution_parts \
                 WHERE holder_type = 'member' AND received_on >= $1 AND received_on <= $2",
                &[
                    Arg::Text((today - TimeDelta::days(365)).to_string()),
                    Arg::Text(today.to_string()),
                ],
            )
            .await
            .unwrap();
        let ids: Vec<Uuid> = year.iter().map(|r| r.uuid("holder_id").unwrap()).collect();
        let t = Instant::now();
        for id in &ids {
            accounts::user_by_id(&mut rc.conn(), *id).await.unwrap();
        }
        let lookups = t.elapsed();
        println!(
            "distribution parts: {} rows; revenue last year names {} members, \
             one user_by_id each: {lookups:.2?}",
            parts[0].i64("n").unwrap(),
            ids.len()
        );
        let plan = rc
            .conn()
            .fetch_all(
                "EXPLAIN QUERY PLAN SELECT holder_type, holder_id, institution_id, \
                 distribution_id, amount_fen FROM ownership_distribution_parts \
                 WHERE holder_type = 'member' AND holder_id = $1 ORDER BY distribution_id, part",
                &[Arg::Uuid(researcher(0))],
            )
            .await
            .unwrap();
        let plan: Vec<String> = plan.iter().map(|r| r.text("detail").unwrap()).collect();
        println!("  plan of revenue for one researcher: {}", plan.join("; "));
    }
    println!(
        "peak RSS after the load {} MiB, after the reports {} MiB",
        load_rss / 1024,
        peak_rss_kib() / 1024
    );

    // Rebuild with a fresh peak-memory mark (writing 5 to clear_refs resets VmHWM on Linux).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_rss_kib();
    let t = Instant::now();
    let report = techmarket::projections::rebuild::rebuild(&state.db, &state.projections)
        .await
        .unwrap();
    println!(
        "rebuild of every read model from {} events: {:.1?}; peak RSS during it {} MiB (before {} MiB)",
        report.events,
        t.elapsed(),
        peak_rss_kib() / 1024,
        before / 1024
    );
}
