use serde::Serialize;

/// One invalid field and why; becomes an entry of the problem+json `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// The line of an uploaded file the fault is on (an import), counting from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            line: None,
        }
    }

    /// The same fault, placed on a line of an uploaded file.
    pub fn on_line(self, line: u64) -> Self {
        Self {
            line: Some(line),
            ..self
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, {}: {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

/// Field errors as one line a person reads (logs, the command line).
fn listed(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why an aggregate refused a command. Each variant maps to one HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The command is well-formed but its content breaks a rule (422).
    #[error("invalid: {}", listed(.0))]
    Invalid(Vec<FieldError>),
    /// The actor may not do this to this aggregate (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The aggregate's current state does not allow the command (409).
    #[error("not allowed in the current state: {0}")]
    Conflict(String),
    /// The aggregate does not exist (404); commands other than creation need one.
    #[error("not found")]
    NotFound,
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, message)])
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        DomainError::Forbidden(message.into())
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        DomainError::Conflict(message.into())
    }
}

/// `Ok` when the actor may act, `Forbidden(message)` otherwise: the first check of every command.
pub fn require(allowed: bool, message: &str) -> Result<(), DomainError> {
    if allowed {
        Ok(())
    } else {
        Err(DomainError::forbidden(message))
    }
}

/// `Ok` when `status` is one of `allowed`; otherwise 409 saying what it must be, for what, and
/// what it is: "the grant must be granted or registry_changed to be extended; it is expired".
pub fn require_state<S: Copy + PartialEq + std::fmt::Display>(
    noun: &str,
    status: S,
    allowed: &[S],
    what: &str,
) -> Result<(), DomainError> {
    if allowed.contains(&status) {
        return Ok(());
    }
    let names: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
    Err(DomainError::conflict(format!(
        "the {noun} must be {} to {what}; it is {status}",
        names.join(" or ")
    )))
}

/// Collects field errors so a command reports every problem at once, not just the first.
#[derive(Debug, Default)]
pub struct Validation(Vec<FieldError>);

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn check(&mut self, ok: bool, field: &str, message: impl Into<String>) {
        if !ok {
            self.0.push(FieldError::new(field, message));
        }
    }
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }
    /// Keeps the value when it parsed, records the error otherwise.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
