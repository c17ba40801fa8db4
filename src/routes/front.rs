//! The front door: `/` tells a person what the service is and where to go (a JSON client gets
//! the same links), and `/docs` is the OpenAPI document as Swagger UI, whose files are compiled
//! into the binary: it works offline.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

const FRONT: &str = include_str!("../../templates/web/front.html");

/// Whether the client prefers JSON to HTML (an API client, not a browser).
fn wants_json(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

pub(super) async fn index(req: HttpRequest) -> HttpResponse {
    let version = env!("CARGO_PKG_VERSION");
    if wants_json(&req) {
        return HttpResponse::Ok().json(serde_json::json!({
            "service": "techmarket",
            "description": "Technology-transfer marketplace: listings, demands, negotiations, technology-contract registration and statistics, ownership grants.",
            "version": version,
            "links": {
                "api": "/api/v1",
                "dashboard": "/dashboard",
                "docs": "/docs/",
                "openapi": "/api-spec/openapi.yaml",
                "health": "/healthz",
                "ready": "/readyz",
            }
        }));
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(FRONT.replace("{{VERSION}}", version))
}

/// `/docs` without its slash: the documentation lives at `/docs/`.
pub(super) async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Swagger UI under `/docs/`, with the OpenAPI document beside it (`/docs/openapi.yaml`, the
/// same as `/api-spec/openapi.yaml`).
pub fn docs(cfg: &mut web::ServiceConfig) {
    use swagger_ui_dist::{ApiDefinition, OpenApiSource};
    cfg.service(swagger_ui_dist::generate_scope(ApiDefinition {
        uri_prefix: "/docs",
        api_definition: OpenApiSource::InlineWithName {
            definition: super::spec::OPENAPI_YAML,
            uri: "/docs/openapi.yaml",
        },
        title: Some("技术转移交易平台 API"),
    }));
}
