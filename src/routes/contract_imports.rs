//! `POST /admin/contract-imports`: the register's past from a CSV or JSON-lines file (see
//! `contract_import`). The body is the file itself; `file` names it for the record, `dry_run`
//! checks it without importing.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::Authenticated;
use crate::contract_import::{Batch, Format, Importer};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::{mime_type, read_limited, Query};
use crate::state::AppState;

/// A region's whole history fits: 100,000 contracts of CSV are about 40 MB.
const IMPORT_LIMIT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
    file: Option<String>,
}

pub(super) async fn import(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    q: Query<ImportQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let actor = *auth.require(&[Role::Registrar, Role::PlatformAdmin])?;
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(mime_type)
        .unwrap_or_default();
    let file = q.0.file.clone().unwrap_or_else(|| "upload".to_string());
    let format = Format::from_mime(&mime)
        .or_else(|| {
            (mime.is_empty() || mime == "application/octet-stream")
                .then(|| Format::from_file_name(&file))
                .flatten()
        })
        .ok_or_else(|| {
            AppError::UnsupportedMediaType(
                "send the file as text/csv or application/x-ndjson (JSON lines)".into(),
            )
        })?;
    let body = read_limited(&mut payload, IMPORT_LIMIT_BYTES).await?;
    let importer = Importer {
        db: &state.db,
        contracts: &state.aggregates.contracts,
        refs: &state.refs,
    };
    let report = importer
        .run(
            actor,
            state.clock.now(),
            Batch {
                file: &file,
                format,
                body: &body,
                dry_run: q.0.dry_run,
            },
        )
        .await?;
    let mut resp = if report.dry_run || report.imported == 0 {
        HttpResponse::Ok()
    } else {
        HttpResponse::Created()
    };
    Ok(resp.json(report))
}
