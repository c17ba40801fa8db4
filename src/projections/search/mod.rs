//! Full-text search over the public side of listings and demands: a tantivy index kept by a
//! catch-up follower of the global log ([`indexer`]), so it is a projection like the others,
//! rebuilt from the log and consistent after a restart. Only public fields are indexed, and only
//! for publicly visible documents: confidential detail never enters the index.

pub mod analyzer;
pub mod indexer;
pub mod matching;

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
    STORED, STRING,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use tokio::sync::watch;
use uuid::Uuid;

use crate::domain::demand::DemandData;
use crate::domain::listing::ListingData;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
    #[error("the search index is in use by another process")]
    Locked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocType {
    Listing,
    Demand,
}

impl DocType {
    fn as_str(self) -> &'static str {
        match self {
            DocType::Listing => "listing",
            DocType::Demand => "demand",
        }
    }
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    doc_type: Field,
    title: Field,
    body: Field,
    keywords: Field,
    field: Field,
    region: Field,
    province: Field,
    status: Field,
    kind: Field,
    trl: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer::NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        doc_type: b.add_text_field("doc_type", STRING),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text.clone()),
        keywords: b.add_text_field("keywords", text),
        field: b.add_text_field("field", STRING),
        region: b.add_text_field("region", STRING),
        province: b.add_text_field("province", STRING),
        status: b.add_text_field("status", STRING),
        kind: b.add_text_field("kind", STRING),
        trl: b.add_i64_field("trl", NumericOptions::default().set_indexed().set_fast()),
    };
    (b.build(), fields)
}

/// Where the index of a given database lives: one directory per database URL, so two databases
/// sharing a data directory never share an index.
pub fn index_dir(data_dir: &Path, database_url: &str) -> PathBuf {
    data_dir.join("search").join(database_key(database_url))
}

/// A short name for one database, for the files kept beside it in the data folder.
pub fn database_key(database_url: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(database_url.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// How far the index has read the log, stored in the index's own commit so the two can never
/// disagree after a crash. `generation` changes when a rebuild is requested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub position: i64,
    pub generation: i64,
}

pub struct SearchIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    /// How far the log has been read; what searches wait for.
    indexed: watch::Sender<Checkpoint>,
    /// What the last commit made durable, and when. It may lag `indexed` across pages that
    /// touched no document: those need no commit to be searched, and a crash replays them.
    committed: Mutex<(Checkpoint, std::time::Instant)>,
    /// How far documents have been put but not yet committed (so not yet searchable). The
    /// indexer commits them now and then, or a search that needs them commits them at once:
    /// a stream of writes with nobody searching pays for a commit a second, not one a page.
    staged: Mutex<Option<Checkpoint>>,
    /// Signals each staging, for searches waiting on a position.
    staged_at: watch::Sender<Checkpoint>,
}

/// A document to index: the public fields only.
pub struct PublicDoc<'a> {
    pub id: Uuid,
    pub doc_type: DocType,
    pub title: &'a str,
    pub body: &'a str,
    pub keywords: &'a [String],
    pub field: &'a str,
    pub region: &'a str,
    pub status: &'a str,
    pub kind: &'a str,
    pub trl: Option<i64>,
}

impl<'a> PublicDoc<'a> {
    /// The listing's public side, or `None` when the public may not see it.
    pub fn listing(id: Uuid, l: &'a ListingData) -> Option<Self> {
        l.is_visible_to(None).then(|| PublicDoc {
            id,
            doc_type: DocType::Listing,
            title: l.content.title.as_str(),
            body: &l.content.summary,
            keywords: &l.content.keywords,
            field: l.content.field.as_str(),
            region: l.content.region.as_str(),
            status: l.status.as_str(),
            kind: "",
            trl: Some(l.content.trl.get() as i64),
        })
    }

    pub fn demand(id: Uuid, d: &'a DemandData) -> Option<Self> {
        d.is_visible_to(None).then(|| PublicDoc {
            id,
            doc_type: DocType::Demand,
            title: d.content.title.as_str(),
            body: &d.content.description,
            keywords: &d.content.keywords,
            field: d.content.field.as_str(),
            region: d.content.region.as_str(),
            status: d.status.as_str(),
            kind: d.content.kind.as_str(),
            trl: d.content.trl_min.map(|t| t.get() as i64),
        })
    }
}

/// GB/T 2260 codes carry their province in the first two digits.
pub fn province_of(region: &str) -> Option<String> {
    (region.len() == 6 && region.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{}0000", &region[..2]))
}

#[derive(Debug, Default, Clone)]
pub struct Filters {
    pub field: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub trl_min: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Hit {
    pub id: Uuid,
    pub score: f32,
}

impl SearchIndex {
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| SearchError::Directory(format!("{}: {e}", dir.display())))?;
        let (schema, f) = schema();
        let directory =
            MmapDirectory::open(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
        let index = Index::open_or_create(directory, schema)?;
        index
            .tokenizers()
            .register(analyzer::NAME, analyzer::analyzer());
        let writer = match index.writer_with_num_threads(1, 32_000_000) {
            Ok(w) => w,
            Err(tantivy::TantivyError::LockFailure(..)) => return Err(SearchError::Locked),
            Err(e) => return Err(e.into()),
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let checkpoint = index
            .load_metas()?
            .payload
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default();
        let (indexed, _) = watch::channel(checkpoint);
        let (staged_at, _) = watch::channel(checkpoint);
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            f,
            indexed,
            committed: Mutex::new((checkpoint, std::time::Instant::now())),
            staged: Mutex::new(None),
            staged_at,
        })
    }

    pub fn checkpoint(&self) -> Checkpoint {
        *self.indexed.borrow()
    }

    /// Waits until searches see the log up to `position`, committing what the indexer has
    /// staged if that is what it takes; false on timeout.
    pub async fn wait_for(self: &Arc<Self>, position: i64, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut visible = self.indexed.subscribe();
        let mut staged = self.staged_at.subscribe();
        loop {
            if visible.borrow_and_update().position >= position {
                return true;
            }
            if staged.borrow_and_update().position >= position {
                let index = self.clone();
                match tokio::task::spawn_blocking(move || index.commit_staged()).await {
                    Ok(Ok(_)) => continue,
                    Ok(Err(e)) => tracing::warn!(error = %e, "search index commit failed"),
                    Err(e) => tracing::warn!(error = %e, "search index commit task failed"),
                }
                return false;
            }
            tokio::select! {
                _ = visible.changed() => {}
                _ = staged.changed() => {}
                _ = tokio::time::sleep_until(deadline) => return false,
            }
        }
    }

    /// Records that documents have been put for the log up to `checkpoint`, uncommitted.
    pub fn stage(&self, checkpoint: Checkpoint) {
        *self.staged.lock().unwrap_or_else(|e| e.into_inner()) = Some(checkpoint);
        self.staged_at.send_replace(checkpoint);
    }

    /// Whether documents are staged and not yet committed.
    pub fn has_staged(&self) -> bool {
        self.staged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Commits what is staged, if anything; true when it committed.
    pub fn commit_staged(&self) -> Result<bool, SearchError> {
        // Held across the commit, so a staging that comes meanwhile waits and is not lost.
        let mut staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
        let Some(checkpoint) = *staged else {
            return Ok(false);
        };
        self.commit_inner(checkpoint)?;
        *staged = None;
        Ok(true)
    }

    /// When the last commit was.
    pub fn committed_for(&self) -> Duration {
        self.committed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .elapsed()
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the writer leaves nothing we cannot redo from the checkpoint.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces (or with `None`, removes) the document `id`. Uncommitted until [`commit`].
    pub fn put(&self, id: Uuid, doc: Option<PublicDoc<'_>>) -> Result<(), SearchError> {
        let w = self.writer();
        w.delete_term(Term::from_field_text(self.f.id, &id.to_string()));
        if let Some(d) = doc {
            let mut t = TantivyDocument::default();
            t.add_text(self.f.id, d.id.to_string());
            t.add_text(self.f.doc_type, d.doc_type.as_str());
            t.add_text(self.f.title, d.title);
            t.add_text(self.f.body, d.body);
            for k in d.keywords {
                t.add_text(self.f.keywords, k);
            }
            t.add_text(self.f.field, d.field);
            t.add_text(self.f.region, d.region);
            if let Some(p) = province_of(d.region) {
                t.add_text(self.f.province, p);
            }
            t.add_text(self.f.status, d.status);
            t.add_text(self.f.kind, d.kind);
            if let Some(trl) = d.trl {
                t.add_i64(self.f.trl, trl);
            }
            w.add_document(t)?;
        }
        Ok(())
    }

    /// Empties the index (uncommitted until [`commit`]): the start of a rebuild.
    pub fn clear(&self) -> Result<(), SearchError> {
        self.writer().delete_all_documents()?;
        Ok(())
    }

    /// Makes everything put so far durable and visible, together with the checkpoint.
    pub fn commit(&self, checkpoint: Checkpoint) -> Result<(), SearchError> {
        let mut staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
        self.commit_inner(checkpoint)?;
        // What was staged is in this commit too.
        *staged = None;
        Ok(())
    }

    fn commit_inner(&self, checkpoint: Checkpoint) -> Result<(), SearchError> {
        {
            let mut w = self.writer();
            let mut prepared = w.prepare_commit()?;
            prepared
                .set_payload(&serde_json::to_string(&checkpoint).expect("checkpoint serializes"));
            prepared.commit()?;
        }
        self.reader.reload()?;
        self.indexed.send_replace(checkpoint);
        *self.committed.lock().unwrap_or_else(|e| e.into_inner()) =
            (checkpoint, std::time::Instant::now());
        Ok(())
    }

    /// Records that the log has been read up to `checkpoint` by pages that changed no document:
    /// searches see it at once, with no commit. Only valid with nothing put since the last
    /// commit, which the indexer (the one writer) guarantees.
    pub fn advance(&self, checkpoint: Checkpoint) {
        self.indexed.send_replace(checkpoint);
    }

    /// Whether what was read is not yet durable; with `older_than`, only once the last commit
    /// is at least that old.
    pub fn uncommitted(&self, older_than: Duration) -> bool {
        let (durable, at) = *self.committed.lock().unwrap_or_else(|e| e.into_inner());
        (self.has_staged() || durable != self.checkpoint()) && at.elapsed() >= older_than
    }

    fn term(&self, field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    }

    /// Ranks documents of `doc_type` against the words of `text`, within `filters`: every word is
    /// looked for in the title (weight 3), keywords (2) and body (1); BM25 does the rest. The
    /// text is only ever analysed into words, never parsed as query syntax. Returns one page and
    /// the total number of matches.
    pub fn search(
        &self,
        doc_type: DocType,
        text: &str,
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Hit>, usize), SearchError> {
        let words = analyzer::terms(text);
        self.search_terms(doc_type, &words, filters, offset, limit)
    }

    pub fn search_terms(
        &self,
        doc_type: DocType,
        words: &[String],
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Hit>, usize), SearchError> {
        if words.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in words {
            for (field, boost) in [
                (self.f.title, 3.0),
                (self.f.keywords, 2.0),
                (self.f.body, 1.0),
            ] {
                let q = TermQuery::new(
                    Term::from_field_text(field, w),
                    IndexRecordOption::WithFreqs,
                );
                should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, Box::new(BooleanQuery::new(should))),
            (Occur::Must, self.term(self.f.doc_type, doc_type.as_str())),
        ];
        for (field, value) in [
            (self.f.field, &filters.field),
            (self.f.status, &filters.status),
            (self.f.kind, &filters.kind),
        ] {
            if let Some(v) = value {
                must.push((Occur::Must, self.term(field, v)));
            }
        }
        if let Some(r) = &filters.region {
            // A province matches itself and every district in it.
            let either = vec![
                (Occur::Should, self.term(self.f.region, r)),
                (Occur::Should, self.term(self.f.province, r)),
            ];
            must.push((Occur::Must, Box::new(BooleanQuery::new(either))));
        }
        if let Some(t) = filters.trl_min {
            let range = RangeQuery::new(
                Bound::Included(Term::from_field_i64(self.f.trl, t)),
                Bound::Unbounded,
            );
            must.push((Occur::Must, Box::new(range)));
        }
        let query = BooleanQuery::new(must);
        let searcher = self.reader.searcher();
        let (top, total) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(limit.max(1))
                    .and_offset(offset)
                    .order_by_score(),
                Count,
            ),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc
                .get_first(self.f.id)
                .and_then(|v| v.as_str())
                .and_then(|s| Uuid::parse_str(s).ok())
            {
                hits.push(Hit { id, score });
            }
        }
        Ok((hits, total))
    }

    /// Number of documents and bytes on disk: for the benchmark.
    pub fn stats(&self, dir: &Path) -> (u64, u64) {
        let docs = self.reader.searcher().num_docs();
        let bytes = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        (docs, bytes)
    }
}
