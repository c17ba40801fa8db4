//! Request plumbing shared by every route: strict JSON bodies and query strings that report the
//! offending field, `If-Match`, `Idempotency-Key`, opaque cursors, and (`negotiate`) the
//! representation a report is asked for.

pub mod language;
pub mod negotiate;
pub mod request_line;
pub mod streams;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures::future::LocalBoxFuture;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::FieldError;
use crate::error::AppError;
use crate::state::AppState;

const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// serde's messages end in " at line 1 column 42", which means nothing to an API client.
fn without_position(msg: String) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// serde's message for a client: without a position, and without our type names ("expected
/// struct ListingInput" is "expected an object").
fn plain(msg: String) -> String {
    let msg = without_position(msg);
    let Some(i) = msg.rfind("expected ") else {
        return msg;
    };
    let (head, tail) = msg.split_at(i + "expected ".len());
    let named = |prefix: &str| {
        tail.strip_prefix(prefix).is_some_and(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        })
    };
    if named("struct variant ") || named("tuple struct ") || named("struct ") {
        format!("{head}an object")
    } else if named("tuple variant ") {
        format!("{head}a sequence")
    } else if named("enum ") {
        format!("{head}one of the allowed values")
    } else {
        msg
    }
}

fn field_name(path: String) -> String {
    if path == "." || path.is_empty() {
        "body".into()
    } else {
        path
    }
}

/// A JSON request body: `application/json`, at most the configured size, parsed strictly.
/// Syntax errors are 400; a well-formed body with a missing field, a wrong type or an unknown
/// enum value is 422 naming the field.
pub struct Body<T> {
    pub value: T,
    pub raw: Bytes,
}

/// At most this many faults of a body's shape are reported at once.
const MAX_BODY_ERRORS: usize = 20;

/// A body parsed strictly into `T`. Broken JSON is 400. A well-formed body of the wrong shape
/// is 422 with every fault found, not only the first (see [`shape_errors`]).
pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, AppError> {
    // Well-formedness first, so that a broken body is always 400, whatever shape it was meant to have.
    serde_json::from_slice::<serde::de::IgnoredAny>(raw).map_err(|e| {
        AppError::bad_request(format!(
            "{}{}",
            language::MALFORMED_JSON_PREFIX,
            without_position(e.to_string())
        ))
    })?;
    let mut de = serde_json::Deserializer::from_slice(raw);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => Ok(value),
        Err(first) => {
            let first = Fault::of(first);
            let errors = match (
                serde_json::from_slice::<Value>(raw),
                serde_json::from_slice::<Layout>(raw),
            ) {
                (Ok(body), Ok(layout)) => shape_errors::<T>(body, &layout, first, raw.len()),
                _ => vec![first.field_error()],
            };
            Err(AppError::Unprocessable(errors))
        }
    }
}

/// One step of a path into a body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Map {
        key: String,
    },
    Seq {
        index: usize,
    },
    /// Into an externally tagged enum's content, `{"variant": content}`.
    Enum {
        variant: String,
    },
    /// A step serde could not name (a map with keys that are not strings).
    Unknown,
}

impl From<&serde_path_to_error::Segment> for Segment {
    fn from(s: &serde_path_to_error::Segment) -> Self {
        use serde_path_to_error::Segment as S;
        match s {
            S::Map { key } => Segment::Map { key: key.clone() },
            S::Seq { index } => Segment::Seq { index: *index },
            S::Enum { variant } => Segment::Enum {
                variant: variant.clone(),
            },
            S::Unknown => Segment::Unknown,
        }
    }
}

/// One fault serde found: where, and what it said.
struct Fault {
    path: Vec<Segment>,
    message: String,
}

impl Fault {
    fn of<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Fault {
        Fault {
            path: e.path().iter().map(Segment::from).collect(),
            message: plain(e.into_inner().to_string()),
        }
    }

    /// The name in backticks a message starts with (`missing field `summary``: `summary`).
    fn named(&self, prefix: &str) -> Option<&str> {
        self.message
            .strip_prefix(prefix)
            .and_then(|m| m.strip_prefix('`'))
            .and_then(|m| m.split('`').next())
    }

    /// Where the fault is: the field itself for a missing or repeated field (serde points at
    /// its object; for an unknown field it points at the key already).
    fn target(&self) -> Vec<Segment> {
        let mut path = self.path.clone();
        if let Some(name) = self
            .named("missing field ")
            .or_else(|| self.named("duplicate field "))
        {
            path.push(Segment::Map { key: name.into() });
        }
        path
    }

    fn field_error(&self) -> FieldError {
        FieldError::new(field_name(display(&self.target())), self.message.clone())
    }
}

/// Where a body's keys and elements were written, at every depth: faults are reported in the
/// body's order, whatever order a parsed `Value`'s maps keep.
enum Layout {
    Object(Vec<(String, Layout)>),
    Array(Vec<Layout>),
    Scalar,
}

impl<'de> serde::Deserialize<'de> for Layout {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Layout;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Layout, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = m.next_key::<String>()? {
                    entries.push((key, m.next_value::<Layout>()?));
                }
                Ok(Layout::Object(entries))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Layout, A::Error> {
                let mut elements = Vec::new();
                while let Some(e) = s.next_element::<Layout>()? {
                    elements.push(e);
                }
                Ok(Layout::Array(elements))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Layout, E> {
                Ok(Layout::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Layout, E> {
                Ok(Layout::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Layout, E> {
                Ok(Layout::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Layout, E> {
                Ok(Layout::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Layout, E> {
                Ok(Layout::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Layout, E> {
                Ok(Layout::Scalar)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Layout {
    /// A path's place in the body's order; what the body does not have (a missing field) comes
    /// after what it has, as serde reports it.
    fn place(&self, path: &[Segment]) -> Vec<usize> {
        let mut at = Some(self);
        path.iter()
            .map(|segment| {
                let (i, next) = match (segment, at) {
                    (
                        Segment::Map { key } | Segment::Enum { variant: key },
                        Some(Layout::Object(entries)),
                    ) => entries
                        .iter()
                        .position(|(k, _)| k == key)
                        .map_or((usize::MAX, None), |i| (i, Some(&entries[i].1))),
                    (Segment::Seq { index }, Some(Layout::Array(elements))) => {
                        (*index, elements.get(*index))
                    }
                    _ => (usize::MAX, None),
                };
                at = next;
                i
            })
            .collect()
    }
}

/// A path as the API names fields: `ip_rights[0].kind`, `body` for the whole.
fn display(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => out.push_str(if out.is_empty() { "?" } else { ".?" }),
        }
    }
    out
}

/// Values tried in turn in place of a missing or invalid value whose type the message does not
/// tell, so that the parse can go on to the rest of the body.
fn stand_ins() -> [Value; 9] {
    [
        Value::String(String::new()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(vec![]),
        Value::Object(Default::default()),
        Value::from("00000000-0000-0000-0000-000000000000"),
        Value::from("2000-01-01"),
        Value::from("2000-01-01T00:00:00Z"),
        Value::Null,
    ]
}

/// A value of the kind serde said it expected, when it said so plainly.
fn stand_in_for(message: &str) -> Option<Value> {
    if message.starts_with("unknown variant ") {
        // "…, expected one of `a`, `b`", "…, expected `a` or `b`": any of them will do.
        let expected = message.split_once(", expected ")?.1;
        let first = expected.split('`').nth(1)?;
        return Some(Value::from(first));
    }
    let expected = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?
        .split_once(", expected ")?
        .1;
    Some(match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => Value::from(0),
        "f32" | "f64" => Value::from(0.0),
        "a string" | "a borrowed string" => Value::from(""),
        "a character" => Value::from("a"),
        "a boolean" => Value::Bool(false),
        "a sequence" => Value::Array(vec![]),
        "a map" | "an object" => Value::Object(Default::default()),
        "unit" => Value::Null,
        _ => return None,
    })
}

/// The value at `path`, if the body has one there.
fn locate<'v>(mut at: &'v mut Value, path: &[Segment]) -> Option<&'v mut Value> {
    for segment in path {
        // `{"variant": content}`; a unit variant has no content of its own.
        if let Segment::Enum { variant } = segment {
            if !at.as_object().is_some_and(|m| m.contains_key(variant)) {
                continue;
            }
        }
        at = match (segment, at) {
            (Segment::Map { key } | Segment::Enum { variant: key }, Value::Object(m)) => {
                m.get_mut(key)?
            }
            (Segment::Seq { index }, Value::Array(a)) => a.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(at)
}

/// Puts `value` at `path` (a key of an object or an element of an array); false when the body
/// has no place there.
fn put(body: &mut Value, path: &[Segment], value: Value) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match (last, locate(body, parent)) {
        (Segment::Map { key }, Some(Value::Object(m))) => {
            m.insert(key.clone(), value);
            true
        }
        (Segment::Seq { index }, Some(Value::Array(a))) if *index < a.len() => {
            a[*index] = value;
            true
        }
        _ => false,
    }
}

/// Every fault of a well-formed body's shape, up to [`MAX_BODY_ERRORS`], starting with `first`
/// (the one the strict parse met first, in the body's order).
///
/// serde stops at the first fault, so each is mended in a copy of the body and the parse tried
/// again: an unknown field is dropped; a missing or invalid value is replaced by a stand-in, one
/// of the kind serde said it expected (an enum's first value, 0 for a number) or else tried from
/// a list, and faults inside a stand-in are not the client's and are not reported. The search
/// stops when the copy parses, when a fault cannot be mended, or after a bounded number of tries.
fn shape_errors<T: DeserializeOwned>(
    mut body: Value,
    layout: &Layout,
    first: Fault,
    size: usize,
) -> Vec<FieldError> {
    // A large body parses slower: fewer tries.
    let mut tries = if size > 32 * 1024 { 8 } else { 64 };
    let mut errors: Vec<(Vec<usize>, FieldError)> = Vec::new();
    let mut standing_in: Vec<Vec<Segment>> = Vec::new();
    let mut tried: Vec<(Vec<Segment>, usize)> = Vec::new();
    let mut fault = first;
    loop {
        let target = fault.target();
        let stood_in = standing_in.iter().any(|p| target.starts_with(p));
        if !stood_in {
            let error = fault.field_error();
            if !errors.iter().any(|(_, e)| *e == error) {
                errors.push((layout.place(&target), error));
            }
        }
        if errors.len() >= MAX_BODY_ERRORS || tries == 0 {
            break;
        }
        tries -= 1;
        let mended = if fault.named("duplicate field ").is_some() {
            // The parsed copy kept one of them.
            true
        } else if fault.named("unknown field ").is_some() {
            target
                .split_last()
                .and_then(|(last, parent)| match (last, locate(&mut body, parent)) {
                    (Segment::Map { key }, Some(Value::Object(m))) => m.remove(key),
                    _ => None,
                })
                .is_some()
        } else {
            // The kind serde asked for, unless that is what failed; then the next of the list.
            let current = locate(&mut body, &target).map(|v| v.clone());
            let stand_in = stand_in_for(&fault.message)
                .filter(|v| Some(v) != current.as_ref())
                .or_else(|| {
                    let n = match tried.iter_mut().find(|(p, _)| *p == target) {
                        Some((_, n)) => {
                            *n += 1;
                            *n
                        }
                        None => {
                            tried.push((target.clone(), 0));
                            0
                        }
                    };
                    stand_ins().into_iter().nth(n)
                });
            let put = stand_in.is_some_and(|v| put(&mut body, &target, v));
            if put && !stood_in {
                standing_in.push(target.clone());
            }
            put
        };
        if !mended {
            break;
        }
        match serde_path_to_error::deserialize::<_, T>(&body) {
            Ok(_) => break,
            Err(e) => fault = Fault::of(e),
        }
    }
    errors.sort_by(|a, b| a.0.cmp(&b.0));
    errors.into_iter().map(|(_, e)| e).collect()
}

/// A `Content-Type`'s media type, without parameters, lower-cased (`text/csv; charset=utf-8`
/// is `text/csv`).
pub fn mime_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The whole body, refused as too large as soon as it passes `limit` bytes (whatever its
/// `Content-Length` claimed).
pub async fn read_limited<S>(payload: &mut S, limit: usize) -> Result<BytesMut, AppError>
where
    S: futures::Stream<Item = Result<Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::bad_request(format!("{}{e}", language::UNREADABLE_BODY_PREFIX))
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<actix_web::web::Data<AppState>>()
        .map(|s| s.settings.body_limit_bytes)
        .unwrap_or(DEFAULT_BODY_LIMIT)
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = body_limit(req);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Err(AppError::PayloadTooLarge { limit });
            }
            let is_json = content_type
                .as_deref()
                .map(mime_type)
                .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"));
            if !is_json {
                return Err(AppError::UnsupportedMediaType(language::SEND_JSON.into()));
            }
            let raw = read_limited(&mut payload, limit).await?.freeze();
            if raw.is_empty() {
                return Err(AppError::bad_request(language::BODY_REQUIRED));
            }
            Ok(Body {
                value: parse_json(&raw)?,
                raw,
            })
        })
    }
}

/// An optional JSON body: commands such as `submit` take none, `withdraw` may take a reason.
pub struct OptionalBody<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalBody<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0")
            || (!req.headers().contains_key(header::CONTENT_LENGTH)
                && !req.headers().contains_key(header::TRANSFER_ENCODING));
        if empty {
            return Box::pin(async { Ok(OptionalBody(None)) });
        }
        let fut = Body::<T>::from_request(req, payload);
        Box::pin(async move { Ok(OptionalBody(Some(fut.await?.value))) })
    }
}

/// A query string parsed strictly (unknown parameters are refused, not ignored, so a typo in a
/// filter does not silently return everything).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string();
        if let Some(param) = not_percent_encoded(query) {
            return std::future::ready(Err(AppError::BadRequest {
                detail: language::NOT_PERCENT_ENCODED.into(),
                errors: vec![FieldError::new(param, language::ENCODE_NON_ASCII)],
            }));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        std::future::ready(
            serde_path_to_error::deserialize(de)
                .map(Query)
                .map_err(|e| {
                    let field = field_name(e.path().to_string());
                    AppError::bad_query(field, plain(e.into_inner().to_string()))
                }),
        )
    }
}

/// The first parameter of a query string whose name or value is not percent-encoded UTF-8:
/// raw bytes beyond ASCII, or escapes that decode to something other than UTF-8 (which would
/// otherwise be read as U+FFFD and searched for). `query` when the parameter has no name.
///
/// (Raw bytes in a connection's first request line are caught earlier, by
/// [`request_line`], as actix's parser would refuse them before routing;
/// this covers what does arrive, and whatever a future parser lets through.)
pub fn not_percent_encoded(query: &str) -> Option<String> {
    fn decoded(part: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(part.len());
        let mut raw = false;
        let mut i = 0;
        let hex = |at: usize| {
            part.get(at)
                .and_then(|c| (*c as char).to_digit(16))
                .map(|d| d as u8)
        };
        while i < part.len() {
            let b = part[i];
            match b {
                b'%' => match (hex(i + 1), hex(i + 2)) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                        continue;
                    }
                    // A lone `%` is taken as itself, as form_urlencoded takes it.
                    _ => out.push(b),
                },
                b'+' => out.push(b' '),
                _ => {
                    raw |= b >= 0x80;
                    out.push(b);
                }
            }
            i += 1;
        }
        (out, raw)
    }
    for pair in query.as_bytes().split(|b| *b == b'&') {
        let mut halves = pair.splitn(2, |b| *b == b'=');
        let (name, raw_name) = decoded(halves.next().unwrap_or_default());
        let (value, raw_value) = decoded(halves.next().unwrap_or_default());
        let bad = raw_name
            || raw_value
            || std::str::from_utf8(&name).is_err()
            || std::str::from_utf8(&value).is_err();
        if bad {
            let name = String::from_utf8_lossy(&name).into_owned();
            return Some(if name.is_empty() {
                "query".into()
            } else {
                name
            });
        }
    }
    None
}

/// `If-Match: "<version>"`: the version the client last saw. `*` or no header means any.
pub struct IfMatch(pub Option<i32>);

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(v) => {
                let s = v.to_str().unwrap_or("").trim();
                let s = s.strip_prefix("W/").unwrap_or(s);
                if s == "*" {
                    Ok(IfMatch(None))
                } else {
                    s.strip_prefix('"')
                        .and_then(|s| s.strip_suffix('"'))
                        .and_then(|s| s.parse::<i32>().ok())
                        .filter(|v| *v >= 0)
                        .map(|v| IfMatch(Some(v)))
                        .ok_or_else(|| AppError::BadRequest {
                            detail: language::BAD_IF_MATCH.into(),
                            errors: vec![FieldError::new("If-Match", language::NOT_AN_ETAG)],
                        })
                }
            }
        };
        std::future::ready(parsed)
    }
}

/// `Idempotency-Key`: 1 to 255 visible ASCII characters.
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get("Idempotency-Key") {
            None => Ok(IdempotencyKey(None)),
            Some(v) => match v.to_str() {
                Ok(s)
                    if !s.is_empty()
                        && s.len() <= 255
                        && s.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(IdempotencyKey(Some(s.to_string())))
                }
                _ => Err(AppError::BadRequest {
                    detail: language::BAD_IDEMPOTENCY_KEY.into(),
                    errors: vec![FieldError::new("Idempotency-Key", language::INVALID)],
                }),
            },
        };
        std::future::ready(parsed)
    }
}

/// Opaque keyset cursor: the last id of the previous page.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

/// A cursor that is a position in a ranking (a search's, a lookup's): how many came before.
pub fn encode_offset(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

/// The position an [`encode_offset`] cursor names; 0 without one. At most `max`: deep paging
/// through a ranking is not a use case, it would only be load.
pub fn decode_offset(cursor: Option<&str>, max: usize) -> Result<usize, AppError> {
    let Some(c) = cursor else { return Ok(0) };
    URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse::<usize>().ok()))
        .filter(|n| *n <= max)
        .ok_or_else(|| AppError::BadRequest {
            detail: language::FOREIGN_CURSOR.into(),
            errors: vec![FieldError::new("cursor", language::NOT_THIS_QUERYS_CURSOR)],
        })
}

pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<Uuid>, AppError> {
    cursor
        .map(|c| {
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| Uuid::from_slice(&b).ok())
                .ok_or_else(|| AppError::BadRequest {
                    detail: language::FOREIGN_CURSOR.into(),
                    errors: vec![FieldError::new("cursor", language::INVALID_CURSOR)],
                })
        })
        .transpose()
}

/// `limit` as the API defines it: default 20, at most 100.
pub fn page_limit(limit: Option<i64>) -> Result<i64, AppError> {
    match limit {
        None => Ok(20),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(AppError::bad_query("limit", language::LIMIT_RANGE)),
    }
}

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// `rows` was fetched with `limit + 1`: the extra row only says there is a next page.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        limit: i64,
        id: impl Fn(&R) -> Uuid,
        render: impl Fn(R) -> T,
    ) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(id(r)))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(render).collect(),
            next_cursor,
        }
    }
}

pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        n: i64,
        kind: crate::domain::Role,
    }

    #[test]
    fn syntax_errors_are_400_and_data_errors_422_with_the_field() {
        assert!(matches!(
            parse_json::<Sample>(b"{\"n\": 1,"),
            Err(AppError::BadRequest { .. })
        ));
        match parse_json::<Sample>(br#"{"n": 1, "kind": "wizard"}"#) {
            Err(AppError::Unprocessable(e)) => {
                assert_eq!(e[0].field, "kind");
                assert!(e[0].message.contains("wizard") && !e[0].message.contains("line"));
            }
            other => panic!("{other:?}"),
        }
        match parse_json::<Sample>(br#"{"n": "one", "kind": "researcher"}"#) {
            Err(AppError::Unprocessable(e)) => assert_eq!(e[0].field, "n"),
            other => panic!("{other:?}"),
        }
        match parse_json::<Sample>(br#"{"n": 1}"#) {
            Err(AppError::Unprocessable(e)) => assert_eq!(e[0].field, "kind"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_json::<Sample>(b"[1, 2"),
            Err(AppError::BadRequest { .. })
        ));
        assert!(matches!(
            parse_json::<Sample>(b"[1, 2]"),
            Err(AppError::Unprocessable(_))
        ));
        assert!(matches!(
            parse_json::<Sample>(br#"{"n": 1, "kind": "researcher"} trailing"#),
            Err(AppError::BadRequest { .. })
        ));
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        kind: crate::domain::Role,
        n: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Nested {
        title: String,
        items: Vec<Item>,
        kind: crate::domain::Role,
        count: i64,
        flag: Option<bool>,
    }

    fn faults<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> Vec<(String, String)> {
        match parse_json::<T>(body.as_bytes()) {
            Err(AppError::Unprocessable(e)) => {
                e.into_iter().map(|e| (e.field, e.message)).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_fault_of_a_body_is_reported_at_once() {
        // Two unknown fields and a bad enum value: all three, and no "missing field" for the
        // value that was refused.
        let got = faults::<Sample>(r#"{"n": 1, "owner": 2, "kind": "wizard", "colour": "red"}"#);
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["owner", "kind", "colour"], "{got:?}");
        assert!(got[1].1.contains("wizard"), "{got:?}");
        assert!(got.iter().all(|(_, m)| !m.contains("missing")), "{got:?}");

        // Faults in nested objects and arrays, a wrong type, and a genuinely missing field.
        let got = faults::<Nested>(
            r#"{"title": 5, "items": [{"kind": "wizard", "n": -1}, {"kind": "researcher", "n": 2, "x": 1}], "flag": "yes"}"#,
        );
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        for field in [
            "title",
            "items[0].kind",
            "items[0].n",
            "items[1].x",
            "flag",
            "kind",
            "count",
        ] {
            assert!(fields.contains(&field), "{field}: {got:?}");
        }
        assert_eq!(fields.len(), 7, "{got:?}");
        // In the body's order first: the strict parse's fault leads.
        assert_eq!(fields[0], "title");
        // Our type names stay ours.
        let got =
            faults::<Nested>(r#"{"title": "t", "items": [1], "kind": "researcher", "count": 1}"#);
        assert_eq!(got[0].0, "items[0]");
        assert!(!got[0].1.contains("Item"), "{got:?}");
        assert!(got[0].1.ends_with("expected an object"), "{got:?}");
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        a: Option<Inner>,
        n: i64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        a: i64,
    }

    #[test]
    fn a_fault_is_named_by_its_own_path_even_under_a_namesake() {
        assert_eq!(faults::<Outer>(r#"{"a": {}, "n": 1}"#)[0].0, "a.a");
        assert_eq!(
            faults::<Outer>(r#"{"a": {"a": 1, "zz": 2}, "n": 1}"#)[0].0,
            "a.zz"
        );
        assert_eq!(
            faults::<Outer>(r#"{"a": {"a": 1, "a": 2}, "n": 1}"#)[0].0,
            "a.a"
        );
        assert_eq!(faults::<Outer>(r#"{"x": 1, "n": 1}"#)[0].0, "x");
    }

    #[test]
    fn a_body_of_the_wrong_kind_is_one_fault() {
        assert_eq!(faults::<Sample>("[1, 2]").len(), 1);
        assert_eq!(faults::<Sample>("\"text\"")[0].0, "body");
    }

    #[test]
    fn the_search_for_faults_is_bounded() {
        let many: Vec<String> = (0..100).map(|i| format!("\"f{i}\": {i}")).collect();
        let body = format!(
            "{{\"n\": 1, \"kind\": \"researcher\", {}}}",
            many.join(", ")
        );
        let got = faults::<Sample>(&body);
        assert_eq!(got.len(), MAX_BODY_ERRORS);
    }

    #[test]
    fn queries_must_be_percent_encoded_utf8() {
        assert_eq!(not_percent_encoded("q=%E5%8A%A8%E5%8A%9B&limit=5"), None);
        assert_eq!(not_percent_encoded("q=a+b&x=100%"), None);
        assert_eq!(not_percent_encoded(""), None);
        assert_eq!(
            not_percent_encoded("limit=5&q=%E5%8A").as_deref(),
            Some("q")
        );
        assert_eq!(not_percent_encoded("q=动力电池").as_deref(), Some("q"));
        assert_eq!(not_percent_encoded("=%FF").as_deref(), Some("query"));
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(Some(&encode_cursor(id))).unwrap(), Some(id));
        assert!(decode_cursor(Some("not a cursor")).is_err());
    }
}

/// `?limit=&cursor=` and nothing else: the query of a list with no filters.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page size and the keyset cursor, checked (400 on either).
    pub fn page(&self) -> Result<(i64, Option<Uuid>), AppError> {
        Ok((
            page_limit(self.limit)?,
            decode_cursor(self.cursor.as_deref())?,
        ))
    }
}
