//! From agreement to registered contract, as a new user goes (issue 17): what a registered
//! contract does to the listing and the demand it names (`outcomes`), that the contract drafts
//! of deals can be submitted as they are and are read by the institution's office (`drafts`),
//! and that a refusal while a price notice runs says when it ends (`notices`). `steps` holds
//! the moves they share.

mod drafts;
mod notices;
mod outcomes;
mod steps;
