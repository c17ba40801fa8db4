//! Every JSON response the tests receive is checked against `api-spec/openapi.yaml`: the
//! operation is found by method and path template, the response by status, and the body is
//! validated against that response's schema; a property no schema describes counts as a
//! mismatch too. The document is the contract clients are written against, so a body it does
//! not describe (or a response it does not document) fails the test that received it, whatever
//! that test asserts itself.
//!
//! The spec is OpenAPI 3.1, whose schemas are JSON Schema 2020-12 (no `nullable`: nullable
//! fields say `type: [T, 'null']`), so the schemas are validated as they are written.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Draft, Validator};
use reqwest::Method;
use serde_json::{json, Value};

/// The spec's schemas are resolved against this name, so error locations read as places in
/// the document (`openapi.yaml#/components/schemas/Listing/...`).
const BASE_URI: &str = "urn:techmarket:openapi.yaml";

/// The OpenAPI document, read once for the whole test binary.
fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::from_yaml(techmarket::routes::spec::OPENAPI_YAML))
}

/// Checks a response a test received; a mismatch fails the test. A run with
/// `OPENAPI_MISMATCHES=<file>` appends mismatches to that file instead, so that one run gathers
/// every gap between the service and the document.
pub fn assert_conforms(method: &Method, path: &str, status: u16, content_type: &str, body: &[u8]) {
    static MISMATCHES: Appended = Appended::to("OPENAPI_MISMATCHES");
    // A run with `OPENAPI_TALLY=<file>` counts: one line per validated response (method, path
    // template, status).
    static TALLY: Appended = Appended::to("OPENAPI_TALLY");
    match spec().check(method, path, status, content_type, body) {
        Ok(template) => TALLY.line(format_args!("{method} {template} {status}")),
        Err(why) if MISMATCHES.file().is_some() => MISMATCHES.line(format_args!("{why}\n")),
        Err(why) => panic!("the response does not conform to api-spec/openapi.yaml: {why}"),
    }
}

/// A file named by an environment variable, opened once for appending; nothing when unset.
struct Appended {
    var: &'static str,
    file: OnceLock<Option<Mutex<std::fs::File>>>,
}

impl Appended {
    const fn to(var: &'static str) -> Appended {
        Appended {
            var,
            file: OnceLock::new(),
        }
    }

    fn file(&self) -> Option<&Mutex<std::fs::File>> {
        self.file
            .get_or_init(|| {
                let path = std::env::var_os(self.var)?;
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .unwrap_or_else(|e| {
                        panic!("{} names a file that cannot be written: {e}", self.var)
                    });
                Some(Mutex::new(file))
            })
            .as_ref()
    }

    fn line(&self, line: std::fmt::Arguments) {
        if let Some(file) = self.file() {
            let _ = writeln!(file.lock().unwrap(), "{line}");
        }
    }
}

struct Spec {
    doc: Value,
    /// The document rewritten so that evaluating it reports every property it describes (see
    /// [`annotating`]); used to find undocumented properties, never to judge validity.
    annotating: Value,
    /// The path templates of `paths`, split into segments (`None` for a `{parameter}`).
    templates: Vec<(String, Vec<Option<String>>)>,
    /// The compiled validators of each schema location (of `doc`, of `annotating`), built on
    /// first use.
    validators: Mutex<HashMap<String, Arc<(Validator, Validator)>>>,
}

/// Whether a response of this `Content-Type` carries JSON (`application/json`, or a `+json`
/// type such as `application/problem+json`).
pub fn is_json(content_type: &str) -> bool {
    let essence = media_type(content_type);
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The media type without its parameters (`; charset=utf-8`), lower-cased.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A JSON Pointer as a URI fragment (RFC 6901, section 6): a path template's braces, for one,
/// are not allowed in a URI.
fn percent_encoded(pointer: &str) -> String {
    let mut out = String::new();
    for b in pointer.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A URI fragment read back as the JSON Pointer it encodes, for messages.
fn percent_decoded(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One JSON Pointer token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl Spec {
    fn from_yaml(yaml: &str) -> Spec {
        let doc: Value = serde_norway::from_str(yaml).expect("api-spec/openapi.yaml is valid YAML");
        assert_eq!(
            doc["openapi"].as_str().map(|v| &v[..3]),
            Some("3.1"),
            "the validator reads schemas as JSON Schema 2020-12, as OpenAPI 3.1 defines them"
        );
        let templates = doc["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .map(|t| {
                let segments = t
                    .split('/')
                    .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_string()))
                    .collect();
                (t.clone(), segments)
            })
            .collect();
        let mut annotating = doc.clone();
        annotate_properties(&mut annotating);
        Spec {
            doc,
            annotating,
            templates,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The document's value at a JSON Pointer.
    fn at(&self, pointer: &str) -> Option<&Value> {
        self.doc.pointer(pointer)
    }

    /// Follows an object's `$ref` (a local one, `#/...`) until the object itself; returns it
    /// with its pointer.
    fn deref(&self, mut pointer: String) -> Result<(String, &Value), String> {
        for _ in 0..16 {
            let value = self
                .at(&pointer)
                .ok_or_else(|| format!("nothing at {pointer}"))?;
            match value.get("$ref").and_then(Value::as_str) {
                Some(target) => {
                    pointer = target
                        .strip_prefix('#')
                        .ok_or_else(|| format!("{pointer}: only local $refs are read: {target}"))?
                        .to_string();
                }
                None => return Ok((pointer, value)),
            }
        }
        Err(format!("{pointer}: a $ref cycle"))
    }

    /// The most specific path template serving `path` under `method`: a template matches when
    /// it has as many segments and each literal one is equal; among several, the one with more
    /// literal segments wins, then the one whose first literal comes earlier (as a router
    /// prefers `/a/b/{x}` over `/a/{x}/b` for `/a/b/b`). `Err(true)` when templates match the
    /// path but none documents `method`, `Err(false)` when none matches.
    fn template(&self, method: &Method, path: &str) -> Result<&str, bool> {
        let segments: Vec<&str> = path.split('/').collect();
        let method = method.as_str().to_ascii_lowercase();
        let mut path_known = false;
        let mut best: Option<(Vec<bool>, &str)> = None;
        for (template, pattern) in &self.templates {
            let matches = pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p.as_deref().map_or(!s.is_empty(), |p| p == *s));
            if !matches {
                continue;
            }
            path_known = true;
            if self.doc["paths"][template].get(&method).is_none() {
                continue;
            }
            let literals: Vec<bool> = pattern.iter().map(Option::is_some).collect();
            let key = |l: &Vec<bool>| (l.iter().filter(|x| **x).count(), l.clone());
            if best.as_ref().is_none_or(|(b, _)| key(&literals) > key(b)) {
                best = Some((literals, template));
            }
        }
        best.map(|(_, t)| t).ok_or(path_known)
    }

    /// The response object documented for `status`: the exact code, else its range (`4XX`),
    /// else `default`. `responses` is the pointer of a responses map.
    fn response_for(&self, responses: &str, status: u16) -> Option<String> {
        let map = self.at(responses)?.as_object()?;
        let range = format!("{}XX", status / 100);
        [status.to_string(), range, "default".into()]
            .into_iter()
            .find(|key| map.contains_key(key))
            .map(|key| format!("{responses}/{}", escape(&key)))
    }

    /// The schema of a response object for a media type: the exact type, else `type/*`, else
    /// `*/*`, as OpenAPI's media-type ranges go.
    fn schema_for(&self, response: &Value, response_pointer: &str, media: &str) -> Option<String> {
        let content = response.get("content")?.as_object()?;
        let range = format!("{}/*", media.split('/').next().unwrap_or(""));
        let key = [media.to_string(), range, "*/*".into()]
            .into_iter()
            .find(|key| content.contains_key(key))?;
        content[&key].get("schema")?;
        Some(format!(
            "{response_pointer}/content/{}/schema",
            escape(&key)
        ))
    }

    /// The validators of the schema at `pointer`: one that judges, one that annotates. The
    /// whole document is the root (so its `#/components/...` references resolve), entered
    /// through a `$ref` to that schema.
    fn validators(&self, pointer: &str) -> Result<Arc<(Validator, Validator)>, String> {
        if let Some(v) = self.validators.lock().unwrap().get(pointer) {
            return Ok(v.clone());
        }
        let build = |doc: &Value| {
            let mut root = doc.clone();
            root["$ref"] = json!(format!("#{}", percent_encoded(pointer)));
            jsonschema::options()
                .with_draft(Draft::Draft202012)
                .with_base_uri(BASE_URI)
                // OpenAPI's formats (uuid, date, date-time, uri-reference) say what a string
                // must be; the 2020-12 default only annotates them.
                .should_validate_formats(true)
                .build(&root)
                .map_err(|e| format!("the schema at #{pointer} does not compile: {e}"))
        };
        let pair = Arc::new((build(&self.doc)?, build(&self.annotating)?));
        self.validators
            .lock()
            .unwrap()
            .insert(pointer.to_string(), pair.clone());
        Ok(pair)
    }

    /// Where the spec documents the responses of `method` on `path`: the operation's responses,
    /// or, for a path or a method the service does not serve, the document's
    /// `x-unmatched-responses` (its 404 and 405). Returns (responses pointer, what to call it).
    fn responses_of(&self, method: &Method, path: &str) -> Result<(String, String), String> {
        match self.template(method, path) {
            Ok(template) => Ok((
                format!(
                    "/paths/{}/{}/responses",
                    escape(template),
                    method.as_str().to_ascii_lowercase()
                ),
                template.to_string(),
            )),
            Err(path_known) => {
                let what = if path_known {
                    "no operation documents this method on this path"
                } else {
                    "no path template matches"
                };
                if self.at("/x-unmatched-responses").is_some() {
                    Ok(("/x-unmatched-responses".into(), format!("({what})")))
                } else {
                    Err(what.into())
                }
            }
        }
    }

    /// Checks one response: `Ok` with the path template of its operation, or `Err` saying why
    /// it does not conform, naming the method, path and status, the schema location and, for
    /// each validation error, the instance path.
    fn check(
        &self,
        method: &Method,
        path: &str,
        status: u16,
        content_type: &str,
        body: &[u8],
    ) -> Result<String, String> {
        let fail = |why: String| {
            Err(format!(
                "{method} {path} answered {status} {content_type}: {why}"
            ))
        };
        let media = media_type(content_type);
        let (responses, template) = match self.responses_of(method, path) {
            Ok(found) => found,
            Err(why) => return fail(format!("not in api-spec/openapi.yaml: {why}")),
        };
        let Some(response) = self.response_for(&responses, status) else {
            return fail(format!(
                "api-spec/openapi.yaml documents no {status} (nor its range, nor default) at #{responses}"
            ));
        };
        let (response, object) = match self.deref(response) {
            Ok(found) => found,
            Err(why) => return fail(why),
        };
        let Some(schema) = self.schema_for(object, &response, &media) else {
            return fail(format!("#{response} has no schema for {media}"));
        };
        let instance: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return fail(format!(
                    "the body is not JSON ({e}): {}",
                    String::from_utf8_lossy(body)
                ))
            }
        };
        let validators = match self.validators(&schema) {
            Ok(v) => v,
            Err(why) => return fail(why),
        };
        let mut errors = Vec::new();
        for e in validators.0.iter_errors(&instance) {
            describe(&e, 1, &mut errors);
        }
        if errors.is_empty() {
            for p in undocumented(&validators.1, &instance) {
                errors.push(format!(
                    "  at instance path '{p}': a property the schema does not describe"
                ));
            }
        }
        if errors.is_empty() {
            return Ok(template);
        }
        let shown = serde_json::to_string_pretty(&instance).unwrap_or_default();
        let shown: String = shown.chars().take(4000).collect();
        fail(format!(
            "the body does not match #{schema} ({template}):\n{}\nbody: {shown}",
            errors.join("\n")
        ))
    }
}

/// Rewrites a document so that evaluating it reports, as annotations, every property its schemas
/// describe. jsonschema reports none of an object's `properties` when `additionalProperties`
/// stands beside them, so: `additionalProperties: false` goes (what it would refuse is
/// undocumented anyway, and the judging validator still refuses it), and any other
/// `additionalProperties` moves into an `allOf` branch of its own, beside the names it is to
/// leave alone.
fn annotate_properties(v: &mut Value) {
    match v {
        Value::Object(map) => {
            // Children first: the branch made here is not to be rewritten again.
            map.values_mut().for_each(annotate_properties);
            match map.remove("additionalProperties") {
                Some(Value::Bool(false)) | None => {}
                Some(rest) => {
                    let names: serde_json::Map<String, Value> = map
                        .get("properties")
                        .and_then(Value::as_object)
                        .map(|p| p.keys().map(|k| (k.clone(), json!(true))).collect())
                        .unwrap_or_default();
                    let branch = json!({"properties": names, "additionalProperties": rest});
                    match map.get_mut("allOf").and_then(Value::as_array_mut) {
                        Some(all) => all.push(branch),
                        None => {
                            map.insert("allOf".into(), json!([branch]));
                        }
                    }
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(annotate_properties),
        _ => {}
    }
}

/// The properties of `instance` (as instance paths) that no `properties`, `patternProperties`,
/// `additionalProperties` or `unevaluatedProperties` of a schema that holds for them covers: what
/// the service answers and the document does not say.
fn undocumented(validator: &Validator, instance: &Value) -> Vec<String> {
    let evaluation = validator.evaluate(instance);
    let mut covered: HashMap<String, HashSet<String>> = HashMap::new();
    for a in evaluation.iter_annotations() {
        let keyword = a.schema_location.rsplit('/').next().unwrap_or("");
        if matches!(
            keyword,
            "properties" | "patternProperties" | "additionalProperties" | "unevaluatedProperties"
        ) {
            let names = a.annotations.value().as_array().into_iter().flatten();
            covered
                .entry(a.instance_location.as_str().to_string())
                .or_default()
                .extend(names.filter_map(|n| n.as_str().map(str::to_string)));
        }
    }
    let mut found = Vec::new();
    fn walk(
        v: &Value,
        at: String,
        covered: &HashMap<String, HashSet<String>>,
        found: &mut Vec<String>,
    ) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let here = format!("{at}/{}", escape(k));
                    if !covered.get(&at).is_some_and(|c| c.contains(k)) {
                        found.push(here);
                    } else {
                        walk(v, here, covered, found);
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{at}/{i}"), covered, found);
                }
            }
            _ => {}
        }
    }
    walk(instance, String::new(), &covered, &mut found);
    found
}

/// One validation error as lines: where in the body, where in the document, what. For an
/// `anyOf` or `oneOf` that no branch satisfies, why each branch failed, indented below it.
fn describe(e: &jsonschema::ValidationError, depth: usize, lines: &mut Vec<String>) {
    let indent = "  ".repeat(depth);
    let at = e
        .absolute_keyword_location()
        .map(|u| percent_decoded(u.as_str().trim_start_matches(BASE_URI)))
        .unwrap_or_else(|| e.schema_path().to_string());
    // The message quotes the failing value, which may be a whole resource.
    let mut what = e.to_string();
    if what.chars().count() > 300 {
        what = what.chars().take(300).collect::<String>() + "…";
    }
    lines.push(format!(
        "{indent}at instance path '{}' (schema {at}): {what}",
        e.instance_path()
    ));
    use jsonschema::error::ValidationErrorKind::{AnyOf, OneOfNotValid};
    if let AnyOf { context } | OneOfNotValid { context } = e.kind() {
        if depth > 6 {
            return;
        }
        for (i, branch) in context.iter().enumerate() {
            lines.push(format!("{indent}  branch {i}:"));
            for e in branch {
                describe(e, depth + 2, lines);
            }
        }
    }
}

// The validator itself, on bodies made up here: it must be able to fail.

#[test]
fn a_conforming_body_passes() {
    let ok = json!({"status": "ok"});
    spec()
        .check(
            &Method::GET,
            "/healthz",
            200,
            "application/json",
            ok.to_string().as_bytes(),
        )
        .unwrap();
}

#[test]
fn a_body_missing_a_required_field_or_of_the_wrong_type_is_reported() {
    let check = |body: Value| {
        spec()
            .check(
                &Method::GET,
                &format!("/api/v1/listings/{}", uuid::Uuid::now_v7()),
                404,
                "application/problem+json",
                body.to_string().as_bytes(),
            )
            .unwrap_err()
    };
    let problem = json!({"type": "/problems/not-found", "title": "Not found", "status": 404, "detail": "no such listing"});
    spec()
        .check(
            &Method::GET,
            &format!("/api/v1/listings/{}", uuid::Uuid::now_v7()),
            404,
            "application/problem+json",
            problem.to_string().as_bytes(),
        )
        .expect("the well-formed problem passes");

    let mut missing = problem.clone();
    missing.as_object_mut().unwrap().remove("detail");
    let why = check(missing);
    assert!(why.contains("GET /api/v1/listings/"), "{why}");
    assert!(why.contains("404"), "{why}");
    assert!(why.contains("\"detail\" is a required property"), "{why}");
    assert!(
        why.contains("/components/schemas/Problem/required"),
        "{why}"
    );

    let mut wrong = problem.clone();
    wrong["status"] = json!("404");
    let why = check(wrong);
    assert!(why.contains("instance path '/status'"), "{why}");
    assert!(
        why.contains("/components/schemas/Problem/properties/status/type"),
        "{why}"
    );
}

#[test]
fn a_property_the_schema_does_not_describe_is_reported() {
    let why = spec()
        .check(
            &Method::GET,
            "/healthz",
            200,
            "application/json",
            br#"{"status": "ok", "uptime": 3}"#,
        )
        .unwrap_err();
    assert!(
        why.contains("instance path '/uptime': a property the schema does not describe"),
        "{why}"
    );
    // Properties described through `additionalProperties` (a map of links) are documented.
    let front = json!({"service": "techmarket", "version": "1", "links": {"docs": "/docs/"}});
    spec()
        .check(
            &Method::GET,
            "/",
            200,
            "application/json",
            front.to_string().as_bytes(),
        )
        .unwrap();
}

#[test]
fn properties_beside_additional_properties_count_as_described() {
    let s = Spec::from_yaml(
        r#"
openapi: 3.1.0
paths:
  /things:
    get:
      responses:
        '200':
          description: A thing.
          content:
            application/json:
              schema:
                type: object
                properties:
                  closed:
                    oneOf:
                      - { type: object, additionalProperties: false, required: [a], properties: { a: { type: integer } } }
                      - { type: object, additionalProperties: false, required: [z], properties: { z: { type: integer } } }
                  open:
                    type: object
                    properties: { b: { type: integer } }
                    additionalProperties: { type: string }
"#,
    );
    let check = |body: Value| {
        s.check(
            &Method::GET,
            "/things",
            200,
            "application/json",
            body.to_string().as_bytes(),
        )
    };
    check(json!({"closed": {"a": 1}, "open": {"b": 2, "c": "x"}})).unwrap();
    let why = check(json!({"closed": {"a": 1, "y": 2}, "open": {"b": "2"}})).unwrap_err();
    assert!(why.contains("instance path '/closed'"), "{why}");
    assert!(why.contains("instance path '/open/b'"), "{why}");
}

#[test]
fn a_schema_under_a_templated_path_is_found_and_applied() {
    // The operation's own schema sits under `/paths/~1api~1v1~1listings~1{id}`: braces that a
    // URI fragment must escape.
    let why = spec()
        .check(
            &Method::GET,
            &format!("/api/v1/listings/{}", uuid::Uuid::now_v7()),
            200,
            "application/json",
            b"{}",
        )
        .unwrap_err();
    assert!(why.contains("is a required property"), "{why}");
    assert!(!why.contains("does not compile"), "{why}");
}

#[test]
fn an_undocumented_status_path_or_media_type_is_reported() {
    let body = br#"{"status": "ok"}"#;
    let why = spec()
        .check(&Method::GET, "/healthz", 418, "application/json", body)
        .unwrap_err();
    assert!(why.contains("documents no 418"), "{why}");
    let why = spec()
        .check(
            &Method::GET,
            "/healthz",
            200,
            "application/vnd.other+json",
            body,
        )
        .unwrap_err();
    assert!(
        why.contains("no schema for application/vnd.other+json"),
        "{why}"
    );
    let why = spec()
        .check(
            &Method::GET,
            "/healthz",
            200,
            "application/json",
            b"{not json",
        )
        .unwrap_err();
    assert!(why.contains("not JSON"), "{why}");
    // A path the service does not serve answers only what the document says of such paths.
    let why = spec()
        .check(
            &Method::GET,
            "/api/v1/nowhere",
            200,
            "application/json",
            body,
        )
        .unwrap_err();
    assert!(why.contains("documents no 200"), "{why}");
}

#[test]
fn every_schema_of_the_document_is_a_schema_and_every_response_schema_compiles() {
    let s = spec();
    let mut bad = Vec::new();
    for (name, schema) in s.doc["components"]["schemas"].as_object().unwrap() {
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            bad.push(format!("#/components/schemas/{name}: {e}"));
        }
    }
    // Every response's schema: the operations', and those for what no operation serves.
    let mut responses: Vec<String> = vec!["/x-unmatched-responses".into()];
    for (template, item) in s.doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            responses.push(format!("/paths/{}/{method}/responses", escape(template)));
        }
    }
    let mut compiled = 0;
    for map in responses {
        for status in s.at(&map).and_then(Value::as_object).into_iter().flatten() {
            let (pointer, response) = s
                .deref(format!("{map}/{}", escape(status.0)))
                .unwrap_or_else(|e| panic!("{e}"));
            let content = response.get("content").and_then(Value::as_object);
            for (media, m) in content.into_iter().flatten() {
                let Some(schema) = m.get("schema") else {
                    continue;
                };
                let at = format!("{pointer}/content/{}/schema", escape(media));
                if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
                    bad.push(format!("#{at}: {e}"));
                }
                match s.validators(&at) {
                    Ok(_) => compiled += 1,
                    Err(e) => bad.push(e),
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(compiled > 300, "only {compiled} response schemas found");
}

#[test]
fn the_most_specific_template_is_the_operation() {
    let s = Spec::from_yaml(
        r#"
openapi: 3.1.0
paths:
  /a/{x}/{y}: { get: {} }
  /a/{x}/b: { get: {} }
  /a/b/{x}: { get: {} }
  /things/{id}: { get: {} }
  /things/special: { post: {} }
"#,
    );
    assert_eq!(s.template(&Method::GET, "/a/b/b"), Ok("/a/b/{x}"));
    assert_eq!(s.template(&Method::GET, "/a/c/b"), Ok("/a/{x}/b"));
    assert_eq!(s.template(&Method::GET, "/a/c/d"), Ok("/a/{x}/{y}"));
    // A literal match that does not take the method leaves the request to the template.
    assert_eq!(
        s.template(&Method::GET, "/things/special"),
        Ok("/things/{id}")
    );
    assert_eq!(s.template(&Method::DELETE, "/things/1"), Err(true));
    assert_eq!(s.template(&Method::GET, "/things"), Err(false));
    assert_eq!(
        s.template(&Method::GET, "/a//b"),
        Err(false),
        "an empty segment is no id"
    );

    let id = uuid::Uuid::now_v7();
    assert_eq!(
        spec().template(&Method::GET, &format!("/api/v1/listings/{id}")),
        Ok("/api/v1/listings/{id}")
    );
}
