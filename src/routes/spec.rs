use actix_web::HttpResponse;

/// The OpenAPI document, compiled in so the binary always serves the contract it implements.
pub const OPENAPI_YAML: &str = include_str!("../../api-spec/openapi.yaml");

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(OPENAPI_YAML)
}
