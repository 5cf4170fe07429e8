//! The one integration-test binary. Each module covers one face or concern.

mod corpus;
mod fluentbit;
mod playground;
mod properties;
mod cli;
mod component;
mod sandbox;
mod adversarial;
mod generated;
