//! The language of the answers people read: Chinese (`zh-CN`) for the people the market serves,
//! English when `Accept-Language` prefers it.
//!
//! Problem details are rendered by the error layer in both languages ([`crate::error`]): the
//! body in Chinese, with `Content-Language: zh-CN`, and the English rendering beside it in the
//! response's extensions. [`localize_problems`], a middleware, sends the English one to a
//! client that prefers English. Titles, the error layer's own details and the HTTP layer's
//! fixed texts (the body and query checks of [`crate::http`], serde's phrasings for an unknown
//! field or value, a missing field, a wrong type, broken JSON) read in Chinese; texts a route
//! or the domain wrote stay as they were written.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

/// The language of a text meant for people: Chinese for the people the market serves, English
/// on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// The caller's choice by `Accept-Language`: the most preferred of Chinese and English (by
    /// q, then order), Chinese when the header is absent, unreadable or names neither.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let mut best: Option<(f64, Lang)> = None;
        for range in accept_language.unwrap_or("").split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| {
                    let p = p.trim();
                    p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))
                })
                .find_map(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "zh" => Lang::Zh,
                "en" => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Zh, |(_, l)| l)
    }

    /// The language a request's `Accept-Language` asks for (see [`Lang::negotiate`]).
    pub fn of(req: &HttpRequest) -> Lang {
        Lang::negotiate(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    }

    /// For `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// The English rendering of a problem+json body whose body is the Chinese one; put in the
/// response's extensions by the error layer, taken by [`localize_problems`].
#[derive(Debug, Clone)]
pub struct EnglishProblem(pub Bytes);

/// Answers every problem+json response in the language the request prefers: the Chinese body
/// the error layer wrote, or its English rendering, with `Content-Language` and
/// `Vary: Accept-Language`. An error that passes through unanswered is answered in that
/// language too, where the server renders it. Other responses pass untouched.
pub async fn localize_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let lang = Lang::of(req.request());
    match next.call(req).await {
        Ok(res) => {
            let (request, response) = res.into_parts();
            Ok(ServiceResponse::new(request, localize(response, lang)))
        }
        Err(error) => Err(Localized { error, lang }.into()),
    }
}

/// `response` in `lang`, when it is a problem the error layer rendered in both.
fn localize<B>(mut response: HttpResponse<B>, lang: Lang) -> HttpResponse<EitherBody<B>> {
    let english = response.extensions().get::<EnglishProblem>().cloned();
    let Some(EnglishProblem(english)) = english else {
        return response.map_into_left_body();
    };
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-language"));
    match lang {
        Lang::Zh => response.map_into_left_body(),
        Lang::En => {
            response.headers_mut().insert(
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(Lang::En.tag()),
            );
            response.set_body(EitherBody::right(BoxBody::new(english)))
        }
    }
}

/// An error on its way out, to be answered in `lang`.
#[derive(Debug)]
struct Localized {
    error: actix_web::Error,
    lang: Lang,
}

impl std::fmt::Display for Localized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for Localized {
    fn status_code(&self) -> StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        localize(self.error.error_response(), self.lang).map_into_boxed_body()
    }
}

/// The Chinese for a text the HTTP layer writes, when it is one: the fixed details of the body
/// and query checks, serde's phrasings (an unknown field or value, a missing field, a wrong
/// type, broken JSON), the common number parsing errors of a query. `None` for any other text
/// (a route's or the domain's own), which is then answered as written.
pub fn zh(text: &str) -> Option<String> {
    if let Some(fixed) = FIXED.iter().find(|(en, _)| *en == text) {
        return Some(fixed.1.to_string());
    }
    if let Some(rest) = text.strip_prefix(MALFORMED_JSON_PREFIX) {
        return Some(format!(
            "JSON 格式错误：{}",
            zh_syntax(rest).unwrap_or_else(|| rest.to_string())
        ));
    }
    if let Some(rest) = text.strip_prefix(UNREADABLE_BODY_PREFIX) {
        return Some(format!("无法读取请求体：{rest}"));
    }
    if let Some(formats) = text.strip_prefix(REPORT_FORMATS_PREFIX) {
        return Some(format!("此报表只提供 {}", formats.replace(" or ", " 或 ")));
    }
    zh_serde(text)
}

/// Starts a 400's detail for a body that is not well-formed JSON; serde's reason follows.
pub const MALFORMED_JSON_PREFIX: &str = "malformed JSON: ";
/// Starts a 400's detail for a body that could not be read; the reason follows.
pub const UNREADABLE_BODY_PREFIX: &str = "could not read the body: ";
/// Starts a 406's detail naming the representations of a report.
pub const REPORT_FORMATS_PREFIX: &str = "this report is ";

pub const BODY_REQUIRED: &str = "a JSON body is required";
pub const SEND_JSON: &str = "send the body as application/json";
pub const INVALID_QUERY: &str = "the query string is not valid";
pub const NOT_PERCENT_ENCODED: &str = "the query string is not percent-encoded UTF-8";
pub const ENCODE_NON_ASCII: &str =
    "not percent-encoded UTF-8: send characters beyond ASCII percent-encoded (动 as %E5%8A%A8)";
pub const BAD_IF_MATCH: &str = "If-Match must be an ETag such as \"3\"";
pub const NOT_AN_ETAG: &str = "not a version ETag";
pub const BAD_IDEMPOTENCY_KEY: &str = "Idempotency-Key must be 1 to 255 visible ASCII characters";
pub const INVALID: &str = "invalid";
pub const FOREIGN_CURSOR: &str = "the cursor is not one this server issued";
pub const NOT_THIS_QUERYS_CURSOR: &str = "not a cursor of this page's query";
pub const INVALID_CURSOR: &str = "invalid cursor";
pub const LIMIT_RANGE: &str = "must be between 1 and 100";

/// Fixed English texts of the HTTP layer and their Chinese.
const FIXED: &[(&str, &str)] = &[
    (BODY_REQUIRED, "需要 JSON 请求体"),
    (SEND_JSON, "请以 application/json 发送请求体"),
    (INVALID_QUERY, "查询字符串无效"),
    (
        NOT_PERCENT_ENCODED,
        "查询字符串未经百分号编码（percent-encoding）或不是 UTF-8",
    ),
    (
        ENCODE_NON_ASCII,
        "未经百分号编码的 UTF-8：ASCII 以外的字符须百分号编码后发送（“动”写作 %E5%8A%A8）",
    ),
    (BAD_IF_MATCH, "If-Match 须为 ETag，例如 \"3\""),
    (NOT_AN_ETAG, "不是版本 ETag"),
    (
        BAD_IDEMPOTENCY_KEY,
        "Idempotency-Key 须为 1 到 255 个可见 ASCII 字符",
    ),
    (INVALID, "无效"),
    (FOREIGN_CURSOR, "此游标（cursor）不是本服务签发的"),
    (NOT_THIS_QUERYS_CURSOR, "不是本页查询的游标"),
    (INVALID_CURSOR, "游标无效"),
    (LIMIT_RANGE, "须在 1 到 100 之间"),
    // Number parsing in a query string (Rust's own messages).
    ("invalid digit found in string", "含有非数字字符"),
    ("cannot parse integer from empty string", "不能为空"),
    ("number too large to fit in target type", "数值过大"),
    ("number too small to fit in target type", "数值过小"),
    ("invalid float literal", "不是有效的数字"),
    (
        "provided string was not `true` or `false`",
        "须为 true 或 false",
    ),
];

/// serde's messages for a body or query that is well-formed but of the wrong shape.
fn zh_serde(text: &str) -> Option<String> {
    if let Some(rest) = text
        .strip_prefix("unknown field ")
        .filter(|r| r.starts_with('`'))
    {
        let (name, expected) = split_expected(rest);
        return Some(match expected {
            Some(e) if e.starts_with("there are no fields") => {
                format!("未知字段 {name}，此处不接受任何字段")
            }
            Some(e) => format!("未知字段 {name}，可用字段：{}", zh_alternatives(e)),
            None => format!("未知字段 {name}"),
        });
    }
    if let Some(rest) = text
        .strip_prefix("unknown variant ")
        .filter(|r| r.starts_with('`'))
    {
        let (value, expected) = split_expected(rest);
        return Some(match expected {
            Some(e) if e.starts_with("there are no variants") => {
                format!("未知取值 {value}，此处没有可用的取值")
            }
            Some(e) => format!("未知取值 {value}，可选值：{}", zh_alternatives(e)),
            None => format!("未知取值 {value}"),
        });
    }
    if let Some(name) = text
        .strip_prefix("missing field ")
        .filter(|r| r.starts_with('`'))
    {
        return Some(format!("缺少必填字段 {name}"));
    }
    if let Some(name) = text
        .strip_prefix("duplicate field ")
        .filter(|r| r.starts_with('`'))
    {
        return Some(format!("字段 {name} 重复出现"));
    }
    if let Some(rest) = text.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ")?;
        return Some(format!(
            "类型错误：应为{}，实际为{}",
            spaced(&zh_expected(expected)),
            spaced(&zh_unexpected(got))
        ));
    }
    if let Some(rest) = text.strip_prefix("invalid value: ") {
        let (got, expected) = rest.split_once(", expected ")?;
        return Some(format!(
            "取值无效：应为{}，实际为{}",
            spaced(&zh_expected(expected)),
            spaced(&zh_unexpected(got))
        ));
    }
    if let Some(rest) = text.strip_prefix("invalid length ") {
        let (got, expected) = rest.split_once(", expected ")?;
        return Some(format!(
            "长度无效：应为{}，实际为 {got}",
            spaced(&zh_expected(expected))
        ));
    }
    None
}

/// "`x`, expected one of `a`, `b`" → ("`x`", Some("one of `a`, `b`")).
fn split_expected(rest: &str) -> (&str, Option<&str>) {
    match rest.split_once(", expected ") {
        Some((name, expected)) => (name, Some(expected)),
        None => match rest.split_once(", there are no ") {
            Some((name, _)) => (name, Some(&rest[name.len() + 2..])),
            None => (rest, None),
        },
    }
}

/// serde's list of alternatives ("one of `a`, `b`", "`a` or `b`", "`a`") in Chinese.
fn zh_alternatives(expected: &str) -> String {
    let list = expected.strip_prefix("one of ").unwrap_or(expected);
    list.replace("` or `", "`、`").replace("`, `", "`、`")
}

/// What serde says it expected ("i64", "a string", "struct Listing"), in Chinese.
fn zh_expected(expected: &str) -> String {
    let e = expected.trim();
    let known = match e {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" | "an integer" => Some("整数"),
        "f32" | "f64" | "a number" => Some("数字"),
        "a string" | "a borrowed string" | "a character" | "a char" => Some("字符串"),
        "a boolean" => Some("布尔值（true 或 false）"),
        "a sequence" | "a tuple" => Some("数组"),
        "a map" | "an object" => Some("对象"),
        "unit" => Some("null"),
        _ => None,
    };
    if let Some(k) = known {
        return k.to_string();
    }
    if let Some(list) = e.strip_prefix("one of ") {
        return format!("以下之一：{}", zh_alternatives(list));
    }
    if let Some(n) = e.strip_prefix("a sequence of length ") {
        return format!("长度为 {n} 的数组");
    }
    // A type's name is no business of the client's ("struct ListingInput").
    for object in ["struct ", "tuple struct ", "struct variant "] {
        if e.starts_with(object) {
            return "对象".into();
        }
    }
    e.to_string()
}

/// Latin text after Chinese reads better set off by a space.
fn spaced(text: &str) -> String {
    if text.starts_with(|c: char| c.is_ascii()) {
        format!(" {text}")
    } else {
        text.to_string()
    }
}

/// What serde says it got ("string \"four\"", "integer `5`", "null"), in Chinese.
fn zh_unexpected(got: &str) -> String {
    let g = got.trim();
    let (kind, value) = match g.split_once(' ') {
        Some((k, v)) => (k, Some(v.trim_matches('`'))),
        None => (g, None),
    };
    let kind = match (kind, value) {
        ("string", _) => "字符串",
        ("integer", _) => "整数",
        ("floating", Some(v)) if v.starts_with("point") => {
            return format!(
                "数字 {}",
                v.trim_start_matches("point").trim().trim_matches('`')
            )
        }
        ("boolean", _) => "布尔值",
        ("null", None) => return "null".into(),
        ("sequence", None) => return "数组".into(),
        ("map", None) => return "对象".into(),
        ("unit", _) => return "null".into(),
        _ => return g.to_string(),
    };
    match value {
        Some(v) => format!("{kind} {v}"),
        None => kind.to_string(),
    }
}

/// serde_json's syntax errors (after "malformed JSON: "), in Chinese.
fn zh_syntax(reason: &str) -> Option<String> {
    let what = |w: &str| match w {
        "a value" => "值",
        "an object" => "对象",
        "a list" => "数组",
        "a string" => "字符串",
        _ => "内容",
    };
    if let Some(w) = reason.strip_prefix("EOF while parsing ") {
        return Some(format!("内容不完整，在解析{}时结束", what(w)));
    }
    Some(
        match reason {
            "expected value" => "此处应为一个值",
            "expected ident" => "此处应为 true、false 或 null",
            "expected `:`" => "此处应为 `:`",
            "expected `,` or `}`" => "此处应为 `,` 或 `}`",
            "expected `,` or `]`" => "此处应为 `,` 或 `]`",
            "trailing characters" => "JSON 之后还有多余字符",
            "trailing comma" => "多余的逗号",
            "key must be a string" => "对象的键必须是字符串",
            "invalid number" => "数字无效",
            "number out of range" => "数字超出范围",
            "invalid escape" => "转义序列无效",
            "control character (\\u0000-\\u001F) found while parsing a string" => {
                "字符串中含有控制字符"
            }
            "recursion limit exceeded" => "嵌套层数过多",
            _ => return None,
        }
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_unless_english_is_preferred() {
        for (header, lang) in [
            (None, Lang::Zh),
            (Some(""), Lang::Zh),
            (Some("en"), Lang::En),
            (Some("EN-us"), Lang::En),
            (Some("en;q=0.5, zh;q=0.9"), Lang::Zh),
            (Some("zh;q=0.4, en;Q=0.6"), Lang::En),
            (Some("fr, de"), Lang::Zh),
            (Some("en;q=0"), Lang::Zh),
            (Some("\u{0}garbage;;q=x"), Lang::Zh),
            (Some("en-US,en;q=0.9"), Lang::En),
            (Some("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh),
            (Some("fr, en;q=0.5, zh;q=0.7"), Lang::Zh),
            (Some("de, EN-gb;q=0.3"), Lang::En),
            (Some("en;q=0, fr"), Lang::Zh),
        ] {
            assert_eq!(Lang::negotiate(header), lang, "{header:?}");
        }
    }

    fn answered(response: HttpResponse) -> (String, String, serde_json::Value) {
        use actix_web::body::MessageBody;
        let header = |name| {
            response
                .headers()
                .get_all(name)
                .map(|v| v.to_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let (language, vary) = (header(header::CONTENT_LANGUAGE), header(header::VARY));
        let body = response.into_body().try_into_bytes().unwrap();
        (language, vary, serde_json::from_slice(&body).unwrap())
    }

    #[test]
    fn english_is_answered_on_request_and_chinese_otherwise() {
        use crate::error::AppError;
        let in_lang = |lang| {
            answered(localize(AppError::NotFound.error_response(), lang).map_into_boxed_body())
        };
        let (language, vary, p) = in_lang(Lang::Zh);
        assert_eq!(
            (language.as_str(), vary.as_str()),
            ("zh-CN", "accept-language")
        );
        assert_eq!(
            (p["title"].as_str(), p["detail"].as_str()),
            (Some("未找到"), Some("资源不存在"))
        );
        let (language, vary, p) = in_lang(Lang::En);
        assert_eq!(
            (language.as_str(), vary.as_str()),
            ("en", "accept-language")
        );
        assert_eq!(p["title"], "Not found");
        assert_eq!(p["detail"], "no such resource");
        // An error that passes the middleware unanswered is answered in the language too.
        let error = Localized {
            error: AppError::NotFound.into(),
            lang: Lang::En,
        };
        assert_eq!(error.status_code(), StatusCode::NOT_FOUND);
        let (language, _, p) = answered(error.error_response());
        assert_eq!(
            (language.as_str(), p["title"].as_str()),
            ("en", Some("Not found"))
        );
        // Other responses pass untouched.
        let plain = localize(HttpResponse::Ok().body("ok"), Lang::En);
        assert!(plain.headers().get(header::CONTENT_LANGUAGE).is_none());
        assert!(plain.headers().get(header::VARY).is_none());
    }

    #[test]
    fn serde_phrasings_read_in_chinese() {
        let cases = [
            (
                "unknown field `owner_id`, expected one of `title`, `summary`",
                "未知字段 `owner_id`，可用字段：`title`、`summary`",
            ),
            (
                "unknown field `x`, expected `a` or `b`",
                "未知字段 `x`，可用字段：`a`、`b`",
            ),
            (
                "unknown field `x`, there are no fields",
                "未知字段 `x`，此处不接受任何字段",
            ),
            (
                "unknown variant `barter`, expected one of `fixed`, `negotiable`",
                "未知取值 `barter`，可选值：`fixed`、`negotiable`",
            ),
            ("missing field `summary`", "缺少必填字段 `summary`"),
            (
                "invalid type: string \"four\", expected i64",
                "类型错误：应为整数，实际为字符串 \"four\"",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "取值无效：应为整数，实际为整数 -1",
            ),
            (
                "invalid type: floating point `1.5`, expected i64",
                "类型错误：应为整数，实际为数字 1.5",
            ),
            ("invalid digit found in string", "含有非数字字符"),
        ];
        for (en, zh_text) in cases {
            assert_eq!(zh(en).as_deref(), Some(zh_text), "{en}");
        }
        assert_eq!(
            zh("malformed JSON: EOF while parsing a value").as_deref(),
            Some("JSON 格式错误：内容不完整，在解析值时结束")
        );
        // A route's or the domain's own words are answered as written.
        assert_eq!(zh("must be between 1 and 9"), None);
        assert_eq!(zh("wrong e-mail address or password"), None);
        // Only serde's own phrasing, with its backticks: this "field" is a technology field.
        assert_eq!(zh("unknown field 'astrology'"), None);
    }
}
