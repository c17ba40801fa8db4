//! The text side of a match: which key terms a candidate shares with the source, each weighed by
//! where the texts say it (title 3, keywords 2, text 1) and by its rarity among the indexed
//! documents, and how much of each side's weight the other covers.
//!
//! Why not relative BM25 any more: it gave the best candidate full marks whatever it shared, so
//! with nothing better indexed two graphene listings sharing only 材料 with a battery demand
//! scored 60/100. Coverage is absolute: sharing one common word of a long demand is worth next
//! to nothing, however the other candidates fare.

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::Value;
use tantivy::{TantivyDocument, Term};
use uuid::Uuid;

use crate::domain::demand::DemandData;
use crate::domain::listing::ListingData;
use crate::projections::search::{analyzer, DocType, SearchError, SearchIndex};

/// Terms taken from the source text (title first): enough for a long description, few enough
/// for a quick query.
pub const SOURCE_TERMS: usize = 48;

/// Weighted coverage (both ways, see [`fit`]) that earns the full 50 text points: two texts about
/// the same thing still each say much the other does not (a demand its context and wishes, a
/// listing its method and figures). Chosen on the relevance set (0.3 to 0.5 rank alike there;
/// 0.3 gives a relevant pair its full text points more often).
const FULL_COVERAGE: f64 = 0.3;

/// Words that name no technology on their own, however rarely a small corpus happens to use them
/// (rarity alone cannot tell with a few dozen documents). They still count, at a fifth.
const GENERIC: &[&str] = &[
    "材料", "技术", "方法", "系统", "装置", "设备", "工艺", "应用", "研究", "开发", "产品", "生产",
    "制备", "新型", "一种", "高效", "智能", "提高", "提升", "实现", "需要", "寻求", "希望", "企业",
    "公司", "我们", "合作", "项目", "问题", "解决", "要求", "用于", "基于", "相关", "关键", "成本",
];
const GENERIC_WEIGHT: f64 = 0.2;

/// A shared term found only in the candidate's body (not its title or keywords) counts this
/// much: a listing that mentions 动力电池 in passing is less about it than one named for it.
const BODY_ONLY: f64 = 0.7;

/// The significant terms of one side, in order of first appearance (title, keywords, body),
/// each with the weight of the most prominent place it appears in: title 3, keywords 2, body 1.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyTerms {
    terms: Vec<(String, f64)>,
    weights: HashMap<String, f64>,
}

impl KeyTerms {
    /// The first `cap` terms.
    pub fn new(title: &str, keywords: &[String], body: &str, cap: usize) -> Self {
        let mut terms: Vec<(String, f64)> = Vec::new();
        let mut weights = HashMap::new();
        for (text, w) in [(title, 3.0), (&keywords.join(" "), 2.0), (body, 1.0)] {
            for t in analyzer::terms(text) {
                if !weights.contains_key(&t) {
                    weights.insert(t.clone(), w);
                    terms.push((t, w));
                }
            }
        }
        // As `analyzer::significant`: single characters only when nothing else is left.
        if terms.iter().any(|(t, _)| t.chars().count() > 1) {
            terms.retain(|(t, _)| t.chars().count() > 1);
        }
        terms.truncate(cap);
        let weights = terms.iter().cloned().collect();
        KeyTerms { terms, weights }
    }

    pub fn of_listing(l: &ListingData, cap: usize) -> Self {
        let c = &l.content;
        Self::new(c.title.as_str(), &c.keywords, &c.summary, cap)
    }

    pub fn of_demand(d: &DemandData, cap: usize) -> Self {
        let c = &d.content;
        Self::new(c.title.as_str(), &c.keywords, &c.description, cap)
    }

    /// The terms alone, for the candidates' query and the rarity lookup.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(|(t, _)| t.as_str())
    }

    fn weight_of(&self, term: &str) -> Option<f64> {
        self.weights.get(term).copied()
    }
}

/// How many indexed documents contain each term, out of how many.
#[derive(Debug, Clone, Default)]
pub struct Rarity {
    docs: u64,
    freq: HashMap<String, u64>,
}

impl Rarity {
    pub fn new(docs: u64, freq: HashMap<String, u64>) -> Self {
        Rarity { docs, freq }
    }

    /// BM25's inverse document frequency: near 0 for a term in every document, about ln(2N)
    /// for one in none.
    pub fn idf(&self, term: &str) -> f64 {
        let (n, df) = (
            self.docs as f64,
            self.freq.get(term).copied().unwrap_or(0) as f64,
        );
        (1.0 + (n - df + 0.5).max(0.0) / (df + 0.5)).ln()
    }
}

/// What the texts share, and what it is worth.
#[derive(Debug, Clone, PartialEq)]
pub struct TextFit {
    /// 0–50, one decimal.
    pub points: f64,
    /// The share (0–1) of the source's weighted key terms the candidate covers.
    pub coverage: f64,
    /// The share (0–1) of the candidate's weighted key terms the source covers.
    pub reverse_coverage: f64,
    /// The shared terms, most telling first, without those inside a longer shared term (电池
    /// when 锂电池 is there too).
    pub shared: Vec<String>,
}

/// What `source` and `target` share, weighed both ways: the share of the source's key terms the
/// target covers, and of the target's the source covers. Their geometric mean earns the points,
/// so the shared terms must be central to both texts: a listing that mentions a demand's words
/// in passing among many of its own, or one that shares a demand's context but not its point,
/// covers one side only.
pub fn fit(source: &KeyTerms, rarity: &Rarity, target: &KeyTerms) -> TextFit {
    let (coverage, names) = covered(source, target, rarity);
    let (reverse_coverage, _) = covered(target, source, rarity);
    let both = (coverage * reverse_coverage).sqrt();
    let shared = names
        .iter()
        .filter(|t| !names.iter().any(|o| o.len() > t.len() && o.contains(**t)))
        .map(|t| t.to_string())
        .collect();
    TextFit {
        points: (50.0 * (both / FULL_COVERAGE).min(1.0) * 10.0).round() / 10.0,
        coverage,
        reverse_coverage,
        shared,
    }
}

/// The share of `a`'s weight found in `b`, and the shared terms, heaviest first.
fn covered<'a>(a: &'a KeyTerms, b: &KeyTerms, rarity: &Rarity) -> (f64, Vec<&'a str>) {
    let weight = |t: &str, w: f64| {
        let generic = if GENERIC.contains(&t) {
            GENERIC_WEIGHT
        } else {
            1.0
        };
        w * rarity.idf(t) * generic
    };
    let place = |w: f64| if w >= 2.0 { 1.0 } else { BODY_ONLY };
    let total: f64 = a.terms.iter().map(|(t, w)| weight(t, *w)).sum();
    let mut shared: Vec<(&str, f64)> = a
        .terms
        .iter()
        .filter_map(|(t, w)| Some((t.as_str(), weight(t, *w) * place(b.weight_of(t)?))))
        .collect();
    let sum: f64 = shared.iter().map(|(_, w)| w).sum();
    shared.sort_by(|x, y| y.1.total_cmp(&x.1));
    let share = if total > 0.0 { sum / total } else { 0.0 };
    (share, shared.into_iter().map(|(t, _)| t).collect())
}

impl SearchIndex {
    /// How many indexed documents (listings and demands alike: both are the market's vocabulary)
    /// contain each of `words` in their title, keywords or body. A document counts once per
    /// field, the largest count taken: a lower bound of the union, read from the term
    /// dictionaries without visiting a posting (so a replaced document's old copy counts too
    /// until its segment is merged: scores may move by a few tenths, rankings rarely).
    pub fn rarity<'a>(
        &self,
        words: impl IntoIterator<Item = &'a str>,
    ) -> Result<Rarity, SearchError> {
        let searcher = self.reader.searcher();
        let mut freq = HashMap::new();
        for w in words {
            if freq.contains_key(w) {
                continue;
            }
            let mut df = 0;
            for field in [self.f.title, self.f.keywords, self.f.body] {
                df = df.max(searcher.doc_freq(&Term::from_field_text(field, w))?);
            }
            freq.insert(w.to_string(), df);
        }
        Ok(Rarity::new(searcher.num_docs(), freq))
    }

    /// Up to `limit` documents of `doc_type` in technology `field` and `status`, whatever their
    /// words: a same-field pair is worth proposing even when the texts share no term
    /// (固态电解质薄膜 for a 正极材料 demand).
    pub fn in_field(
        &self,
        doc_type: DocType,
        field: &str,
        status: &str,
        limit: usize,
    ) -> Result<Vec<Uuid>, SearchError> {
        let must: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, self.term(self.f.doc_type, doc_type.as_str())),
            (Occur::Must, self.term(self.f.field, field)),
            (Occur::Must, self.term(self.f.status, status)),
        ];
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(must),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        )?;
        let mut ids = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc
                .get_first(self.f.id)
                .and_then(|v| v.as_str())
                .and_then(|s| Uuid::parse_str(s).ok())
            {
                ids.push(id);
            }
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rarity(docs: u64, freq: &[(&str, u64)]) -> Rarity {
        Rarity::new(
            docs,
            freq.iter().map(|(t, n)| (t.to_string(), *n)).collect(),
        )
    }

    fn terms(title: &str, keywords: &[&str], body: &str) -> KeyTerms {
        let keywords: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
        KeyTerms::new(title, &keywords, body, usize::MAX)
    }

    #[test]
    fn a_common_word_alone_covers_next_to_nothing() {
        let demand = terms(
            "动力电池正极材料",
            &["正极材料", "动力电池"],
            "寻求高能量密度正极材料的量产工艺。",
        );
        let r = rarity(
            40,
            &[("材料", 30), ("正极", 3), ("电池", 12), ("动力电池", 4)],
        );
        let graphene = terms("石墨烯导热膜材料", &["石墨烯"], "用于手机散热。");
        let g = fit(&demand, &r, &graphene);
        assert_eq!(g.shared, ["材料"]);
        assert!(g.points < 2.0, "{g:?}");
        let cathode = terms(
            "高镍三元正极材料制备技术",
            &["正极材料", "动力电池"],
            "提升动力电池能量密度。",
        );
        let c = fit(&demand, &r, &cathode);
        assert!(c.points >= 40.0, "{c:?}");
        // The longest shared terms stand for their parts.
        assert!(c.shared.contains(&"动力电池".to_string()), "{c:?}");
        assert!(!c.shared.contains(&"电池".to_string()), "{c:?}");
    }

    #[test]
    fn rarity_weighs_a_term_in_every_document_near_zero() {
        let r = rarity(100, &[("技术", 100), ("钠离子", 1)]);
        assert!(r.idf("技术") < 0.01);
        assert!(r.idf("钠离子") > 4.0);
        assert!(r.idf("未见") > r.idf("钠离子"));
    }

    #[test]
    fn the_title_weighs_more_than_the_body() {
        let source = terms("光伏清洗", &[], "山区电站");
        let r = Rarity::new(10, HashMap::new());
        let title = fit(&source, &r, &terms("光伏", &[], ""));
        let body = fit(&source, &r, &terms("", &[], "山区"));
        assert!(title.coverage > body.coverage, "{title:?} {body:?}");
    }

    #[test]
    fn a_listing_about_much_else_covers_less_of_itself() {
        let source = terms("脐橙保鲜", &[], "");
        let r = Rarity::new(10, HashMap::new());
        let focused = fit(&source, &r, &terms("脐橙保鲜", &[], ""));
        let broad = fit(
            &source,
            &r,
            &terms("脐橙保鲜", &[], "冷链物流仓储管理平台与无人机植保"),
        );
        assert_eq!((focused.coverage, broad.coverage), (1.0, 1.0));
        assert!(broad.reverse_coverage < focused.reverse_coverage);
        assert!(broad.points <= focused.points);
    }
}
