//! `/dashboard`: the statisticians' and registrars' workbench in the browser. One page, one
//! hand-written script and one stylesheet, compiled into the binary (it works offline: nothing
//! is fetched from elsewhere). The script signs in and calls the JSON API with the bearer token,
//! so the page shows each role exactly what the API lets it see.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::state::AppState;

const PAGE: &str = include_str!("../../templates/dashboard/index.html");
const SCRIPT: &str = include_str!("../../templates/dashboard/dashboard.js");
const STYLE: &str = include_str!("../../templates/dashboard/dashboard.css");

/// Only this origin's script and style; the reference data rides in a JSON block, not a script.
const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A short hash of the assets: their URLs change when they do, so they can be cached for good.
fn asset_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let digest = Sha256::new()
            .chain_update(SCRIPT)
            .chain_update(STYLE)
            .finalize();
        digest[..6].iter().map(|b| format!("{b:02x}")).collect()
    })
}

/// The Chinese names the page shows for codes (fields, contract types, provinces, countries).
fn reference_json(state: &AppState) -> String {
    let refs = &state.refs;
    let names = |pairs: Vec<(&String, &String)>| -> Map<String, Value> {
        pairs
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect()
    };
    let mut types = Map::new();
    for t in &refs.contract_types {
        // "技术开发（委托开发）" names a subtype; its type is the part before the bracket.
        let name = t.name_zh.split('（').next().unwrap_or(&t.name_zh);
        types
            .entry(t.contract_type.clone())
            .or_insert_with(|| Value::String(name.to_string()));
    }
    let provinces = names(
        refs.regions
            .values()
            .filter(|r| r.level == "province")
            .map(|r| (&r.code, &r.name_zh))
            .collect(),
    );
    let countries = names(
        refs.countries
            .values()
            .map(|c| (&c.code, &c.name_zh))
            .collect(),
    );
    let fields = names(
        refs.technology_fields
            .values()
            .map(|f| (&f.code, &f.name_zh))
            .collect(),
    );
    let doc = json!({
        "fields": fields,
        "types": types,
        "provinces": provinces,
        "countries": countries,
    });
    // Inside <script type="application/json"> a "</" would end the block.
    doc.to_string().replace("</", "<\\/")
}

pub(super) async fn page(state: web::Data<AppState>) -> HttpResponse {
    let body = PAGE
        .replace("{{ASSET_VERSION}}", asset_version())
        .replace("{{VERSION}}", env!("CARGO_PKG_VERSION"))
        .replace("{{REFERENCE}}", &reference_json(&state));
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // The page is small and names the current assets: always revalidated.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        // The page asks for them under their content hash (`?v=`): a new build, a new URL.
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

pub(super) async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

pub(super) async fn style() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_its_assets_by_their_hash_and_loads_nothing_from_elsewhere() {
        let v = asset_version();
        assert_eq!(v.len(), 12);
        let page = PAGE.replace("{{ASSET_VERSION}}", v);
        assert!(page.contains(&format!("/dashboard/dashboard.js?v={v}")));
        assert!(page.contains(&format!("/dashboard/dashboard.css?v={v}")));
        // The SVG namespace is a name, not a place anything is loaded from.
        for text in [PAGE, SCRIPT, STYLE] {
            let text = text.replace("http://www.w3.org/2000/svg", "");
            assert!(!text.contains("http://") && !text.contains("https://"));
        }
    }
}
