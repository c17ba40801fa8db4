//! Which representation of a report the client asked for: JSON, CSV or an Excel workbook (the
//! statistics, the grant register's reports, the registrar's queue).

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The representation `Accept` prefers, by its q-values (RFC 9110 §12.5.1): JSON, CSV or (when
/// named) an Excel workbook; JSON when any will do or no `Accept` is sent; 406 when it accepts
/// none.
pub fn negotiate(req: &HttpRequest) -> Result<Format, AppError> {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(Format::Json);
    };
    if accept.trim().is_empty() {
        return Ok(Format::Json);
    }
    // For each format, the q of the most specific range that matches it (exact, type/*, */*).
    let mut best: [(u8, f32); 3] = [(0, -1.0); 3];
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        for (i, (kind, sub)) in [
            ("application", "json"),
            ("text", "csv"),
            (
                "application",
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        ]
        .iter()
        .enumerate()
        {
            let specificity = if media == format!("{kind}/{sub}") {
                3
            } else if media == format!("{kind}/*") {
                2
            } else if media == "*/*" {
                1
            } else {
                continue;
            };
            if specificity > best[i].0 {
                best[i] = (specificity, q);
            }
        }
    }
    // `*/*` and `application/*` alone do not ask for a spreadsheet: it must be named.
    let (json, csv) = (best[0].1, best[1].1);
    let xlsx = if best[2].0 == 3 { best[2].1 } else { -1.0 };
    if json <= 0.0 && csv <= 0.0 && xlsx <= 0.0 {
        return Err(AppError::NotAcceptable(format!(
            "{}application/json, text/csv or {XLSX}",
            super::language::REPORT_FORMATS_PREFIX
        )));
    }
    Ok(if xlsx > json && xlsx > csv {
        Format::Xlsx
    } else if csv > json {
        Format::Csv
    } else {
        Format::Json
    })
}
