//! Request plumbing shared by every route: strict JSON bodies and query strings that report the
//! offending field, `If-Match`, `Idempotency-Key`, opaque cursors, and (`negotiate`) the
//! representation a report is asked for.

pub mod negotiate;
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

pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, AppError> {
    // Well-formedness first, so that a broken body is always 400, whatever shape it was meant to have.
    serde_json::from_slice::<serde::de::IgnoredAny>(raw).map_err(|e| {
        AppError::bad_request(format!(
            "malformed JSON: {}",
            without_position(e.to_string())
        ))
    })?;
    let mut de = serde_json::Deserializer::from_slice(raw);
    serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let message = without_position(e.into_inner().to_string());
        // serde names a missing field in its message and points the path at the parent object.
        let field = match message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next())
        {
            Some(missing) if path == "." || path.is_empty() => missing.to_string(),
            Some(missing) => format!("{path}.{missing}"),
            None => field_name(path),
        };
        AppError::Unprocessable(vec![FieldError::new(field, message)])
    })
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
        let chunk =
            chunk.map_err(|e| AppError::bad_request(format!("could not read the body: {e}")))?;
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
                return Err(AppError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ));
            }
            let raw = read_limited(&mut payload, limit).await?.freeze();
            if raw.is_empty() {
                return Err(AppError::bad_request("a JSON body is required"));
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
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(
            req.query_string().as_bytes(),
        ));
        std::future::ready(
            serde_path_to_error::deserialize(de)
                .map(Query)
                .map_err(|e| {
                    let field = field_name(e.path().to_string());
                    AppError::bad_query(field, e.into_inner().to_string())
                }),
        )
    }
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
                            detail: "If-Match must be an ETag such as \"3\"".into(),
                            errors: vec![FieldError::new("If-Match", "not a version ETag")],
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
                    detail: "Idempotency-Key must be 1 to 255 visible ASCII characters".into(),
                    errors: vec![FieldError::new("Idempotency-Key", "invalid")],
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
            detail: "the cursor is not one this server issued".into(),
            errors: vec![FieldError::new(
                "cursor",
                "not a cursor of this page's query",
            )],
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
                    detail: "the cursor is not one this server issued".into(),
                    errors: vec![FieldError::new("cursor", "invalid cursor")],
                })
        })
        .transpose()
}

/// `limit` as the API defines it: default 20, at most 100.
pub fn page_limit(limit: Option<i64>) -> Result<i64, AppError> {
    match limit {
        None => Ok(20),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(AppError::bad_query("limit", "must be between 1 and 100")),
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
