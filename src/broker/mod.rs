//! Telling other systems what happened: the log published to a message broker (RabbitMQ).
//! The message format is documented for consumers in `api-spec/asyncapi.yaml` and the README.

pub mod lease;
pub mod message;
pub mod publisher;
