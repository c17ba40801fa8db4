//! Mail: notifications rendered from a template file (`render`) and delivered by a sender with
//! retries and a dead-letter state (`sender`), and what an operator does with dead mail
//! (`dead`).

pub mod dead;
pub mod render;
pub mod sender;
