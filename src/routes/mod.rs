//! The HTTP API, one module per route group. Base path `/api/v1` except the service routes.

pub mod auth;
mod command;
mod contract_drafts;
mod contract_history;
pub mod contract_imports;
pub mod contracts;
pub mod dashboard;
pub mod demands;
mod directory;
pub mod event_stream;
pub mod events;
pub mod experts;
pub mod front;
pub mod health;
pub mod lineage;
pub mod listings;
pub mod market_sales;
pub mod membership;
pub mod negotiations;
pub mod notifications;
pub mod organizations;
pub mod ownership_grants;
mod reference;
pub mod saved_searches;
pub mod search;
pub mod spec;
pub mod stats;
pub mod users;
pub mod verifications;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::error::{AppError, PROBLEM_JSON};

/// Declares every route once: the actix configuration and the [`ROUTES`] table come from the
/// same list, so the OpenAPI test, which compares `ROUTES` with `api-spec/openapi.yaml`,
/// sees exactly what the server answers.
macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path; )*) => {
        /// `(method, path)` of every route the server answers.
        pub const ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        pub fn configure(cfg: &mut web::ServiceConfig) {
            $( cfg.route($path, web::$method().to($handler)); )*
        }
    };
}

routes! {
    get "/" => front::index;
    get "/docs" => front::docs_redirect;
    get "/dashboard" => dashboard::page;
    get "/dashboard/dashboard.js" => dashboard::script;
    get "/dashboard/dashboard.css" => dashboard::style;
    get "/healthz" => health::healthz;
    get "/readyz" => health::readyz;
    get "/api-spec/openapi.yaml" => spec::openapi;

    post "/api/v1/auth/register" => auth::register;
    post "/api/v1/auth/login" => auth::login;
    post "/api/v1/auth/password-reset" => auth::reset_password;
    get "/api/v1/me" => auth::me;
    post "/api/v1/me/password" => auth::change_password;
    get "/api/v1/me/membership-requests" => membership::my_requests;
    post "/api/v1/me/membership-requests/{id}/withdraw" => membership::withdraw;
    get "/api/v1/me/notifications" => notifications::list;
    post "/api/v1/me/notifications/read-all" => notifications::mark_all_read;
    post "/api/v1/me/notifications/{id}/read" => notifications::mark_read;
    get "/api/v1/me/notification-preferences" => notifications::preferences;
    put "/api/v1/me/notification-preferences" => notifications::set_preferences;
    get "/api/v1/me/saved-searches" => saved_searches::list;
    post "/api/v1/me/saved-searches" => saved_searches::create;
    delete "/api/v1/me/saved-searches/{id}" => saved_searches::delete;
    get "/api/v1/admin/mail/dead" => notifications::dead_mail;
    post "/api/v1/admin/mail/{id}/retry" => notifications::retry_mail;
    post "/api/v1/admin/contract-imports" => contract_imports::import;
    post "/api/v1/invitations/accept" => membership::accept;

    get "/api/v1/users" => users::find;
    get "/api/v1/users/{id}" => auth::user;
    delete "/api/v1/users/{id}" => users::remove;
    get "/api/v1/users/{id}/history" => users::history;
    post "/api/v1/users/{id}/role" => users::change_role;
    post "/api/v1/users/{id}/disable" => users::disable;
    post "/api/v1/users/{id}/enable" => users::enable;
    post "/api/v1/users/{id}/force-password-change" => users::force_password_change;
    post "/api/v1/users/{id}/password-reset" => users::password_reset;

    post "/api/v1/organizations" => organizations::create;
    get "/api/v1/organizations" => organizations::list;
    get "/api/v1/organizations/{id}" => organizations::get;
    post "/api/v1/organizations/{id}/membership-requests" => membership::request;
    get "/api/v1/organizations/{id}/membership-requests" => membership::requests;
    post "/api/v1/organizations/{id}/membership-requests/{request_id}/approve" => membership::approve;
    post "/api/v1/organizations/{id}/membership-requests/{request_id}/reject" => membership::reject;
    get "/api/v1/organizations/{id}/members" => membership::members;
    post "/api/v1/organizations/{id}/members/{user_id}/remove" => membership::remove_member;
    post "/api/v1/organizations/{id}/members/{user_id}/admin" => membership::set_admin;
    post "/api/v1/organizations/{id}/invitations" => membership::invite;
    get "/api/v1/organizations/{id}/invitations" => membership::invitations;
    post "/api/v1/organizations/{id}/invitations/{invitation_id}/revoke" => membership::revoke_invitation;
    get "/api/v1/organizations/{id}/membership-history" => membership::history;

    post "/api/v1/listings" => listings::create;
    get "/api/v1/listings" => listings::list;
    get "/api/v1/listings/{id}" => listings::get;
    get "/api/v1/listings/{id}/history" => listings::history;
    get "/api/v1/listings/{id}/lineage" => lineage::of_listing;
    post "/api/v1/listings/{id}/revise" => listings::revise;
    post "/api/v1/listings/{id}/submit" => listings::submit;
    post "/api/v1/listings/{id}/publish" => listings::publish;
    post "/api/v1/listings/{id}/return" => listings::return_listing;
    post "/api/v1/listings/{id}/withdraw" => listings::withdraw;
    post "/api/v1/listings/{id}/price-notice" => listings::price_notice;
    get "/api/v1/listings/{id}/matches" => search::listing_matches;

    post "/api/v1/demands" => demands::create;
    get "/api/v1/demands" => demands::list;
    get "/api/v1/demands/{id}" => demands::get;
    post "/api/v1/demands/{id}/revise" => demands::revise;
    post "/api/v1/demands/{id}/publish" => demands::publish;
    post "/api/v1/demands/{id}/close" => demands::close;
    post "/api/v1/demands/{id}/applications" => demands::apply;
    get "/api/v1/demands/{id}/applications/{application_id}" => demands::application;
    post "/api/v1/demands/{id}/applications/{application_id}/select" => demands::select;
    get "/api/v1/demands/{id}/matches" => search::demand_matches;

    post "/api/v1/verification-requests" => verifications::create;
    get "/api/v1/verification-requests" => verifications::list;
    get "/api/v1/verification-requests/{id}" => verifications::get;
    post "/api/v1/verification-requests/{id}/accept" => verifications::accept;
    post "/api/v1/verification-requests/{id}/decline" => verifications::decline;
    post "/api/v1/verification-requests/{id}/milestones" => verifications::milestone;
    post "/api/v1/verification-requests/{id}/complete" => verifications::complete;
    post "/api/v1/verification-requests/{id}/cancel" => verifications::cancel;

    post "/api/v1/negotiations" => negotiations::open;
    get "/api/v1/negotiations" => negotiations::list;
    get "/api/v1/negotiations/{id}" => negotiations::get;
    post "/api/v1/negotiations/{id}/broker" => negotiations::broker;
    post "/api/v1/negotiations/{id}/nda" => negotiations::nda;
    post "/api/v1/negotiations/{id}/offers" => negotiations::offer;
    post "/api/v1/negotiations/{id}/accept" => negotiations::accept;
    post "/api/v1/negotiations/{id}/abandon" => negotiations::abandon;

    get "/api/v1/negotiations/{id}/contract-draft" => negotiations::contract_draft;

    post "/api/v1/listings/{id}/market-sales" => market_sales::open;
    get "/api/v1/listings/{id}/market-sales" => market_sales::of_listing;
    get "/api/v1/market-sales/{id}" => market_sales::get;
    post "/api/v1/market-sales/{id}/applications" => market_sales::apply;
    post "/api/v1/market-sales/{id}/bidders" => market_sales::register_bidder;
    post "/api/v1/market-sales/{id}/bids" => market_sales::bid;
    post "/api/v1/market-sales/{id}/close" => market_sales::close;
    post "/api/v1/market-sales/{id}/relist" => market_sales::relist;
    get "/api/v1/market-sales/{id}/contract-draft" => market_sales::contract_draft;
    post "/api/v1/contracts" => contracts::submit;
    put "/api/v1/experts/{user_id}" => experts::put;
    get "/api/v1/experts" => experts::list;
    get "/api/v1/contracts" => contracts::list;
    get "/api/v1/contracts/{id}" => contracts::get;
    get "/api/v1/contracts/{id}/lineage" => lineage::of_contract;
    post "/api/v1/contracts/{id}/accept" => contracts::accept;
    post "/api/v1/contracts/{id}/request-correction" => contracts::request_correction;
    post "/api/v1/contracts/{id}/resubmit" => contracts::resubmit;
    post "/api/v1/contracts/{id}/expert-review" => contracts::expert_review;
    post "/api/v1/contracts/{id}/expert-panel" => experts::request_panel;
    post "/api/v1/contracts/{id}/expert-panel/{expert_id}/accept" => experts::accept_seat;
    post "/api/v1/contracts/{id}/expert-panel/{expert_id}/decline" => experts::decline_seat;
    post "/api/v1/contracts/{id}/expert-panel/{expert_id}/opinion" => experts::submit_opinion;
    post "/api/v1/contracts/{id}/register" => contracts::register;
    post "/api/v1/contracts/{id}/refuse" => contracts::refuse;
    post "/api/v1/contracts/{id}/amend" => contracts::amend;
    post "/api/v1/contracts/{id}/payments" => contracts::payment;
    post "/api/v1/contracts/{id}/cancel" => contracts::cancel;
    post "/api/v1/contracts/{id}/revoke" => contracts::revoke;

    post "/api/v1/ownership-grants" => ownership_grants::apply;
    get "/api/v1/ownership-grants" => ownership_grants::list;
    get "/api/v1/ownership-grants/{id}" => ownership_grants::get;
    get "/api/v1/ownership-grants/{id}/history" => ownership_grants::history;
    get "/api/v1/ownership-grants/{id}/lineage" => lineage::of_grant;
    post "/api/v1/ownership-grants/{id}/review" => ownership_grants::review;
    post "/api/v1/ownership-grants/{id}/notice" => ownership_grants::notice;
    post "/api/v1/ownership-grants/{id}/objections" => ownership_grants::object;
    post "/api/v1/ownership-grants/{id}/objections/{objection_id}/resolve" => ownership_grants::resolve;
    post "/api/v1/ownership-grants/{id}/grant" => ownership_grants::grant;
    post "/api/v1/ownership-grants/{id}/registry-change" => ownership_grants::registry_change;
    post "/api/v1/ownership-grants/{id}/extend" => ownership_grants::extend;
    post "/api/v1/ownership-grants/{id}/revoke" => ownership_grants::revoke;
    post "/api/v1/ownership-grants/{id}/withdraw" => ownership_grants::withdraw;
    post "/api/v1/ownership-grants/{id}/distributions" => ownership_grants::distribute;

    get "/api/v1/stats/contracts" => stats::contracts;
    get "/api/v1/stats/contracts/annual-report" => stats::annual_report;
    get "/api/v1/stats/ownership-grants" => stats::ownership_grants;

    get "/api/v1/reference/regions" => reference::regions;
    get "/api/v1/reference/technology-fields" => reference::technology_fields;
    get "/api/v1/reference/contract-types" => reference::contract_types;
    get "/api/v1/reference/party-natures" => reference::party_natures;
    get "/api/v1/reference/ip-kinds" => reference::ip_kinds;
    get "/api/v1/reference/zones" => reference::zones;
    get "/api/v1/reference/refusal-reasons" => reference::refusal_reasons;
    get "/api/v1/reference/countries" => reference::countries;

    get "/api/v1/directory/tech-managers" => directory::tech_managers;
    get "/api/v1/directory/providers" => directory::providers;
    get "/api/v1/directory/institutions" => directory::institutions;
    get "/api/v1/me/profile" => directory::my_profile;
    put "/api/v1/me/profile" => directory::set_my_profile;
    get "/api/v1/contracts/{id}/history" => contract_history::history;

    get "/api/v1/events" => events::feed;
    get "/api/v1/events/stream" => event_stream::stream;
}

/// The fallback: 405 with `Allow` when the path is served under other methods, else 404.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let allowed = allowed_methods(req.path());
    if allowed.is_empty() {
        return Err(AppError::NotFound);
    }
    let mut resp =
        AppError::MethodNotAllowed(format!("{} takes {}", req.path(), allowed.join(", ")))
            .error_response();
    if let Ok(v) = header::HeaderValue::from_str(&allowed.join(", ")) {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    Ok(resp)
}

/// Methods under which [`ROUTES`] serves `path` (`{param}` segments match any one segment).
fn allowed_methods(path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let matches = |pattern: &str| {
        let p: Vec<&str> = pattern.split('/').collect();
        p.len() == segments.len()
            && p.iter()
                .zip(&segments)
                .all(|(p, s)| p.starts_with('{') || p == s)
    };
    let mut methods: Vec<String> = ROUTES
        .iter()
        .filter(|(_, p)| matches(p))
        .map(|(m, _)| m.to_ascii_uppercase())
        .collect();
    methods.dedup();
    methods
}

/// actix answers some client errors itself (405 on a known path, a malformed path segment)
/// with an empty or plain-text body; give them the problem+json shape every other error has.
pub fn problem_for_bare_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            AppError::MethodNotAllowed("this route does not take that method".into())
        }
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge { limit: 0 },
        _ => AppError::bad_request(status.canonical_reason().unwrap_or("bad request")),
    };
    let mut problem: HttpResponse<BoxBody> = error.error_response();
    *problem.status_mut() = status;
    let (req, _) = res.into_parts();
    let res = ServiceResponse::new(req, problem)
        .map_into_boxed_body()
        .map_into_right_body::<B>();
    Ok(ErrorHandlerResponse::Response(res))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_methods_come_from_the_route_table() {
        assert_eq!(allowed_methods("/api/v1/listings"), ["POST", "GET"]);
        assert_eq!(
            allowed_methods("/api/v1/listings/0190f0c4-0000-7000-8000-000000000000/submit"),
            ["POST"]
        );
        assert_eq!(allowed_methods("/healthz"), ["GET"]);
        assert!(allowed_methods("/api/v1/nothing").is_empty());
        assert!(allowed_methods("/api/v1/listings/x/y/z").is_empty());
    }
}
