//! Accounts are not market events: a password hash has no place in an immutable log, so users
//! live in an ordinary table. These newtypes are what that table accepts.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use uuid::Uuid;

use super::error::Validation;
use super::text::{clean, Title};
use super::{DomainError, FieldError, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Deliberately simple: one `@`, a dot in the domain, no spaces. Stored lower-cased so that
    /// login is case-insensitive and the unique index sees one address once.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_lowercase();
        let err = || FieldError::new("email", "must be an e-mail address like name@example.org");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        let (local, domain) = s.split_once('@').ok_or_else(err)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(err());
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed; never logged (secrecy's Debug redacts it).
pub struct Password(SecretString);

impl Password {
    pub fn parse(raw: SecretString) -> Result<Self, FieldError> {
        let n = raw.expose_secret().chars().count();
        if n < 10 {
            return Err(FieldError::new(
                "password",
                "must be at least 10 characters",
            ));
        }
        if n > 128 {
            return Err(FieldError::new(
                "password",
                "must be at most 128 characters",
            ));
        }
        Ok(Self(raw))
    }
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationInput {
    pub email: String,
    pub password: SecretString,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub organization_id: Option<Uuid>,
}

pub struct NewUser {
    pub email: Email,
    pub password: Password,
    pub display_name: Title,
    pub role: Role,
    pub organization_id: Option<Uuid>,
}

impl NewUser {
    /// `self_service` is true for `POST /auth/register`, where only researchers and enterprises
    /// may sign themselves up; operators use `techmarket user add` for the other roles.
    pub fn parse(input: RegistrationInput, self_service: bool) -> Result<Self, DomainError> {
        let mut v = Validation::new();
        let email = v.take(Email::parse(&input.email));
        let password = v.take(Password::parse(input.password));
        let display_name = v.take(Title::parse("display_name", &input.display_name, 100));
        if self_service && !input.role.is_self_service() {
            v.push("role", "self-service registration is for researcher or enterprise; ask an operator for other roles");
        }
        v.finish()?;
        Ok(Self {
            email: email.expect("validated"),
            password: password.expect("validated"),
            display_name: display_name.expect("validated"),
            role: input.role,
            organization_id: input.organization_id,
        })
    }
}

/// Bounds a free-text login field before it reaches the hash check.
pub fn login_email(raw: &str) -> Result<String, FieldError> {
    clean("email", raw, 1, 254).map(|s| s.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(email: &str, password: &str, role: Role) -> RegistrationInput {
        RegistrationInput {
            email: email.into(),
            password: SecretString::from(password.to_string()),
            display_name: "李雷".into(),
            role,
            organization_id: None,
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Li.Lei@CQU.edu.cn ").unwrap().as_str(),
            "li.lei@cqu.edu.cn"
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "a @b.cn",
            "@b.cn",
            "a@b.cn.",
            "a@@b.cn",
            "<script>@x.cn x",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn self_service_is_limited_to_researchers_and_enterprises() {
        assert!(NewUser::parse(
            input("a@b.cn", "correct horse battery", Role::Researcher),
            true
        )
        .is_ok());
        assert!(NewUser::parse(
            input("a@b.cn", "correct horse battery", Role::Enterprise),
            true
        )
        .is_ok());
        for role in [
            Role::TechManager,
            Role::Registrar,
            Role::PlatformAdmin,
            Role::Statistician,
        ] {
            let DomainError::Invalid(errors) =
                NewUser::parse(input("a@b.cn", "correct horse battery", role), true)
                    .err()
                    .unwrap()
            else {
                panic!("expected a validation error")
            };
            assert_eq!(errors[0].field, "role");
            assert!(NewUser::parse(input("a@b.cn", "correct horse battery", role), false).is_ok());
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let DomainError::Invalid(errors) =
            NewUser::parse(input("nope", "short", Role::Registrar), true)
                .err()
                .unwrap()
        else {
            panic!("expected a validation error")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "password", "role"]);
    }
}
