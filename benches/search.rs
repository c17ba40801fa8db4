//! Search and matching at scale: loads 100,000 listings and 20,000 demands of generated Chinese
//! and English text (fixed seed, so every run indexes the same corpus) through the real command
//! path on SQLite, then prints the index build time (a full rebuild from the log), the index size,
//! and p50/p95/p99 latency over HTTP of search and of matching.
//!
//! Run by hand: `cargo bench --bench search` (or `-- 20000 4000` for a smaller corpus).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use secrecy::SecretString;
use techmarket::config::Settings;
use techmarket::domain::calendar::china_date;
use techmarket::domain::demand::{DemandAction, DemandContent, DemandInput};
use techmarket::domain::listing::{ListingAction, ListingContent, ListingInput};
use techmarket::domain::{Actor, Command, Role};
use techmarket::projections::search::indexer;
use techmarket::startup::Application;
use tokio::sync::Semaphore;
use uuid::Uuid;

/// Per technology field: Chinese terms, English terms.
const VOCAB: &[(&str, &[&str], &[&str])] = &[
    (
        "new_energy",
        &[
            "锂电池",
            "正极材料",
            "固态电解质",
            "光伏组件",
            "氢燃料电池",
            "储能系统",
            "钠离子电池",
            "隔膜",
            "电池管理",
            "风电叶片",
        ],
        &[
            "lithium battery",
            "cathode",
            "solid electrolyte",
            "photovoltaic",
            "hydrogen fuel cell",
            "energy storage",
            "separator",
        ],
    ),
    (
        "electronic_information",
        &[
            "芯片",
            "传感器",
            "图像识别",
            "工业互联网",
            "边缘计算",
            "毫米波雷达",
            "光通信",
            "存储器",
            "嵌入式系统",
            "机器视觉",
        ],
        &[
            "chip",
            "sensor",
            "image recognition",
            "edge computing",
            "radar",
            "optical communication",
            "machine vision",
        ],
    ),
    (
        "biomedicine",
        &[
            "单克隆抗体",
            "疫苗",
            "医疗器械",
            "基因测序",
            "体外诊断",
            "中药提取",
            "细胞治疗",
            "药物递送",
            "生物材料",
            "影像设备",
        ],
        &[
            "antibody",
            "vaccine",
            "medical device",
            "gene sequencing",
            "diagnostics",
            "drug delivery",
            "cell therapy",
        ],
    ),
    (
        "agriculture",
        &[
            "节水灌溉",
            "土壤改良",
            "智慧农业",
            "种子育种",
            "病虫害防治",
            "农产品加工",
            "畜禽养殖",
            "植物工厂",
            "有机肥料",
            "柑橘",
        ],
        &[
            "irrigation",
            "soil",
            "smart farming",
            "breeding",
            "pest control",
            "food processing",
            "greenhouse",
        ],
    ),
    (
        "new_materials",
        &[
            "碳纤维",
            "石墨烯",
            "高温合金",
            "陶瓷基复合材料",
            "纳米涂层",
            "可降解塑料",
            "稀土永磁",
            "钛合金",
            "气凝胶",
            "玻璃纤维",
        ],
        &[
            "carbon fiber",
            "graphene",
            "superalloy",
            "ceramic composite",
            "nano coating",
            "biodegradable plastic",
            "magnet",
        ],
    ),
    (
        "advanced_manufacturing",
        &[
            "工业机器人",
            "数控机床",
            "激光焊接",
            "增材制造",
            "精密减速器",
            "智能产线",
            "汽车零部件",
            "模具",
            "液压系统",
            "摩托车",
        ],
        &[
            "industrial robot",
            "cnc machine",
            "laser welding",
            "additive manufacturing",
            "reducer",
            "automotive parts",
            "mould",
        ],
    ),
    (
        "environment",
        &[
            "污水处理",
            "固废资源化",
            "大气治理",
            "土壤修复",
            "垃圾焚烧",
            "脱硫脱硝",
            "膜分离",
            "生态修复",
            "餐厨垃圾",
            "重金属",
        ],
        &[
            "wastewater",
            "solid waste",
            "air pollution",
            "soil remediation",
            "desulfurization",
            "membrane",
            "recycling",
        ],
    ),
];
const ZH_PREFIX: &[&str] = &[
    "高效",
    "低成本",
    "新型",
    "一种",
    "智能",
    "绿色",
    "高性能",
    "大规模",
];
const ZH_SUFFIX: &[&str] = &["制备技术", "方法及装置", "关键技术", "工艺", "系统", "应用"];
const REGIONS: &[&str] = &[
    "500103", "500105", "500106", "500107", "500108", "500109", "500112", "510000", "440000",
    "310000",
];

struct Gen(StdRng);

impl Gen {
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs.choose(&mut self.0).unwrap()
    }
    fn field(
        &mut self,
    ) -> &'static (
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    ) {
        VOCAB.choose(&mut self.0).unwrap()
    }
    fn text(
        &mut self,
        english: bool,
        terms: (&[&str], &[&str]),
        n: usize,
    ) -> (String, Vec<String>) {
        // Distinct words: a listing that repeats a keyword is (rightly) refused.
        let pool = if english { terms.1 } else { terms.0 };
        let words: Vec<String> = pool
            .choose_multiple(&mut self.0, n)
            .map(|w| w.to_string())
            .collect();
        let title = if english {
            format!("{} for {}", words[0], words[1 % n])
                .chars()
                .take(190)
                .collect()
        } else {
            format!(
                "{}{}{}{}",
                self.pick(ZH_PREFIX),
                words[0],
                words[1 % n],
                self.pick(ZH_SUFFIX)
            )
        };
        (title, words)
    }
    fn listing(&mut self) -> serde_json::Value {
        let (field, zh, en) = *self.field();
        let english = self.0.gen_bool(0.2);
        let (title, words) = self.text(english, (zh, en), 4);
        let summary = if english {
            format!(
                "A {} approach combining {} and {}, validated at pilot scale.",
                words[2], words[0], words[3]
            )
        } else {
            format!(
                "本成果涉及{}与{}，采用{}路线，已完成{}验证，可用于{}。",
                words[0], words[1], words[2], words[3], words[0]
            )
        };
        serde_json::json!({
            "title": title, "summary": summary, "confidential_detail": "工艺参数保密",
            "field": field, "keywords": [words[0], words[1]], "trl": self.0.gen_range(1..=9),
            "inventors": [{"name": "发明人", "share_percent": 100}], "transfer_modes": ["assignment"],
            "pricing_mode": "listed", "asking_price_fen": self.0.gen_range(1_000_000i64..=50_000_000_000),
            "region": self.pick(REGIONS)
        })
    }
    fn demand(&mut self, today: chrono::NaiveDate) -> serde_json::Value {
        let (field, zh, en) = *self.field();
        let english = self.0.gen_bool(0.2);
        let (title, words) = self.text(english, (zh, en), 3);
        let description = if english {
            format!(
                "We need {} with {} for our production line.",
                words[0], words[1]
            )
        } else {
            format!(
                "企业需要{}方面的{}技术，用于{}，希望联合开发。",
                words[0], words[1], words[2]
            )
        };
        let budget = self.0.gen_range(1_000_000i64..=50_000_000_000);
        let kind = if self.0.gen_bool(0.5) {
            "technical_problem"
        } else {
            "scene"
        };
        serde_json::json!({
            "kind": kind, "title": title, "description": description,
            "field": field, "keywords": [words[0]], "budget_max_fen": budget, "cooperation_modes": ["license"],
            "region": self.pick(REGIONS), "valid_until": (today + chrono::Duration::days(365)).to_string(),
            "trl_min": self.0.gen_range(1..=9)
        })
    }
}

fn percentiles(mut xs: Vec<Duration>) -> String {
    xs.sort();
    let p = |q: f64| xs[((xs.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "p50 {:>7.2?}  p95 {:>7.2?}  p99 {:>7.2?}  (n={})",
        p(0.50),
        p(0.95),
        p(0.99),
        xs.len()
    )
}

async fn timed_gets(client: &reqwest::Client, urls: &[String]) -> Vec<Duration> {
    let mut out = Vec::with_capacity(urls.len());
    for url in urls {
        let started = Instant::now();
        let r = client.get(url).send().await.unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
        r.bytes().await.unwrap();
        out.push(started.elapsed());
    }
    out
}

#[tokio::main]
async fn main() {
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (n_listings, n_demands) = (
        counts.first().copied().unwrap_or(100_000),
        counts.get(1).copied().unwrap_or(20_000),
    );
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
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());

    // Load through the command path: create, submit, publish for listings; create, publish for demands.
    let mut gen = Gen(StdRng::seed_from_u64(20261121));
    let today = china_date(Utc::now());
    let researcher = Actor {
        user_id: Uuid::now_v7(),
        role: Role::Researcher,
        organization_id: None,
    };
    let reviewer = Actor {
        user_id: Uuid::now_v7(),
        role: Role::TechManager,
        organization_id: None,
    };
    let company = Actor {
        user_id: Uuid::now_v7(),
        role: Role::Enterprise,
        organization_id: None,
    };
    let permits = Arc::new(Semaphore::new(16));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut listing_ids = Vec::with_capacity(n_listings);
    for _ in 0..n_listings {
        let input: ListingInput = serde_json::from_value(gen.listing()).unwrap();
        let content = ListingContent::parse(input, &state.refs).unwrap();
        let (state, permit) = (
            state.clone(),
            permits.clone().acquire_owned().await.unwrap(),
        );
        let id = Uuid::now_v7();
        listing_ids.push(id);
        tasks.push(tokio::spawn(async move {
            let l = &state.aggregates.listings;
            l.execute(
                id,
                None,
                Command::new(researcher, Utc::now(), ListingAction::Create(content)),
            )
            .await
            .unwrap();
            l.execute(
                id,
                None,
                Command::new(researcher, Utc::now(), ListingAction::Submit),
            )
            .await
            .unwrap();
            l.execute(
                id,
                None,
                Command::new(reviewer, Utc::now(), ListingAction::Publish),
            )
            .await
            .unwrap();
            drop(permit);
        }));
    }
    let mut demand_ids = Vec::with_capacity(n_demands);
    for _ in 0..n_demands {
        let input: DemandInput = serde_json::from_value(gen.demand(today)).unwrap();
        let content = DemandContent::parse(input, &state.refs, today).unwrap();
        let (state, permit) = (
            state.clone(),
            permits.clone().acquire_owned().await.unwrap(),
        );
        let id = Uuid::now_v7();
        demand_ids.push(id);
        tasks.push(tokio::spawn(async move {
            let d = &state.aggregates.demands;
            d.execute(
                id,
                None,
                Command::new(company, Utc::now(), DemandAction::Create(content)),
            )
            .await
            .unwrap();
            d.execute(
                id,
                None,
                Command::new(company, Utc::now(), DemandAction::Publish),
            )
            .await
            .unwrap();
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let load = started.elapsed();
    let head = techmarket::store::log::head(&mut state.db.read().await.unwrap().conn())
        .await
        .unwrap();
    println!("loaded {n_listings} listings and {n_demands} demands ({head} events) in {load:.1?}");
    assert!(
        state.search.wait_for(head, Duration::from_secs(600)).await,
        "live indexing did not catch up"
    );
    println!(
        "live indexing caught up {:.1?} after the load finished",
        started.elapsed() - load
    );

    // A full rebuild of the index from the log, done by the running server's indexer.
    let started = Instant::now();
    let generation = indexer::request_rebuild(&state.db).await.unwrap();
    state.appended.notify_one();
    while state.search.checkpoint().generation != generation
        || state.search.checkpoint().position < head
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (docs, bytes) = state.search.stats(&state.search_dir);
    println!(
        "index build (full rebuild from the log): {:.1?}; {docs} documents, {:.1} MiB on disk",
        started.elapsed(),
        bytes as f64 / 1048576.0
    );

    let client = reqwest::Client::new();
    let mut rng = StdRng::seed_from_u64(7);
    let queries: Vec<String> = (0..1000)
        .map(|_| {
            let (_, zh, en) = *VOCAB.choose(&mut rng).unwrap();
            let words = if rng.gen_bool(0.25) { en } else { zh };
            let n = rng.gen_range(1..=2);
            (0..n)
                .map(|_| *words.choose(&mut rng).unwrap())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let urls: Vec<String> = queries
        .iter()
        .map(|q| format!("{address}/api/v1/listings?q={}", enc(q)))
        .collect();
    timed_gets(&client, &urls[..50]).await; // warm up
    println!(
        "search listings   (HTTP, 20 per page): {}",
        percentiles(timed_gets(&client, &urls).await)
    );
    let urls: Vec<String> = queries
        .iter()
        .take(300)
        .map(|q| format!("{address}/api/v1/demands?q={}", enc(q)))
        .collect();
    println!(
        "search demands    (HTTP, 20 per page): {}",
        percentiles(timed_gets(&client, &urls).await)
    );
    let urls: Vec<String> = demand_ids
        .choose_multiple(&mut rng, 300)
        .map(|id| format!("{address}/api/v1/demands/{id}/matches"))
        .collect();
    println!(
        "matches for demand  (HTTP, top 20)   : {}",
        percentiles(timed_gets(&client, &urls).await)
    );
    let urls: Vec<String> = listing_ids
        .choose_multiple(&mut rng, 300)
        .map(|id| format!("{address}/api/v1/listings/{id}/matches"))
        .collect();
    println!(
        "matches for listing (HTTP, top 20)   : {}",
        percentiles(timed_gets(&client, &urls).await)
    );
    let started = Instant::now();
    let mut n = 0;
    for q in &queries {
        n += state
            .search
            .search(
                techmarket::projections::search::DocType::Listing,
                q,
                &Default::default(),
                0,
                20,
            )
            .unwrap()
            .0
            .len();
    }
    println!(
        "search in process (index only): {:.2?} per query on average ({n} hits)",
        started.elapsed() / queries.len() as u32
    );
}
